package io.audiopq.quantization;

import java.util.SplittableRandom;

/**
 * Clustered test data: a mixture of isotropic Gaussians whose centres are themselves drawn from a
 * standard normal scaled by {@code centreSpread}. Vectors and queries sampled from the same mixture
 * have their neighbours mostly in their own component, the case IVF is built for.
 */
final class GaussianMixture {

    private final int d;
    private final int components;
    private final float sigma;
    private final float[] centres;

    GaussianMixture(int d, int components, float centreSpread, float sigma, long seed) {
        this.d = d;
        this.components = components;
        this.sigma = sigma;
        SplittableRandom random = new SplittableRandom(seed);
        centres = new float[components * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (random.nextGaussian() * centreSpread);
        }
    }

    /** {@code n} row-major vectors, each from a uniformly chosen component. */
    float[] sample(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[Math.multiplyExact(n, d)];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(components);
            for (int j = 0; j < d; j++) {
                out[i * d + j] = centres[c * d + j] + (float) (random.nextGaussian() * sigma);
            }
        }
        return out;
    }
}
