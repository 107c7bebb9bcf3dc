package io.audiopq.quantization;

import io.audiopq.testing.TestVectors;

import org.apache.lucene.tests.util.LuceneTestCase;

public class ProductQuantizerTests extends LuceneTestCase {

    private ProductQuantizer trained(int n, int d, int m, int nbits) {
        float[] data = TestVectors.uniform(random(), n, d);
        return ProductQuantizer.train(data, n, d, m, nbits, KMeans.Params.DEFAULT.withSeed(random().nextLong()));
    }

    public void testEncodePicksNearestCodewordPerSubspace() {
        int d = 16, m = 4, nbits = random().nextBoolean() ? 4 : 8;
        ProductQuantizer pq = trained(600, d, m, nbits);
        float[] x = TestVectors.uniform(random(), 1, d);
        byte[] code = pq.encode(x);
        for (int j = 0; j < m; j++) {
            int chosen = code[j] & 0xFF;
            assertTrue(chosen < pq.ksub());
            float chosenDistance = subDistance(pq, x, j, chosen);
            for (int c = 0; c < pq.ksub(); c++) {
                assertTrue("subspace " + j + " codeword " + c + " is closer", subDistance(pq, x, j, c) >= chosenDistance);
            }
        }
    }

    public void testDecodeOfEncodedCodewordsRoundTrips() {
        ProductQuantizer pq = trained(400, 12, 3, 8);
        byte[] code = new byte[pq.m()];
        for (int j = 0; j < pq.m(); j++) {
            code[j] = (byte) random().nextInt(pq.ksub());
        }
        // A decoded vector is made of codewords, so it encodes back to a code that decodes to the same vector.
        float[] decoded = pq.decode(code);
        assertArrayEquals(decoded, pq.decode(pq.encode(decoded)), 0f);
    }

    public void testAdcEqualsExactDistanceToDecodedVector() {
        int d = 32, m = 8;
        ProductQuantizer pq = trained(1000, d, m, random().nextBoolean() ? 4 : 8);
        float[] query = TestVectors.uniform(random(), 1, d);
        AdcTable l2 = pq.adcTable(query, Metric.L2);
        AdcTable ip = pq.adcTable(query, Metric.INNER_PRODUCT);
        for (int i = 0; i < 50; i++) {
            byte[] code = pq.encode(TestVectors.uniform(random(), 1, d));
            float[] decoded = pq.decode(code);
            assertEquals(VectorMath.squaredDistance(query, 0, decoded, 0, d), l2.distance(code, 0), 1e-4f);
            assertEquals(VectorMath.dot(query, 0, decoded, 0, d), ip.distance(code, 0), 1e-4f);
        }
    }

    public void testMoreBitsAndMoreSubspacesQuantiseBetter() {
        int n = 3000, d = 16;
        float[] data = TestVectors.gaussianMixture(random(), n, d, 50, 1f);
        KMeans.Params params = KMeans.Params.DEFAULT.withSeed(random().nextLong());
        double m4bits4 = ProductQuantizer.train(data, n, d, 4, 4, params).quantizationError(data, n);
        double m4bits8 = ProductQuantizer.train(data, n, d, 4, 8, params).quantizationError(data, n);
        double m8bits8 = ProductQuantizer.train(data, n, d, 8, 8, params).quantizationError(data, n);
        assertTrue(m4bits8 + " < " + m4bits4, m4bits8 < m4bits4);
        assertTrue(m8bits8 + " < " + m4bits8, m8bits8 < m4bits8);
    }

    public void testSerialisationRoundTripKeepsIdAndCodes() {
        ProductQuantizer pq = trained(300, 8, 2, 8);
        ProductQuantizer copy = ProductQuantizer.fromBytes(pq.toBytes());
        assertEquals(pq.id(), copy.id());
        assertArrayEquals(pq.centroids(), copy.centroids(), 0f);
        float[] x = TestVectors.uniform(random(), 1, 8);
        assertArrayEquals(pq.encode(x), copy.encode(x));
    }

    public void testCorruptedBytesAreRejected() {
        byte[] bytes = trained(300, 8, 2, 8).toBytes();
        int at = 20 + random().nextInt(bytes.length - 28); // somewhere in the centroids
        bytes[at] ^= 0x10;
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> ProductQuantizer.fromBytes(bytes));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum mismatch"));
    }

    public void testIdDependsOnContent() {
        ProductQuantizer a = trained(300, 8, 2, 8);
        float[] changed = a.centroids().clone();
        changed[0] += 1f;
        assertNotEquals(a.id(), new ProductQuantizer(8, 2, 8, changed).id());
        assertEquals(a.id(), new ProductQuantizer(8, 2, 8, a.centroids().clone()).id());
    }

    public void testBadShapesNameTheProblem() {
        assertMessage("must be divisible by M=5", () -> ProductQuantizer.checkShape(16, 5, 8));
        assertMessage("nbits must be 4 or 8, got 6", () -> ProductQuantizer.checkShape(16, 4, 6));
        assertMessage("M must be in [1, D=4], got 8", () -> ProductQuantizer.checkShape(4, 8, 8));
        float[] data = TestVectors.uniform(random(), 100, 8);
        assertMessage("needs at least 256 vectors", () -> ProductQuantizer.train(data, 100, 8, 2, 8, KMeans.Params.DEFAULT));
        ProductQuantizer pq = trained(300, 8, 2, 4);
        assertMessage("vector has 7 dimensions, the quantiser expects D=8", () -> pq.encode(new float[7]));
    }

    private static float subDistance(ProductQuantizer pq, float[] x, int j, int c) {
        return VectorMath.squaredDistance(x, j * pq.dsub(), pq.centroids(), (j * pq.ksub() + c) * pq.dsub(), pq.dsub());
    }

    private static void assertMessage(String expected, ThrowingRunnable runnable) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, runnable);
        assertTrue("message: " + e.getMessage(), e.getMessage().contains(expected));
    }
}
