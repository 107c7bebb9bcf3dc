package io.audiopq.quantization;

import io.audiopq.testing.TestVectors;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;

public class KMeansTests extends LuceneTestCase {

    public void testSameSeedSameCentroids() {
        float[] data = TestVectors.uniform(random(), 500, 6);
        KMeans.Params params = KMeans.Params.DEFAULT.withSeed(random().nextLong());
        assertArrayEquals(KMeans.train(data, 500, 6, 16, params), KMeans.train(data, 500, 6, 16, params), 0f);
    }

    public void testRecoversWellSeparatedClusters() {
        int d = 4, k = 5, n = 1000;
        float[] data = TestVectors.gaussianMixture(random(), n, d, k, 0.01f);
        float[] centroids = KMeans.train(data, n, d, k, KMeans.Params.DEFAULT.withSeed(random().nextLong()));
        // With tight, far-apart clusters every point must sit very close to its nearest centroid.
        for (int i = 0; i < n; i++) {
            int c = KMeans.nearest(centroids, k, d, data, i * d);
            float error = VectorMath.squaredDistance(data, i * d, centroids, c * d, d);
            assertTrue("point " + i + " is " + error + " from its centroid", error < 0.01f);
        }
    }

    public void testLloydReducesErrorBelowSeeding() {
        int d = 8, k = 32, n = 2000;
        float[] data = TestVectors.uniform(random(), n, d);
        long seed = random().nextLong();
        float[] seeded = KMeans.train(data, n, d, k, KMeans.Params.DEFAULT.withSeed(seed).withIterations(0));
        float[] trained = KMeans.train(data, n, d, k, KMeans.Params.DEFAULT.withSeed(seed));
        assertTrue(meanError(data, n, d, trained, k) < meanError(data, n, d, seeded, k));
    }

    public void testNoEmptyClustersWithDuplicatedPoints() {
        // 40 distinct points, each repeated: k-means++ may still pick duplicates; repair must keep all k used.
        int d = 3, k = 40, distinct = 40, n = 400;
        float[] base = TestVectors.uniform(random(), distinct, d);
        float[] data = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(base, (i % distinct) * d, data, i * d, d);
        }
        float[] centroids = KMeans.train(data, n, d, k, KMeans.Params.DEFAULT.withSeed(random().nextLong()));
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            counts[KMeans.nearest(centroids, k, d, data, i * d)]++;
        }
        assertFalse("some centroid serves no point: " + Arrays.toString(counts), Arrays.stream(counts).anyMatch(c -> c == 0));
    }

    public void testTooFewVectorsIsAClearError() {
        float[] data = TestVectors.uniform(random(), 10, 4);
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> KMeans.train(data, 10, 4, 16, KMeans.Params.DEFAULT)
        );
        assertTrue(e.getMessage(), e.getMessage().contains("at least 16 training vectors, got 10"));
    }

    public void testUndersampledReusesPoints() {
        float[] data = TestVectors.uniform(random(), 3, 4);
        float[] centroids = KMeans.train(data, 3, 4, 8, KMeans.Params.DEFAULT.withAllowUndersampled(true));
        for (int i = 0; i < 3; i++) {
            int c = KMeans.nearest(centroids, 8, 4, data, i * 4);
            assertEquals(0f, VectorMath.squaredDistance(data, i * 4, centroids, c * 4, 4), 0f);
        }
    }

    public void testSubsamplesLargeTrainingSets() {
        // d = 8 keeps the four random centres far apart, so a good clustering exists whatever the seed
        // (with d = 2 two centres could nearly coincide).
        int d = 8, n = 5000, k = 4;
        float[] data = TestVectors.gaussianMixture(random(), n, d, k, 0.05f);
        KMeans.Params params = new KMeans.Params(25, random().nextLong(), 500, false);
        float[] centroids = KMeans.train(data, n, d, k, params);
        assertTrue(meanError(data, n, d, centroids, k) < 0.1);
    }

    private static double meanError(float[] data, int n, int d, float[] centroids, int k) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            int c = KMeans.nearest(centroids, k, d, data, i * d);
            total += VectorMath.squaredDistance(data, i * d, centroids, c * d, d);
        }
        return total / n;
    }
}
