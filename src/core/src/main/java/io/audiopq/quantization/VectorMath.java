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
        if (isZero(v)) {
            throw new IllegalArgumentException("cannot normalise a zero vector");
        }
        return normalize(v.clone());
    }

    /**
     * Scales {@code v} to unit L2 norm in place (norm and quotients in double) and returns it; a zero
     * vector stays zero.
     */
    public static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return v;
    }

    private static boolean isZero(float[] v) {
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
