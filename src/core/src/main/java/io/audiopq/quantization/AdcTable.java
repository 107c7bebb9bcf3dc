package io.audiopq.quantization;

import java.util.Arrays;

/**
 * Asymmetric distance computation (ADC) table for one query: for each subspace j and codeword c,
 * the partial distance between the query's j-th sub-vector and that codeword. A code's distance
 * is then M lookups and additions instead of a D-dimensional computation.
 *
 * <p>For {@link Metric#L2} the sum is the squared L2 distance to the decoded vector (lower is
 * closer); for {@link Metric#INNER_PRODUCT} it is the dot product with it (higher is closer).
 */
public final class AdcTable {

    private final Metric metric;
    private final int m;
    private final int ksub;
    private final float[] values;
    /** {@link #values} split into one row per subspace, built on first use by the scan kernels. */
    private volatile float[][] rows;

    /** @param values M × ksub partial distances, row j for subspace j */
    public AdcTable(Metric metric, int m, int ksub, float[] values) {
        if (values.length != m * ksub) {
            throw new IllegalArgumentException("table needs M*ksub=" + m * ksub + " values, got " + values.length);
        }
        this.metric = metric;
        this.m = m;
        this.ksub = ksub;
        this.values = values;
    }

    public Metric metric() {
        return metric;
    }

    public int m() {
        return m;
    }

    public int ksub() {
        return ksub;
    }

    /** The table itself (M × ksub, row-major); not copied, do not mutate. */
    public float[] values() {
        return values;
    }

    /**
     * The table as M rows of ksub values (copies of {@link #values()}'s rows, built once), the form
     * the scan kernels index: a row's length bounds its lookups. Not copied, do not mutate.
     */
    float[][] rows() {
        float[][] r = rows;
        if (r == null) {
            r = new float[m][];
            for (int j = 0; j < m; j++) {
                r[j] = Arrays.copyOfRange(values, j * ksub, (j + 1) * ksub);
            }
            rows = r;
        }
        return r;
    }

    /** The ADC distance (or dot product) of the M-byte code at {@code codes[offset]}. */
    public float distance(byte[] codes, int offset) {
        float sum = 0f;
        for (int j = 0, row = 0; j < m; j++, row += ksub) {
            sum += values[row + (codes[offset + j] & 0xFF)];
        }
        return sum;
    }
}
