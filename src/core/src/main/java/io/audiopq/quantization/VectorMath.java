package io.audiopq.quantization;

/** Small dense-vector helpers shared by the quantisers. */
public final class VectorMath {

    private VectorMath() {}

    /** Squared L2 distance between {@code a[ao .. ao+len)} and {@code b[bo .. bo+len)}. */
    public static float squaredDistance(float[] a, int ao, float[] b, int bo, int len) {
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            float diff = a[ao + i] - b[bo + i];
            sum += diff * diff;
        }
        return sum;
    }

    /** Dot product of {@code a[ao .. ao+len)} and {@code b[bo .. bo+len)}. */
    public static float dot(float[] a, int ao, float[] b, int bo, int len) {
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** A copy of {@code v} scaled to unit L2 norm; throws for a zero vector. */
    public static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm == 0) {
            throw new IllegalArgumentException("cannot normalise a zero vector");
        }
        float inv = (float) (1 / Math.sqrt(norm));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }
}
