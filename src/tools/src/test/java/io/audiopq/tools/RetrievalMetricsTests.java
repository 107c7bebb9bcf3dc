package io.audiopq.tools;

import org.apache.lucene.tests.util.LuceneTestCase;

public class RetrievalMetricsTests extends LuceneTestCase {

    public void testPerfectlySeparatedClasses() {
        // Two tight clusters far apart: every query ranks its own class first.
        // 15 per class, so that each query has more than 10 relevant items and P@10 can reach 1.
        float[][] v = new float[30][];
        int[] labels = new int[30];
        for (int i = 0; i < 30; i++) {
            labels[i] = i % 2;
            v[i] = RetrievalMetrics.l2Normalize(new float[] { labels[i] == 0 ? 1 : 0, labels[i] == 1 ? 1 : 0, (float) random().nextDouble() * 0.01f });
        }
        RetrievalMetrics m = RetrievalMetrics.leaveOneOut(v, labels);
        assertEquals(1.0, m.meanAveragePrecision(), 1e-12);
        assertEquals(1.0, m.top1Accuracy(), 1e-12);
        assertEquals(1.0, m.precisionAt5(), 1e-12);
        assertEquals(1.0, m.precisionAt10(), 1e-12);
    }

    public void testHandComputedAveragePrecision() {
        // Points on a line (1-D, then normalised in 2-D by angle): angles 0, 10, 20, 30 degrees, labels A A B A.
        float[][] v = new float[4][];
        double[] deg = { 0, 10, 20, 30 };
        for (int i = 0; i < 4; i++) {
            v[i] = new float[] { (float) Math.cos(Math.toRadians(deg[i])), (float) Math.sin(Math.toRadians(deg[i])) };
        }
        int[] labels = { 0, 0, 1, 0 };
        // Query 0: ranking 1(A) 2(B) 3(A): AP = (1/1 + 2/3) / 2. Query 1: neighbours 0 and 2 tie at 10 degrees,
        // broken by index: 0(A) 2(B) 3(A): AP = (1 + 2/3) / 2. Query 2: B has no other relevant item: AP 0.
        // Query 3: ranking 2(B) 1(A) 0(A): AP = (1/2 + 2/3) / 2.
        double expected = ((1 + 2.0 / 3) / 2 + (1 + 2.0 / 3) / 2 + 0 + (0.5 + 2.0 / 3) / 2) / 4;
        RetrievalMetrics m = RetrievalMetrics.leaveOneOut(v, labels);
        assertEquals(expected, m.meanAveragePrecision(), 1e-6);
        assertEquals(2.0 / 4, m.top1Accuracy(), 1e-12);
    }

    public void testRankingsGiveTheSameFiguresAsVectors() {
        // The rankings of testHandComputedAveragePrecision, as a search engine would return them.
        int[] labels = { 0, 0, 1, 0 };
        int[][] rankings = { { 1, 2, 3 }, { 0, 2, 3 }, { 1, 3, 0 }, { 2, 1, 0 } };
        double expected = ((1 + 2.0 / 3) / 2 + (1 + 2.0 / 3) / 2 + 0 + (0.5 + 2.0 / 3) / 2) / 4;
        RetrievalMetrics m = RetrievalMetrics.ofRankings(rankings, labels);
        assertEquals(expected, m.meanAveragePrecision(), 1e-12);
        assertEquals(2.0 / 4, m.top1Accuracy(), 1e-12);
        assertEquals(4, m.queries());
    }

    public void testTruncatedRankingIsPenalisedForMissingRelevantItems() {
        // Query 0 sees only item 1 of its two relevant items: AP = (1/1) / 2.
        int[] labels = { 0, 0, 0 };
        RetrievalMetrics m = RetrievalMetrics.ofRankings(new int[][] { { 1 }, { 0, 2 }, { 0, 1 } }, labels);
        assertEquals((0.5 + 1 + 1) / 3, m.meanAveragePrecision(), 1e-12);
        expectThrows(IllegalArgumentException.class, () -> RetrievalMetrics.ofRankings(new int[][] { { 0, 1 }, { 0, 2 }, { 0, 1 } }, labels));
    }
}
