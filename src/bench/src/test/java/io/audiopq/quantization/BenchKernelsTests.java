package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.SplittableRandom;

/** The kernels only the benchmarks run, against the core's reference kernels. */
public class BenchKernelsTests extends LuceneTestCase {

    public void testFlatKernelEqualsTheReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(1);
        for (int round = 0; round < 40; round++) {
            int m = round < 8 ? 8 << (round % 4) : random.nextInt(1, 70);
            int ksub = random.nextBoolean() ? 256 : 16;
            int n = random.nextInt(0, 200);
            AdcTable table = AdcScanTests.randomTable(random, Metric.L2, m, ksub);
            byte[] codes = AdcScanTests.randomCodes(random, n, m, ksub);
            float[] expected = new float[n];
            float[] flat = new float[n];
            AdcScan.distancesReference(table, codes, 0, n, expected);
            FlatAdcKernel.distances(table.values(), m, ksub, codes, 0, n, flat, 0);
            assertArrayEquals("flat kernel, M=" + m + " ksub=" + ksub, expected, flat, 0f);
        }
    }

    public void testGatherKernelAgreesWithTheReferenceUpToRounding() {
        assumeTrue("the gather kernel needs 8 or 16 float lanes", AdcGatherKernel.supports(64));
        SplittableRandom random = new SplittableRandom(2);
        for (int m : new int[] { 8, 16, 32, 48, 64 }) {
            if (AdcGatherKernel.supports(m) == false) {
                continue;
            }
            AdcTable table = AdcScanTests.randomTable(random, Metric.INNER_PRODUCT, m, 256);
            int n = 333;
            byte[] codes = AdcScanTests.randomCodes(random, n, m, 256);
            float[] expected = new float[n - 5];
            float[] actual = new float[n - 5];
            AdcScan.distancesReference(table, codes, 5, n, expected);
            AdcGatherKernel.distances(table, codes, 5, n, actual);
            for (int i = 0; i < expected.length; i++) {
                // Summation order differs: allow a few ulps of the magnitude of the terms.
                assertEquals("M=" + m + " code " + i, expected[i], actual[i], 1e-5f * m * 10);
            }
        }
    }
}
