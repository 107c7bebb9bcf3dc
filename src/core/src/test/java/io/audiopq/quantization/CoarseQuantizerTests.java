package io.audiopq.quantization;

import io.audiopq.testing.GaussianMixture;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

public class CoarseQuantizerTests extends LuceneTestCase {

    private static final KMeans.Params PARAMS = KMeans.Params.DEFAULT.withIterations(10);

    public void testAssignIsNearestCentroid() {
        int d = 8, nlist = 16, n = 2000;
        float[] data = new GaussianMixture(d, 16, 3f, 0.5f, random().nextLong()).sample(n, random().nextLong());
        CoarseQuantizer coarse = CoarseQuantizer.train(data, n, d, nlist, PARAMS.withSeed(random().nextLong()));
        assertEquals(nlist, coarse.nlist());
        for (int i = 0; i < 50; i++) {
            float[] x = Arrays.copyOfRange(data, i * d, (i + 1) * d);
            int list = coarse.assign(x);
            float best = VectorMath.squaredDistance(x, 0, coarse.centroids(), list * d, d);
            for (int c = 0; c < nlist; c++) {
                assertTrue(best <= VectorMath.squaredDistance(x, 0, coarse.centroids(), c * d, d));
            }
        }
    }

    public void testNearestListsMatchesFullSortForBothMetrics() {
        int d = 6, nlist = 40;
        float[] centroids = randomVectors(nlist, d);
        CoarseQuantizer coarse = new CoarseQuantizer(d, nlist, centroids);
        for (Metric metric : Metric.values()) {
            float[] q = randomVectors(1, d);
            int nprobe = 1 + random().nextInt(nlist);
            float[] scores = new float[nprobe];
            int[] lists = coarse.nearestLists(q, nprobe, metric, scores);
            Integer[] all = IntStream.range(0, nlist).boxed().toArray(Integer[]::new);
            Comparator<Integer> byScore = Comparator.comparingDouble(c -> score(q, centroids, c, d, metric));
            Arrays.sort(all, byScore.thenComparingInt(c -> c));
            assertEquals(nprobe, lists.length);
            for (int i = 0; i < nprobe; i++) {
                assertEquals("rank " + i + " for " + metric, (int) all[i], lists[i]);
                float expected = metric == Metric.L2
                    ? VectorMath.squaredDistance(q, 0, centroids, lists[i] * d, d)
                    : VectorMath.dot(q, 0, centroids, lists[i] * d, d);
                assertEquals(expected, scores[i], 0f);
            }
        }
    }

    private static float score(float[] q, float[] centroids, int c, int d, Metric metric) {
        return metric == Metric.L2
            ? VectorMath.squaredDistance(q, 0, centroids, c * d, d)
            : -VectorMath.dot(q, 0, centroids, c * d, d);
    }

    public void testNprobeAboveNlistIsClamped() {
        int d = 4, nlist = 5;
        CoarseQuantizer coarse = new CoarseQuantizer(d, nlist, randomVectors(nlist, d));
        int[] lists = coarse.nearestLists(randomVectors(1, d), nlist + 7, Metric.L2);
        assertEquals(nlist, lists.length);
        assertEquals(nlist, Arrays.stream(lists).distinct().count());
    }

    public void testBadParameters() {
        float[] data = randomVectors(10, 4);
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> CoarseQuantizer.train(data, 10, 4, 0, PARAMS)
        );
        assertEquals("nlist must be >= 1, got 0", e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> CoarseQuantizer.train(data, 10, 4, 11, PARAMS));
        assertTrue(e.getMessage(), e.getMessage().contains("nlist=11 needs at least 11 vectors"));
        assertTrue(e.getMessage(), e.getMessage().contains("got 10"));
        CoarseQuantizer coarse = new CoarseQuantizer(4, 2, randomVectors(2, 4));
        e = expectThrows(IllegalArgumentException.class, () -> coarse.nearestLists(new float[4], 0, Metric.L2));
        assertEquals("nprobe must be >= 1, got 0", e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> coarse.nearestLists(new float[3], 1, Metric.L2));
        assertTrue(e.getMessage(), e.getMessage().contains("expects D=4"));
        e = expectThrows(IllegalArgumentException.class, () -> new CoarseQuantizer(4, 2, new float[7]));
        assertTrue(e.getMessage(), e.getMessage().contains("nlist*D=8"));
    }

    public void testUndersampledTrainingReusesPoints() {
        float[] data = randomVectors(3, 4);
        CoarseQuantizer coarse = CoarseQuantizer.train(data, 3, 4, 5, PARAMS.withAllowUndersampled(true));
        assertEquals(5, coarse.nlist());
        for (int i = 0; i < 3; i++) {
            int list = coarse.assign(Arrays.copyOfRange(data, i * 4, i * 4 + 4));
            assertEquals(0f, VectorMath.squaredDistance(data, i * 4, coarse.centroids(), list * 4, 4), 0f);
        }
    }

    public void testSerialisationRoundTrip() {
        int d = 5, nlist = 7;
        CoarseQuantizer coarse = new CoarseQuantizer(d, nlist, randomVectors(nlist, d));
        CoarseQuantizer read = CoarseQuantizer.fromBytes(coarse.toBytes());
        assertArrayEquals(coarse.centroids(), read.centroids(), 0f);
        assertEquals(coarse.id(), read.id());
        assertEquals(d, read.dimension());
        assertEquals(nlist, read.nlist());
        CoarseQuantizer other = new CoarseQuantizer(d, nlist, randomVectors(nlist, d));
        assertNotEquals(coarse.id(), other.id());
    }

    public void testCorruptionIsDetected() {
        CoarseQuantizer coarse = new CoarseQuantizer(3, 4, randomVectors(4, 3));
        byte[] bytes = coarse.toBytes();
        byte[] flipped = bytes.clone();
        int at = 16 + random().nextInt(bytes.length - 24);
        flipped[at] ^= (byte) (1 + random().nextInt(255));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> CoarseQuantizer.fromBytes(flipped));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum mismatch"));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> CoarseQuantizer.fromBytes(Arrays.copyOf(bytes, bytes.length - 1))
        );
        assertTrue(e.getMessage(), e.getMessage().contains("truncated"));
        byte[] badMagic = bytes.clone();
        badMagic[0] ^= 1;
        e = expectThrows(IllegalArgumentException.class, () -> CoarseQuantizer.fromBytes(badMagic));
        assertTrue(e.getMessage(), e.getMessage().contains("bad magic"));
        e = expectThrows(IllegalArgumentException.class, () -> CoarseQuantizer.fromBytes(new ProductQuantizer(4, 2, 4, new float[2 * 16 * 2]).toBytes()));
        assertTrue(e.getMessage(), e.getMessage().contains("not a serialised IVF coarse quantiser"));
    }

    private static float[] randomVectors(int n, int d) {
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random().nextGaussian();
        }
        return v;
    }
}
