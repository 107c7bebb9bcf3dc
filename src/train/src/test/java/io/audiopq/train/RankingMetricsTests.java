package io.audiopq.train;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

/** Metrics on rankings fixed by hand-made scores. */
public class RankingMetricsTests {

    @Test
    public void knownRanking() {
        // One query (label 0) over 6 items ranked 0..5 by score; relevance of the ranks: R N R N N R.
        int[] db = { 0, 1, 0, 1, 1, 0 };
        RankingMetrics m = RankingMetrics.compute(new int[] { 0 }, new int[] { -1 }, db, (q, i) -> -i);
        // AP over the full ranking: (1/1 + 2/3 + 3/6) / 3
        assertEquals((1 + 2.0 / 3 + 0.5) / 3, m.map(), 1e-12);
        // mAP@3: (1 + 2/3) / min(3, 3); mAP@5: same hits / 3; @10 and @50: all three / 3
        assertEquals((1 + 2.0 / 3) / 3, m.mapAt()[0], 1e-12);
        assertEquals((1 + 2.0 / 3) / 3, m.mapAt()[1], 1e-12);
        assertEquals((1 + 2.0 / 3 + 0.5) / 3, m.mapAt()[2], 1e-12);
        // P@3 = 2/3, P@5 = 2/5, P@10 = 3/10 (only 6 items: the missing ranks are misses), P@50 = 3/50
        assertEquals(2.0 / 3, m.precisionAt()[0], 1e-12);
        assertEquals(2.0 / 5, m.precisionAt()[1], 1e-12);
        assertEquals(3.0 / 10, m.precisionAt()[2], 1e-12);
        assertEquals(3.0 / 50, m.precisionAt()[3], 1e-12);
    }

    @Test
    public void selfIsExcluded() {
        // Query 1 is database item 1; the others score 3, 2, 1 in index order: ranking 0, 2, 3 with labels A B A → AP (1 + 2/3)/2
        int[] db = { 0, 0, 1, 0 };
        RankingMetrics m = RankingMetrics.compute(new int[] { 0 }, new int[] { 1 }, db, (q, i) -> -i);
        assertEquals((1 + 2.0 / 3) / 2, m.map(), 1e-12);
    }

    @Test
    public void tiesHaveNoRowOrderBias() {
        // Every score ties. Breaking ties by index would give AP 1 when the relevant items come first in the
        // collection (a label-sorted file) and ~0.1 when they come last; at random, both are the chance level.
        int n = 200, relevant = 20, queries = 100;
        int[] first = new int[n], last = new int[n];
        for (int i = 0; i < n; i++) {
            first[i] = i < relevant ? 0 : 1;
            last[i] = i >= n - relevant ? 0 : 1;
        }
        int[] qLabels = new int[queries], self = new int[queries];
        java.util.Arrays.fill(self, -1);
        RankingMetrics a = RankingMetrics.compute(qLabels, self, first, (q, i) -> 0.0);
        RankingMetrics b = RankingMetrics.compute(qLabels, self, last, (q, i) -> 0.0);
        assertEquals(a.map(), b.map(), 0.02);
        assertTrue("chance level expected, got " + a.map(), a.map() < 0.2 && a.map() > 0.05);
        // deterministic for a seed, and another seed draws other ties
        assertEquals(a.map(), RankingMetrics.compute(qLabels, self, first, (q, i) -> 0.0).map(), 0);
        assertNotEquals(a.map(), RankingMetrics.compute(qLabels, self, first, (q, i) -> 0.0, 7).map(), 1e-9);
    }

    @Test
    public void shufflingOrSortingTheItemsLeavesMapUnchanged() {
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
        Integer[] sorted = java.util.stream.IntStream.range(0, n).boxed().sorted(java.util.Comparator.comparingInt(i -> y[i])).toArray(Integer[]::new);
        double bySorted = looMapOfOrder(v, y, java.util.Arrays.stream(sorted).mapToInt(Integer::intValue).toArray());
        int[] shuffled = HeadTrainer.permutation(n, new java.util.SplittableRandom(9));
        double byShuffled = looMapOfOrder(v, y, shuffled);
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
        int[] self = identity(order.length);
        return RankingMetrics.compute(py, self, py, (q, i) -> -RankingMetrics.squaredDistance(pv[q], pv[i])).map();
    }

    private static int[] identity(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    @Test
    public void perfectAndReversedRankings() {
        int[] labels = { 0, 0, 0, 1, 1, 1 };
        float[][] v = new float[6][];
        for (int i = 0; i < 6; i++) {
            v[i] = labels[i] == 0 ? new float[] { 1, 0 } : new float[] { 0, 1 };
        }
        RankingMetrics perfect = RankingMetrics.leaveOneOutCosine(v, labels);
        assertEquals(1.0, perfect.map(), 1e-12);
        assertEquals(1.0, perfect.mapAt()[0], 1e-12);
        assertEquals(2.0 / 3, perfect.precisionAt()[0], 1e-12); // 2 relevant among the top 3
        // anti-similar scores: the relevant items come last (ranks 4 and 5 of 5): AP = (1/4 + 2/5) / 2
        RankingMetrics reversed = RankingMetrics.compute(labels, new int[] { 0, 1, 2, 3, 4, 5 }, labels,
            (q, i) -> labels[q] == labels[i] ? -1 : 1);
        assertEquals((0.25 + 0.4) / 2, reversed.map(), 1e-12);
        assertEquals(0.0, reversed.mapAt()[0], 1e-12);
    }

    @Test
    public void adcRankingUsesSquaredDistanceToReconstructions() {
        // query 0 = (1,0); reconstructions: item 1 close to (0.9,0.1) label 0, item 2 at (0,1) label 1
        float[][] q = { { 1, 0 }, { 0.9f, 0.1f }, { 0, 1 } };
        float[][] rec = { { 1, 0 }, { 0.95f, 0.05f }, { 0.1f, 0.9f } };
        RankingMetrics m = RankingMetrics.leaveOneOutAdc(q, rec, new int[] { 0, 0, 1 });
        // queries 0 and 1 find each other first (AP 1); query 2 has no relevant item (AP 0)
        assertEquals(2.0 / 3, m.map(), 1e-12);
    }
}
