package io.audiopq.quantization;

/**
 * The 8-bit kernel the core used before {@link AdcScan}'s unrolled one; the scan benchmarks keep it
 * so that one run shows both.
 */
public final class FlatAdcKernel {

    private FlatAdcKernel() {}

    /**
     * The previous default kernel (8 codes interleaved over the flat M × ksub table, one bounds
     * check per lookup), kept so the scan benchmark can show the difference in one run.
     */
    public static void distances(float[] t, int m, int ksub, byte[] codes, int from, int to, float[] out, int outOffset) {
        int i = from;
        int o = outOffset;
        for (; i + 8 <= to; i += 8, o += 8) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0, row = 0; j < m; j++, row += ksub, c++) {
                s0 += t[row + (codes[c] & 0xFF)];
                s1 += t[row + (codes[c + m] & 0xFF)];
                s2 += t[row + (codes[c + 2 * m] & 0xFF)];
                s3 += t[row + (codes[c + 3 * m] & 0xFF)];
                s4 += t[row + (codes[c + 4 * m] & 0xFF)];
                s5 += t[row + (codes[c + 5 * m] & 0xFF)];
                s6 += t[row + (codes[c + 6 * m] & 0xFF)];
                s7 += t[row + (codes[c + 7 * m] & 0xFF)];
            }
            out[o] = s0;
            out[o + 1] = s1;
            out[o + 2] = s2;
            out[o + 3] = s3;
            out[o + 4] = s4;
            out[o + 5] = s5;
            out[o + 6] = s6;
            out[o + 7] = s7;
        }
        for (; i < to; i++, o++) {
            float s = 0;
            for (int j = 0, row = 0, c = i * m; j < m; j++, row += ksub) {
                s += t[row + (codes[c + j] & 0xFF)];
            }
            out[o] = s;
        }
    }
}
