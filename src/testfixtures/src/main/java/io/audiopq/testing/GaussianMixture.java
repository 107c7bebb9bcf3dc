package io.audiopq.testing;

import java.util.SplittableRandom;

/**
 * Clustered test data: a mixture of Gaussians whose centres are drawn from a standard normal
 * scaled by {@code centreSpread}. Vectors and queries sampled from the same mixture have their
 * neighbours mostly in their own component, the case IVF is built for.
 *
 * <p>With {@code rank == 0} each component is isotropic (per-coordinate deviation sigma). With
 * {@code rank > 0} each component varies mostly along its own random rank-dimensional subspace
 * (same per-coordinate deviation, plus 10 % isotropic noise), closer to real embeddings, whose
 * neighbours are meaningful rather than all nearly equidistant as in a high-dimensional isotropic
 * Gaussian.
 */
public final class GaussianMixture {

    private final int d;
    private final int components;
    private final float sigma;
    private final int rank;
    private final float[] centres;
    /** components × D × rank loadings, or null when isotropic. */
    private final float[] bases;

    public GaussianMixture(int d, int components, float centreSpread, float sigma, long seed) {
        this(d, components, centreSpread, sigma, 0, seed);
    }

    public GaussianMixture(int d, int components, float centreSpread, float sigma, int rank, long seed) {
        this.d = d;
        this.components = components;
        this.sigma = sigma;
        this.rank = rank;
        SplittableRandom random = new SplittableRandom(seed);
        centres = new float[components * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (random.nextGaussian() * centreSpread);
        }
        if (rank > 0) {
            bases = new float[Math.multiplyExact(components * d, rank)];
            double scale = 1 / Math.sqrt(rank);
            for (int i = 0; i < bases.length; i++) {
                bases[i] = (float) (random.nextGaussian() * scale);
            }
        } else {
            bases = null;
        }
    }

    /** {@code n} row-major vectors, each from a uniformly chosen component. */
    public float[] sample(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[Math.multiplyExact(n, d)];
        double[] z = new double[rank];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(components);
            for (int r = 0; r < rank; r++) {
                z[r] = random.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double v;
                if (bases == null) {
                    v = random.nextGaussian();
                } else {
                    v = 0.1 * random.nextGaussian();
                    int base = (c * d + j) * rank;
                    for (int r = 0; r < rank; r++) {
                        v += bases[base + r] * z[r];
                    }
                }
                out[i * d + j] = centres[c * d + j] + (float) (v * sigma);
            }
        }
        return out;
    }
}
