package io.audiopq.quantization;

import io.audiopq.testing.TestVectors;

import org.apache.lucene.tests.util.LuceneTestCase;

public class CentroidDistancesTests extends LuceneTestCase {

    public void testDistancesAndNearestMatchTheScalarCodeBitForBit() {
        for (int round = 0; round < 20; round++) {
            // k around and off the vector width, d from 1 to 40.
            int k = 1 + random().nextInt(70);
            int d = 1 + random().nextInt(40);
            float[] centroids = TestVectors.uniform(random(), k, d);
            if (k > 2 && random().nextBoolean()) {
                // An exact duplicate: the lower index must win the tie.
                System.arraycopy(centroids, 0, centroids, (k - 1) * d, d);
            }
            CentroidDistances table = new CentroidDistances(centroids, 0, k, d);
            float[] points = TestVectors.uniform(random(), 30, d);
            float[] out = new float[k];
            for (int i = 0; i < 30; i++) {
                table.distances(points, i * d, out);
                for (int c = 0; c < k; c++) {
                    assertEquals(VectorMath.squaredDistance(points, i * d, centroids, c * d, d), out[c], 0f);
                }
                assertEquals(KMeans.nearest(centroids, k, d, points, i * d), table.nearest(points, i * d, out));
            }
            // A centroid itself is its own nearest (or an earlier duplicate of it).
            int c = random().nextInt(k);
            int nearest = table.nearest(centroids, c * d, out);
            assertEquals(0f, out[nearest], 0f);
            assertTrue(nearest <= c);
        }
    }
}
