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
    public void dequantisedSumsAreWithinTheBoundOfExactAdc() {
        SplittableRandom random = new SplittableRandom(4);
        for (Metric metric : Metric.values()) {
            for (int m : MS) {
                int n = random.nextInt(1, 300);
                AdcTable table = AdcScanTests.randomTable(random, metric, m, 16);
                QuantizedAdcTable q = QuantizedAdcTable.quantize(table);
                byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
                FastScanCodes packed = FastScanCodes.pack(codes, n, m);
                short[] sums = new short[packed.blocks() * FastScanCodes.BLOCK];
                FastScanScanner.scoreBlocks(q, packed, 0, packed.blocks(), sums);
                for (int i = 0; i < n; i++) {
                    assertEquals(table.distance(codes, i * m), q.dequantize(sums[i] & 0xFFFF), q.errorBound());
                }
            }
        }
    }

    @Test
    public void candidatesAreTheSumsThatReachTheLimitReadUnsigned() {
        SplittableRandom random = new SplittableRandom(5);
        short[] sums = new short[40];
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < sums.length; i++) {
                // Sums above 32767 (M > 128) must compare as unsigned.
                sums[i] = (short) random.nextInt(0, 65536);
            }
            int offset = random.nextInt(0, 9);
            int limit = random.nextInt(-10, 65546);
            for (boolean higherIsBetter : new boolean[] { false, true }) {
                int expected = 0;
                for (int v = 0; v < FastScanCodes.BLOCK; v++) {
                    int sum = sums[offset + v] & 0xFFFF;
                    if (higherIsBetter ? sum >= limit : sum <= limit) {
                        expected |= 1 << v;
                    }
                }
                assertEquals("limit " + limit, expected, FastScanScanner.candidates(sums, offset, limit, higherIsBetter));
            }
        }
    }

    @Test
    public void searchOfExactlyQuantisedTablesHandlesSumsAboveShortRange() throws Exception {
        // Integer tables spanning 0..255 in every row quantise exactly (scale 1), so the fast scan's
        // ranking is the exact one; M=200 gives sums above 32767.
        SplittableRandom random = new SplittableRandom(6);
        for (Metric metric : Metric.values()) {
            for (int m : new int[] { 8, 200 }) {
                float[] values = new float[m * 16];
                for (int j = 0; j < m; j++) {
                    for (int c = 0; c < 16; c++) {
                        values[j * 16 + c] = c == 0 ? 0 : c == 1 ? 255 : random.nextInt(256);
                    }
                }
                AdcTable table = new AdcTable(metric, m, 16, values);
                int n = random.nextInt(1, 2000), k = random.nextInt(1, 30);
                byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
                float[] exact = new float[n];
                AdcScan.distancesReference(table, codes, 0, n, exact);
                TopKSink sink = new TopKSink(metric, k);
                PqSearch.scan(table, ArrayCodeSource.fastScan(codes, n, m), n, true, k, null, sink);
                assertArrayEquals(metric + " M=" + m, TopKHeapTests.expectedIds(exact, k, metric == Metric.INNER_PRODUCT), sink.heap().sorted().ids());
            }
        }
    }
}
