package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Test;

import java.util.SplittableRandom;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assume.assumeTrue;

public class AdcScanTests extends LuceneTestCase {

    static AdcTable randomTable(SplittableRandom random, Metric metric, int m, int ksub) {
        float[] values = new float[m * ksub];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 3);
        }
        return new AdcTable(metric, m, ksub, values);
    }

    static byte[] randomCodes(SplittableRandom random, int n, int m, int ksub) {
        byte[] codes = new byte[n * m];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(ksub);
        }
        return codes;
    }

    @Test
    public void unrolledKernelEqualsTheReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(1);
        for (int round = 0; round < 60; round++) {
            // Every M the kernel specialises (8, 16, 32, 64) and random others.
            int m = round < 8 ? 8 << (round % 4) : random.nextInt(1, 70);
            int ksub = random.nextBoolean() ? 256 : 16;
            int n = random.nextInt(0, 200);
            AdcTable table = randomTable(random, Metric.L2, m, ksub);
            byte[] codes = randomCodes(random, n, m, ksub);
            int from = n == 0 ? 0 : random.nextInt(n);
            int to = random.nextInt(from, n + 1);
            float[] expected = new float[to - from];
            float[] actual = new float[to - from];
            AdcScan.distancesReference(table, codes, from, to, expected);
            AdcScan.distances(table, codes, from, to, actual);
            assertArrayEquals("M=" + m + " ksub=" + ksub + " [" + from + "," + to + ")", expected, actual, 0f);
        }
    }

    @Test
    public void adcDistanceIsTheDistanceToTheDecodedVector() {
        SplittableRandom random = new SplittableRandom(3);
        int d = 16, m = 4, n = 400;
        float[] data = gaussian(random, n * d);
        ProductQuantizer pq = ProductQuantizer.train(data, n, d, m, 4, KMeans.Params.DEFAULT.withIterations(5));
        byte[] codes = new byte[n * m];
        for (int i = 0; i < n; i++) {
            pq.encode(data, i * d, codes, i * m);
        }
        float[] query = gaussian(random, d);
        float[] l2 = new float[n];
        float[] ip = new float[n];
        AdcScan.distances(pq.adcTable(query, Metric.L2), codes, 0, n, l2);
        AdcScan.distances(pq.adcTable(query, Metric.INNER_PRODUCT), codes, 0, n, ip);
        float[] decoded = new float[d];
        for (int i = 0; i < n; i++) {
            pq.decode(codes, i * m, decoded, 0);
            assertEquals(VectorMath.squaredDistance(query, 0, decoded, 0, d), l2[i], 1e-4f);
            assertEquals(VectorMath.dot(query, 0, decoded, 0, d), ip[i], 1e-4f);
        }
    }

    @Test
    public void rejectsBadRanges() {
        AdcTable table = randomTable(new SplittableRandom(5), Metric.L2, 4, 256);
        byte[] codes = new byte[40];
        assertThrows(IllegalArgumentException.class, () -> AdcScan.distances(table, codes, 0, 11, new float[11]));
        assertThrows(IllegalArgumentException.class, () -> AdcScan.distances(table, codes, 3, 2, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> AdcScan.distances(table, codes, 0, 10, new float[9]));
    }

    static float[] gaussian(SplittableRandom random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
