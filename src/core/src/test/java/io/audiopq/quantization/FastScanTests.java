package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Test;

import java.util.SplittableRandom;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** The 4-bit layout, the quantised table, the fast-scan kernel and re-ranking. */
public class FastScanTests extends LuceneTestCase {

    private static final int[] MS = { 1, 2, 3, 4, 5, 8, 12, 16, 17, 32, 64 };

    @Test
    public void packingRoundTripsAndPadsWithZero() {
        SplittableRandom random = new SplittableRandom(1);
        for (int m : MS) {
            int n = random.nextInt(0, 150);
            byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
            FastScanCodes packed = FastScanCodes.pack(codes, n, m);
            assertEquals(FastScanCodes.blocks(n) * packed.blockBytes(), packed.data().length);
            assertEquals(0, packed.mPadded() % FastScanCodes.M_ALIGN);
            byte[] code = new byte[m];
            for (int ord = 0; ord < n; ord++) {
                packed.unpack(ord, code, 0);
                for (int j = 0; j < m; j++) {
                    assertEquals("ord " + ord + " j " + j, codes[ord * m + j], code[j]);
                }
            }
            for (int ord = n; ord < packed.blocks() * FastScanCodes.BLOCK; ord++) {
                for (int j = 0; j < packed.mPadded(); j++) {
                    assertEquals(0, packed.code(ord, j));
                }
            }
            FastScanCodes wrapped = FastScanCodes.wrap(packed.data(), n, m);
            assertEquals(n, wrapped.size());
        }
        assertThrows(IllegalArgumentException.class, () -> FastScanCodes.pack(new byte[] { 16 }, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> FastScanCodes.wrap(new byte[10], 1, 1));
    }

    @Test
    public void quantisedTableSpansTheByteRangeAndStaysWithinItsBound() {
        SplittableRandom random = new SplittableRandom(2);
        for (Metric metric : Metric.values()) {
            for (int m : MS) {
                AdcTable table = AdcScanTests.randomTable(random, metric, m, 16);
                QuantizedAdcTable q = QuantizedAdcTable.quantize(table);
                int max = 0;
                for (byte b : q.lut()) {
                    max = Math.max(max, b & 0xFF);
                }
                assertEquals("the widest row must use the whole byte range", m == 0 ? 0 : 255, max);
                for (int j = m; j < q.mPadded(); j++) {
                    for (int c = 0; c < 16; c++) {
                        assertEquals(0, q.lut()[j * 16 + c]);
                    }
                }
                byte[] codes = AdcScanTests.randomCodes(random, 500, m, 16);
                for (int i = 0; i < 500; i++) {
                    float exact = table.distance(codes, i * m);
                    float approx = q.dequantize(q.sum(codes, i * m));
                    assertTrue(
                        "M=" + m + " |" + approx + " - " + exact + "| > " + q.errorBound(),
                        Math.abs(approx - exact) <= q.errorBound()
                    );
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> QuantizedAdcTable.quantize(AdcScanTests.randomTable(random, Metric.L2, 4, 256)));
    }

    @Test
    public void constantTableIsExact() {
        float[] values = new float[3 * 16];
        java.util.Arrays.fill(values, 0.25f);
        QuantizedAdcTable q = QuantizedAdcTable.quantize(new AdcTable(Metric.L2, 3, 16, values));
        assertEquals(0.75f, q.dequantize(q.sum(new byte[] { 1, 7, 15 }, 0)), 0f);
    }

    @Test
    public void vectorKernelEqualsScalarKernelExactly() {
        SplittableRandom random = new SplittableRandom(3);
        for (int m : MS) {
            int n = random.nextInt(1, 400);
            QuantizedAdcTable q = QuantizedAdcTable.quantize(AdcScanTests.randomTable(random, Metric.L2, m, 16));
            byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
            FastScanCodes packed = FastScanCodes.pack(codes, n, m);
            int blocks = packed.blocks();
            short[] fast = new short[blocks * 32];
            short[] scalar = new short[blocks * 32];
            FastScanScanner.scoreBlocks(q, packed, 0, blocks, fast);
            FastScanScanner.scoreBlocksScalar(q, packed, 0, blocks, scalar);
            assertArrayEquals("M=" + m + " at " + FastScanScanner.vectorBits() + " bits", scalar, fast);
            for (int ord = 0; ord < n; ord++) {
                assertEquals("M=" + m + " ord " + ord, q.sum(codes, ord * m), fast[ord] & 0xFFFF);
            }
            // A sub-range of blocks lands at the start of the output.
            if (blocks > 1) {
                short[] tail = new short[32];
                FastScanScanner.scoreBlocks(q, packed, blocks - 1, blocks, tail);
                assertArrayEquals(java.util.Arrays.copyOfRange(fast, (blocks - 1) * 32, blocks * 32), tail);
            }
        }
    }

    @Test
    public void worstCaseSumsDoNotOverflow() {
        // Every entry 255 (a table whose rows all have their maximum at code 15), M=64: 16320.
        int m = 64;
        float[] values = new float[m * 16];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < 16; c++) {
                values[j * 16 + c] = c;
            }
        }
        QuantizedAdcTable q = QuantizedAdcTable.quantize(new AdcTable(Metric.L2, m, 16, values));
        byte[] codes = new byte[33 * m];
        java.util.Arrays.fill(codes, (byte) 15);
        short[] sums = new short[64];
        FastScanScanner.scoreBlocks(q, FastScanCodes.pack(codes, 33, m), 0, 2, sums);
        for (int v = 0; v < 33; v++) {
            assertEquals(255 * m, sums[v] & 0xFFFF);
        }
        assertEquals(0, sums[33]);
    }

    @Test
    public void distancesAreWithinTheBoundOfExactAdc() {
        SplittableRandom random = new SplittableRandom(4);
        for (Metric metric : Metric.values()) {
            for (int m : MS) {
                int n = random.nextInt(1, 300);
                AdcTable table = AdcScanTests.randomTable(random, metric, m, 16);
                QuantizedAdcTable q = QuantizedAdcTable.quantize(table);
                byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
                float[] approx = new float[n];
                FastScanScanner.distances(q, FastScanCodes.pack(codes, n, m), approx);
                for (int i = 0; i < n; i++) {
                    assertEquals(table.distance(codes, i * m), approx[i], q.errorBound());
                }
            }
        }
    }

    @Test
    public void searchReturnsTheTopKOfTheQuantisedSums() {
        SplittableRandom random = new SplittableRandom(5);
        for (Metric metric : Metric.values()) {
            for (int round = 0; round < 15; round++) {
                // M=200 gives sums above 32767: the kernel's comparisons must treat them as unsigned.
                int m = round == 0 ? 200 : MS[random.nextInt(MS.length)], n = random.nextInt(1, 2000), k = random.nextInt(1, 30);
                QuantizedAdcTable q = QuantizedAdcTable.quantize(AdcScanTests.randomTable(random, metric, m, 16));
                byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
                float[] sums = new float[n];
                for (int i = 0; i < n; i++) {
                    sums[i] = q.sum(codes, i * m);
                }
                int[] expected = TopKHeapTests.expectedIds(sums, k, metric == Metric.INNER_PRODUCT);
                TopKHeap.Hits hits = FastScanScanner.search(q, FastScanCodes.pack(codes, n, m), k).sorted();
                assertArrayEquals(metric + " M=" + m + " n=" + n, expected, hits.ids());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(q.dequantize((int) sums[expected[i]]), hits.scores()[i], 0f);
                }
            }
        }
    }
}
