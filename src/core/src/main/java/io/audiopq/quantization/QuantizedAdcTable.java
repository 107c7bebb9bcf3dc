package io.audiopq.quantization;

/**
 * A 4-bit PQ ADC table quantised to unsigned bytes, the form the fast-scan kernel keeps in
 * registers (as FAISS quantises its look-up tables for fast scan).
 *
 * <p>Row j (16 entries) is shifted by its minimum b_j and all rows share one scale s, chosen so
 * that the widest row spans exactly 0..255: q_j[c] = round((T_j[c] − b_j) · s). A code's sum of
 * M bytes is at most 255·M, which fits the kernel's unsigned 16-bit accumulators for M ≤ 257.
 * It maps back to an approximate distance as d̃ = Σ b_j + sum / s.
 *
 * <p><b>Error bound.</b> Each entry is off by at most half a step, 1/(2s), so for every code
 * |d̃ − d| ≤ M / (2s) = M · R / 510, where R is the widest row's range (max − min) and d is the
 * exact ADC value {@link AdcTable#distance}; {@link #errorBound()} returns this (with a little
 * room for float rounding). The map is increasing, so it preserves order up to that error; for
 * {@link Metric#INNER_PRODUCT} higher is still better.
 */
public final class QuantizedAdcTable {

    /** Entries per row: 4-bit codes. */
    public static final int KSUB = 16;
    /** The largest M whose sums of 255s still fit in 16 bits. */
    public static final int MAX_M = 65535 / 255;

    private final Metric metric;
    private final int m;
    private final int mPadded;
    private final byte[] lut;
    private final float scale;
    private final float bias;
    private final float errorBound;

    private QuantizedAdcTable(Metric metric, int m, byte[] lut, float scale, float bias, float errorBound) {
        this.metric = metric;
        this.m = m;
        this.mPadded = FastScanCodes.paddedM(m);
        this.lut = lut;
        this.scale = scale;
        this.bias = bias;
        this.errorBound = errorBound;
    }

    /** Quantises a float table of a 4-bit PQ (ksub = 16). */
    public static QuantizedAdcTable quantize(AdcTable table) {
        if (table.ksub() != KSUB) {
            throw new IllegalArgumentException("fast scan needs 4-bit codes (ksub=16), got ksub=" + table.ksub());
        }
        return quantize(table.metric(), table.m(), table.values());
    }

    /** Quantises the M × 16 float table {@code t} (row-major) of a 4-bit PQ without wrapping it in an {@link AdcTable}. */
    public static QuantizedAdcTable quantize(Metric metric, int m, float[] t) {
        if (t.length != m * KSUB) {
            throw new IllegalArgumentException("a 4-bit table of M=" + m + " needs " + m * KSUB + " values, got " + t.length);
        }
        if (m > MAX_M) {
            throw new IllegalArgumentException("fast scan supports M <= " + MAX_M + " (16-bit sums), got M=" + m);
        }
        float[] min = new float[m];
        double bias = 0;
        float maxRange = 0;
        for (int j = 0; j < m; j++) {
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < KSUB; c++) {
                float v = t[j * KSUB + c];
                if (Float.isFinite(v) == false) {
                    throw new IllegalArgumentException("ADC table entry [" + j + "][" + c + "] is not finite: " + v);
                }
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            min[j] = lo;
            bias += lo;
            maxRange = Math.max(maxRange, hi - lo);
        }
        // All rows constant: every code has the same distance, any scale is exact.
        float scale = maxRange > 0 ? 255f / maxRange : 1f;
        byte[] lut = new byte[FastScanCodes.paddedM(m) * KSUB]; // padding rows stay 0
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < KSUB; c++) {
                long q = Math.round((double) (t[j * KSUB + c] - min[j]) * scale);
                lut[j * KSUB + c] = (byte) Math.min(255, Math.max(0, q));
            }
        }
        // Half a step per subspace, plus float rounding of the exact sum and of d̃ (relative).
        double magnitude = Math.abs(bias) + (double) m * maxRange;
        float bound = (float) (m * 0.5 / scale + 1e-5 * magnitude + 1e-6 * m * maxRange);
        return new QuantizedAdcTable(metric, m, lut, scale, (float) bias, bound);
    }

    public Metric metric() {
        return metric;
    }

    public int m() {
        return m;
    }

    /** M rounded up as {@link FastScanCodes#mPadded()} is; rows past M are all zero. */
    public int mPadded() {
        return mPadded;
    }

    /** M' × 16 unsigned bytes, row-major; not copied, do not mutate. */
    public byte[] lut() {
        return lut;
    }

    /** s: quantised units per distance unit. */
    public float scale() {
        return scale;
    }

    /** Σ b_j: the distance a sum of 0 stands for. */
    public float bias() {
        return bias;
    }

    /** The approximate distance (or dot product) a 16-bit sum stands for. */
    public float dequantize(int sum) {
        return bias + sum / scale;
    }

    /** The largest |d̃ − d| over all codes; see the class notes. */
    public float errorBound() {
        return errorBound;
    }

    /** The 16-bit sum of one unpacked code (M bytes below 16): the kernel's scalar reference. */
    public int sum(byte[] code, int offset) {
        int s = 0;
        for (int j = 0; j < m; j++) {
            s += lut[j * KSUB + code[offset + j]] & 0xFF;
        }
        return s;
    }
}
