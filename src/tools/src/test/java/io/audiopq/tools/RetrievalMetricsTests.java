package io.audiopq.tools;

import io.audiopq.quantization.VectorMath;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Metrics of hand-made scores and of given rankings, and the seeded random tie-breaking. */
public class RetrievalMetricsTests extends LuceneTestCase {

    // ---------------------------------------------------------------- from scores

    public void testKnownRanking() {
        // One query (label 0) over 6 items ranked 0..5 by score; relevance of the ranks: R N R N N R.
        int[] db = { 0, 1, 0, 1, 1, 0 };
        RetrievalMetrics m = RetrievalMetrics.compute(new int[] { 0 }, new int[] { -1 }, db, (q, i) -> -i);
        // AP over the full ranking: (1/1 + 2/3 + 3/6) / 3
        assertEquals((1 + 2.0 / 3 + 0.5) / 3, m.map(), 1e-12);
        assertEquals(1.0, m.top1(), 1e-12);
        // mAP@3: (1 + 2/3) / min(3, 3); mAP@5: same hits / 3; @10 and @50: all three / 3
        assertEquals((1 + 2.0 / 3) / 3, m.mapAt()[0], 1e-12);
        assertEquals((1 + 2.0 / 3) / 3, m.mapAt()[1], 1e-12);
        assertEquals((1 + 2.0 / 3 + 0.5) / 3, m.mapAt()[2], 1e-12);
        assertEquals(m.mapAt()[2], m.mapAt(10), 0);
        // P@3 = 2/3, P@5 = 2/5, P@10 = 3/10 (only 6 items: the missing ranks are misses), P@50 = 3/50
        assertEquals(2.0 / 3, m.precisionAt()[0], 1e-12);
        assertEquals(2.0 / 5, m.precisionAt()[1], 1e-12);
        assertEquals(3.0 / 10, m.precisionAt()[2], 1e-12);
        assertEquals(3.0 / 50, m.precisionAt()[3], 1e-12);
        assertEquals(2.0 / 5, m.precisionAt(5), 0);
        assertEquals(3.0 / 10, m.precisionAt(10), 0);
        expectThrows(IllegalArgumentException.class, () -> m.precisionAt(7));
    }

    public void testSelfIsExcluded() {
        // Query 1 is database item 1; the others score 3, 2, 1 in index order: ranking 0, 2, 3 with labels A B A → AP (1 + 2/3)/2
        int[] db = { 0, 0, 1, 0 };
        RetrievalMetrics m = RetrievalMetrics.compute(new int[] { 0 }, new int[] { 1 }, db, (q, i) -> -i);
        assertEquals((1 + 2.0 / 3) / 2, m.map(), 1e-12);
    }

    public void testTiesHaveNoRowOrderBias() {
        // Every score ties. Breaking ties by index would give AP 1 when the relevant items come first in the
        // collection (a label-sorted file) and ~0.1 when they come last; at random, both are the chance level.
        int n = 200, relevant = 20, queries = 100;
        int[] first = new int[n], last = new int[n];
        for (int i = 0; i < n; i++) {
            first[i] = i < relevant ? 0 : 1;
            last[i] = i >= n - relevant ? 0 : 1;
        }
        int[] qLabels = new int[queries], self = new int[queries];
        Arrays.fill(self, -1);
        RetrievalMetrics a = RetrievalMetrics.compute(qLabels, self, first, (q, i) -> 0.0);
        RetrievalMetrics b = RetrievalMetrics.compute(qLabels, self, last, (q, i) -> 0.0);
        assertEquals(a.map(), b.map(), 0.02);
        assertTrue("chance level expected, got " + a.map(), a.map() < 0.2 && a.map() > 0.05);
        // deterministic for a seed, and another seed draws other ties
        assertEquals(a.map(), RetrievalMetrics.compute(qLabels, self, first, (q, i) -> 0.0).map(), 0);
        assertNotEquals(a.map(), RetrievalMetrics.compute(qLabels, self, first, (q, i) -> 0.0, 7).map(), 1e-9);
    }

    public void testShufflingOrSortingTheItemsLeavesMapUnchanged() {
        // Coarsely quantised scores (many exact ties, as items sharing a PQ code have): mAP must not depend
        // on the order of the items, be it shuffled or sorted by label.
        java.util.Random r = new java.util.Random(3);
        int n = 300, classes = 5, dim = 4;
        float[][] v = new float[n][dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int j = 0; j < dim; j++) {
                v[i][j] = Math.round((y[i] == j % classes ? 1.0 : 0.0) + 1.5 * r.nextGaussian()); // integers: ties galore
            }
        }
        double original = looMapOfOrder(v, y, identity(n));
        int[] sorted = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt(i -> y[i])).mapToInt(Integer::intValue).toArray();
        double bySorted = looMapOfOrder(v, y, sorted);
        List<Integer> shuffled = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(shuffled, new java.util.Random(9));
        double byShuffled = looMapOfOrder(v, y, shuffled.stream().mapToInt(Integer::intValue).toArray());
        assertEquals(original, bySorted, 0.003);
        assertEquals(original, byShuffled, 0.003);
    }

    private static double looMapOfOrder(float[][] v, int[] y, int[] order) {
        float[][] pv = new float[order.length][];
        int[] py = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            pv[k] = v[order[k]];
            py[k] = y[order[k]];
        }
        return RetrievalMetrics.compute(py, identity(order.length), py, (q, i) -> -RetrievalMetrics.squaredDistance(pv[q], pv[i])).map();
    }

    private static int[] identity(int n) {
        return IntStream.range(0, n).toArray();
    }

    public void testPerfectAndReversedRankings() {
        int[] labels = { 0, 0, 0, 1, 1, 1 };
        float[][] v = new float[6][];
        for (int i = 0; i < 6; i++) {
            v[i] = labels[i] == 0 ? new float[] { 1, 0 } : new float[] { 0, 1 };
        }
        RetrievalMetrics perfect = RetrievalMetrics.leaveOneOutCosine(v, labels);
        assertEquals(1.0, perfect.map(), 1e-12);
        assertEquals(1.0, perfect.mapAt()[0], 1e-12);
        assertEquals(2.0 / 3, perfect.precisionAt()[0], 1e-12); // 2 relevant among the top 3
        // anti-similar scores: the relevant items come last (ranks 4 and 5 of 5): AP = (1/4 + 2/5) / 2
        RetrievalMetrics reversed = RetrievalMetrics.compute(labels, new int[] { 0, 1, 2, 3, 4, 5 }, labels,
            (q, i) -> labels[q] == labels[i] ? -1 : 1);
        assertEquals((0.25 + 0.4) / 2, reversed.map(), 1e-12);
        assertEquals(0.0, reversed.mapAt()[0], 1e-12);
        assertEquals(0.0, reversed.top1(), 1e-12);
    }

    public void testAdcRankingUsesSquaredDistanceToReconstructions() {
        // query 0 = (1,0); reconstructions: item 1 close to (0.9,0.1) label 0, item 2 at (0,1) label 1
        float[][] q = { { 1, 0 }, { 0.9f, 0.1f }, { 0, 1 } };
        float[][] rec = { { 1, 0 }, { 0.95f, 0.05f }, { 0.1f, 0.9f } };
        RetrievalMetrics m = RetrievalMetrics.leaveOneOutAdc(q, rec, new int[] { 0, 0, 1 });
        // queries 0 and 1 find each other first (AP 1); query 2 has no relevant item (AP 0)
        assertEquals(2.0 / 3, m.map(), 1e-12);
    }

    public void testPerfectlySeparatedClasses() {
        // Two tight clusters far apart: every query ranks its own class first.
        // 15 per class, so that each query has more than 10 relevant items and P@10 can reach 1.
        float[][] v = new float[30][];
        int[] labels = new int[30];
        for (int i = 0; i < 30; i++) {
            labels[i] = i % 2;
            v[i] = VectorMath.normalize(new float[] { labels[i] == 0 ? 1 : 0, labels[i] == 1 ? 1 : 0, (float) random().nextDouble() * 0.01f });
        }
        RetrievalMetrics m = RetrievalMetrics.leaveOneOutCosine(v, labels);
        assertEquals(1.0, m.map(), 1e-12);
        assertEquals(1.0, m.top1(), 1e-12);
        assertEquals(1.0, m.precisionAt(5), 1e-12);
        assertEquals(1.0, m.precisionAt(10), 1e-12);
    }

    /** Angles 0, 10, 21, 30 degrees with labels A A B A: no two neighbours of a query tie, so the tie rule plays no part. */
    private static final double[] DEGREES = { 0, 10, 21, 30 };
    private static final int[] AABA = { 0, 0, 1, 0 };
    // Query 0: ranking 1(A) 2(B) 3(A): AP = (1/1 + 2/3) / 2. Query 1: 0(A) at 10 degrees before 2(B) at 11, then 3(A):
    // AP = (1 + 2/3) / 2. Query 2: B has no other relevant item: AP 0. Query 3: ranking 2(B) 1(A) 0(A): AP = (1/2 + 2/3) / 2.
    private static final double AABA_MAP = ((1 + 2.0 / 3) / 2 + (1 + 2.0 / 3) / 2 + 0 + (0.5 + 2.0 / 3) / 2) / 4;

    public void testHandComputedAveragePrecision() {
        float[][] v = new float[4][];
        for (int i = 0; i < 4; i++) {
            v[i] = new float[] { (float) Math.cos(Math.toRadians(DEGREES[i])), (float) Math.sin(Math.toRadians(DEGREES[i])) };
        }
        RetrievalMetrics m = RetrievalMetrics.leaveOneOutCosine(v, AABA);
        assertEquals(AABA_MAP, m.map(), 1e-6);
        assertEquals(2.0 / 4, m.top1(), 1e-12);
    }

    // ---------------------------------------------------------------- from rankings

    public void testRankingsGiveTheSameFiguresAsVectors() {
        // The rankings of testHandComputedAveragePrecision, as a search engine would return them.
        int[][] rankings = { { 1, 2, 3 }, { 0, 2, 3 }, { 3, 1, 0 }, { 2, 1, 0 } };
        RetrievalMetrics m = RetrievalMetrics.ofRankings(rankings, AABA);
        assertEquals(AABA_MAP, m.map(), 1e-12);
        assertEquals(2.0 / 4, m.top1(), 1e-12);
        assertEquals(4, m.queries());
    }

    public void testTruncatedRankingIsPenalisedForMissingRelevantItems() {
        // Query 0 sees only item 1 of its two relevant items: AP = (1/1) / 2.
        int[] labels = { 0, 0, 0 };
        RetrievalMetrics m = RetrievalMetrics.ofRankings(new int[][] { { 1 }, { 0, 2 }, { 0, 1 } }, labels);
        assertEquals((0.5 + 1 + 1) / 3, m.map(), 1e-12);
        // P@5 of rankings shorter than 5: the missing ranks are misses (1/5, 2/5, 2/5)
        assertEquals((1 + 2 + 2) / 15.0, m.precisionAt(5), 1e-12);
        expectThrows(IllegalArgumentException.class, () -> RetrievalMetrics.ofRankings(new int[][] { { 0, 1 }, { 0, 2 }, { 0, 1 } }, labels));
    }
}
