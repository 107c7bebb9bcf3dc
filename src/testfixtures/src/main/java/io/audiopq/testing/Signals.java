package io.audiopq.testing;

/** Measurements on test signals (naive DFT: slow but obviously right, so it can judge the fast code). */
public final class Signals {

    private Signals() {}

    /** Root mean square of x[from, to). */
    public static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    /**
     * Frequency of the strongest DFT bin of a Hann-windowed block of {@code n} samples starting at
     * {@code from}, refined by parabolic interpolation of the log magnitudes.
     */
    public static double dominantFrequency(float[] x, int rate, int n, int from) {
        double[] mag = new double[n / 2 + 1];
        for (int k = 1; k <= n / 2; k++) {
            double re = 0, im = 0;
            for (int i = 0; i < n; i++) {
                double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n);
                double v = x[from + i] * w;
                double phase = 2 * Math.PI * k * i / n;
                re += v * Math.cos(phase);
                im -= v * Math.sin(phase);
            }
            mag[k] = Math.hypot(re, im);
        }
        int best = 1;
        for (int k = 2; k < n / 2; k++) {
            if (mag[k] > mag[best]) {
                best = k;
            }
        }
        double a = Math.log(mag[best - 1] + 1e-30), b = Math.log(mag[best] + 1e-30), c = Math.log(mag[best + 1] + 1e-30);
        double shift = 0.5 * (a - c) / (a - 2 * b + c);
        return (best + shift) * rate / n;
    }
}
