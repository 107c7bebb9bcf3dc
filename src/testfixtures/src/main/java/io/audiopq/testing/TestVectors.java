package io.audiopq.testing;

import java.util.Random;

/** Synthetic data for quantiser tests: uniform noise and Gaussian mixtures. */
public final class TestVectors {

    private TestVectors() {}

    /** n × d values uniform in [-1, 1). */
    public static float[] uniform(Random random, int n, int d) {
        float[] data = new float[n * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() * 2 - 1;
        }
        return data;
    }

    /** n × d points around {@code clusters} random centres (spread 10) with unit-variance noise times {@code sigma}. */
    public static float[] gaussianMixture(Random random, int n, int d, int clusters, float sigma) {
        float[] centres = new float[clusters * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (random.nextFloat() * 2 - 1) * 10;
        }
        float[] data = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(clusters);
            for (int j = 0; j < d; j++) {
                data[i * d + j] = centres[c * d + j] + (float) random.nextGaussian() * sigma;
            }
        }
        return data;
    }

    /** Row {@code i} of a row-major matrix. */
    public static float[] row(float[] data, int i, int d) {
        float[] out = new float[d];
        System.arraycopy(data, i * d, out, 0, d);
        return out;
    }
}
