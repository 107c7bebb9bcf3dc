package io.audiopq.quantization;

/**
 * Exhaustive ADC scan over codes stored ord-major: code {@code i} is the M bytes at
 * {@code codes[i*M .. i*M+M)}, one unpacked subquantiser index per byte (8-bit or 4-bit PQ).
 *
 * <p>The default kernel interleaves eight codes so that their eight dependent chains of float
 * additions overlap in the CPU, and reads the table as one 256-float row per subspace
 * ({@link AdcTable#rows()}) indexed by {@code code & 0xFF}: C2 then proves all eight lookups of a
 * subspace in bounds with one check of the row's length instead of one check per lookup, which
 * made the scan about twice as fast as indexing the flat M × ksub table (see README, Benchmarks).
 * Each code is still summed in subspace order, so it returns exactly (bit for bit) what
 * {@link AdcTable#distance} returns. the benchmark module's {@code AdcGatherKernel} is a
 * Vector API alternative (one hardware gather per code) kept for measurement: see the scan
 * benchmarks for which is faster on a given CPU.
 *
 * <p>Code bytes must be below ksub (what {@link ProductQuantizer#encode} writes); they are not
 * re-checked per lookup.
 */
public final class AdcScan {

    /** Codes per interleaved step of the default kernel. */
    private static final int INTERLEAVE = 8;

    private AdcScan() {}

    /**
     * Writes the ADC distance (or dot product) of codes {@code from .. to-1} to
     * {@code out[0 .. to-from)}.
     */
    public static void distances(AdcTable table, byte[] codes, int from, int to, float[] out) {
        checkRange(table, codes, from, to, out.length);
        kernel(table.rows(), table.m(), codes, from, to, out, 0);
    }

    /**
     * The default kernel behind {@link #distances} and {@link PqSearch}'s 8-bit scans:
     * writes Σ_j rows[j][code_j] for codes {@code from .. to-1} to {@code out[outOffset ..]},
     * each code summed in subspace order (bit-exact with {@link AdcTable#distance}). No range
     * checks beyond the JVM's: a code byte outside its row throws.
     */
    static void kernel(float[][] rows, int m, byte[] codes, int from, int to, float[] out, int outOffset) {
        // The same loop with M a compile-time constant for the usual M: C2 then addresses the
        // eight codes' bytes with immediate displacements and unrolls the subspace loop.
        switch (m) {
            case 8 -> kernelM8(rows, codes, from, to, out, outOffset);
            case 16 -> kernelM16(rows, codes, from, to, out, outOffset);
            case 32 -> kernelM32(rows, codes, from, to, out, outOffset);
            case 64 -> kernelM64(rows, codes, from, to, out, outOffset);
            default -> kernelAnyM(rows, m, codes, from, to, out, outOffset);
        }
    }

    private static void kernelAnyM(float[][] rows, int m, byte[] codes, int from, int to, float[] out, int outOffset) {
        int i = from;
        int o = outOffset;
        for (; i + INTERLEAVE <= to; i += INTERLEAVE, o += INTERLEAVE) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0; j < m; j++, c++) {
                // One row per subspace and an index masked to 0..255: one bounds check per row.
                float[] t = rows[j];
                s0 += t[codes[c] & 0xFF];
                s1 += t[codes[c + m] & 0xFF];
                s2 += t[codes[c + 2 * m] & 0xFF];
                s3 += t[codes[c + 3 * m] & 0xFF];
                s4 += t[codes[c + 4 * m] & 0xFF];
                s5 += t[codes[c + 5 * m] & 0xFF];
                s6 += t[codes[c + 6 * m] & 0xFF];
                s7 += t[codes[c + 7 * m] & 0xFF];
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
            for (int j = 0, c = i * m; j < m; j++, c++) {
                s += rows[j][codes[c] & 0xFF];
            }
            out[o] = s;
        }
    }

    private static void kernelM8(float[][] rows, byte[] codes, int from, int to, float[] out, int outOffset) {
        final int m = 8;
        int i = from;
        int o = outOffset;
        for (; i + INTERLEAVE <= to; i += INTERLEAVE, o += INTERLEAVE) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0; j < m; j++, c++) {
                // One row per subspace and an index masked to 0..255: one bounds check per row.
                float[] t = rows[j];
                s0 += t[codes[c] & 0xFF];
                s1 += t[codes[c + m] & 0xFF];
                s2 += t[codes[c + 2 * m] & 0xFF];
                s3 += t[codes[c + 3 * m] & 0xFF];
                s4 += t[codes[c + 4 * m] & 0xFF];
                s5 += t[codes[c + 5 * m] & 0xFF];
                s6 += t[codes[c + 6 * m] & 0xFF];
                s7 += t[codes[c + 7 * m] & 0xFF];
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
            for (int j = 0, c = i * m; j < m; j++, c++) {
                s += rows[j][codes[c] & 0xFF];
            }
            out[o] = s;
        }
    }

    private static void kernelM16(float[][] rows, byte[] codes, int from, int to, float[] out, int outOffset) {
        final int m = 16;
        int i = from;
        int o = outOffset;
        for (; i + INTERLEAVE <= to; i += INTERLEAVE, o += INTERLEAVE) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0; j < m; j++, c++) {
                // One row per subspace and an index masked to 0..255: one bounds check per row.
                float[] t = rows[j];
                s0 += t[codes[c] & 0xFF];
                s1 += t[codes[c + m] & 0xFF];
                s2 += t[codes[c + 2 * m] & 0xFF];
                s3 += t[codes[c + 3 * m] & 0xFF];
                s4 += t[codes[c + 4 * m] & 0xFF];
                s5 += t[codes[c + 5 * m] & 0xFF];
                s6 += t[codes[c + 6 * m] & 0xFF];
                s7 += t[codes[c + 7 * m] & 0xFF];
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
            for (int j = 0, c = i * m; j < m; j++, c++) {
                s += rows[j][codes[c] & 0xFF];
            }
            out[o] = s;
        }
    }

    private static void kernelM32(float[][] rows, byte[] codes, int from, int to, float[] out, int outOffset) {
        final int m = 32;
        int i = from;
        int o = outOffset;
        for (; i + INTERLEAVE <= to; i += INTERLEAVE, o += INTERLEAVE) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0; j < m; j++, c++) {
                // One row per subspace and an index masked to 0..255: one bounds check per row.
                float[] t = rows[j];
                s0 += t[codes[c] & 0xFF];
                s1 += t[codes[c + m] & 0xFF];
                s2 += t[codes[c + 2 * m] & 0xFF];
                s3 += t[codes[c + 3 * m] & 0xFF];
                s4 += t[codes[c + 4 * m] & 0xFF];
                s5 += t[codes[c + 5 * m] & 0xFF];
                s6 += t[codes[c + 6 * m] & 0xFF];
                s7 += t[codes[c + 7 * m] & 0xFF];
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
            for (int j = 0, c = i * m; j < m; j++, c++) {
                s += rows[j][codes[c] & 0xFF];
            }
            out[o] = s;
        }
    }

    private static void kernelM64(float[][] rows, byte[] codes, int from, int to, float[] out, int outOffset) {
        final int m = 64;
        int i = from;
        int o = outOffset;
        for (; i + INTERLEAVE <= to; i += INTERLEAVE, o += INTERLEAVE) {
            int c = i * m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int j = 0; j < m; j++, c++) {
                // One row per subspace and an index masked to 0..255: one bounds check per row.
                float[] t = rows[j];
                s0 += t[codes[c] & 0xFF];
                s1 += t[codes[c + m] & 0xFF];
                s2 += t[codes[c + 2 * m] & 0xFF];
                s3 += t[codes[c + 3 * m] & 0xFF];
                s4 += t[codes[c + 4 * m] & 0xFF];
                s5 += t[codes[c + 5 * m] & 0xFF];
                s6 += t[codes[c + 6 * m] & 0xFF];
                s7 += t[codes[c + 7 * m] & 0xFF];
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
            for (int j = 0, c = i * m; j < m; j++, c++) {
                s += rows[j][codes[c] & 0xFF];
            }
            out[o] = s;
        }
    }

    /** The reference kernel: one code at a time, exactly {@link AdcTable#distance}. */
    static void distancesReference(AdcTable table, byte[] codes, int from, int to, float[] out) {
        checkRange(table, codes, from, to, out.length);
        int m = table.m();
        for (int i = from; i < to; i++) {
            out[i - from] = table.distance(codes, i * m);
        }
    }

    static void checkRange(AdcTable table, byte[] codes, int from, int to, int outCapacity) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad ord range [" + from + ", " + to + ")");
        }
        if ((long) to * table.m() > codes.length) {
            throw new IllegalArgumentException(
                "codes hold " + codes.length / table.m() + " codes of M=" + table.m() + " bytes, range ends at " + to
            );
        }
        if (outCapacity < to - from) {
            throw new IllegalArgumentException("output holds " + outCapacity + " values, range has " + (to - from));
        }
    }
}
