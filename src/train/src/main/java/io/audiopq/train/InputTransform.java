package io.audiopq.train;

import io.audiopq.quantization.VectorMath;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An affine map t(x) = P·(n(x) − μ) of the unit backbone embedding n(x), fitted on the training
 * items (μ and the whitening of {@code standardised}/{@code whitened} without labels; the
 * within-class scatter and the LDA subspace from the training labels only), that the head is trained on; {@link #fold} then merges it
 * into the head's first layer (W1·P, b1 − W1·P·μ), so the exported head is the same
 * n(W2·act(W1·n(x) + b1) + b2) as ever: ONNX export, bundles and the node are unchanged.
 *
 * <p>Why: mn04's embeddings are post-ReLU averages, so all of them share one dominant direction
 * (cosines between any two clips are high) and a few directions carry most of the variance; a unit
 * input then drives the freshly initialised first layer with tiny, nearly constant pre-activations,
 * and the few labels must first undo that. Centring and whitening on the unlabelled items is free
 * and leaves every direction at unit variance.
 *
 * @param mode what the transform does
 * @param mean μ (zeros for {@link TrainConfig.Input#UNIT})
 * @param p    P, row-major K × D (null for {@link TrainConfig.Input#UNIT}: the identity); K = D except for
 *             {@link TrainConfig.Input#LDA}, where K is the number of labelled classes − 1, and
 *             {@link TrainConfig.Input#LDA_UNIT}, where K is that plus D
 */
public record InputTransform(TrainConfig.Input mode, float[] mean, double[] p) {

    /** Dimension of t(x): the head's input during training. */
    public int dimension() {
        return p == null ? mean.length : p.length / mean.length;
    }

    /**
     * Weight of the isotropic target in the covariance shrinkage (1 − α)·Σ + α·(tr Σ / D)·I before
     * whitening: directions with almost no variance (noise, dead units) are not blown up.
     */
    static final double SHRINKAGE = 0.1;

    /**
     * Fits the transform on the raw embeddings {@code x}: μ on all of them; the scatter that P whitens
     * is that of all items ({@link TrainConfig.Input#WHITENED}) or, for {@link TrainConfig.Input#WITHIN_CLASS},
     * that of the labelled items ({@code labels} ≥ 0) around their class means.
     */
    public static InputTransform fit(float[][] x, int[] labels, TrainConfig.Input mode) {
        int n = x.length, dim = x[0].length;
        if (mode == TrainConfig.Input.UNIT) {
            return new InputTransform(mode, new float[dim], null);
        }
        double[][] z = new double[n][dim];
        double[] mu = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] u = VectorMath.normalized(x[i]);
            for (int j = 0; j < dim; j++) {
                z[i][j] = u[j];
                mu[j] += u[j] / n;
            }
        }
        // the scatter's centres: μ for every item, or the item's class mean (labelled items only)
        double[][] centre = new double[n][];
        int count = 0;
        double[][] classMean = null;
        if (mode == TrainConfig.Input.WITHIN_CLASS || mode == TrainConfig.Input.LDA || mode == TrainConfig.Input.LDA_UNIT) {
            int classes = Arrays.stream(labels).max().orElse(-1) + 1;
            classMean = new double[classes][dim];
            int[] size = new int[classes];
            for (int i = 0; i < n; i++) {
                if (labels[i] >= 0) {
                    size[labels[i]]++;
                    for (int j = 0; j < dim; j++) {
                        classMean[labels[i]][j] += z[i][j];
                    }
                }
            }
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < dim; j++) {
                    classMean[c][j] /= Math.max(1, size[c]);
                }
            }
            for (int i = 0; i < n; i++) {
                if (labels[i] >= 0 && size[labels[i]] >= 2) {
                    centre[i] = classMean[labels[i]];
                    count++;
                }
            }
        } else {
            Arrays.fill(centre, mu);
            count = n;
        }
        double[] cov = new double[dim * dim];
        for (int i = 0; i < n; i++) {
            if (centre[i] == null) {
                continue;
            }
            for (int a = 0; a < dim; a++) {
                double da = z[i][a] - centre[i][a];
                for (int b = 0; b <= a; b++) {
                    cov[a * dim + b] += da * (z[i][b] - centre[i][b]) / Math.max(1, count - 1);
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < dim; a++) {
            trace += cov[a * dim + a];
        }
        double iso = Math.max(trace / dim, 1e-12);
        double[] p = new double[dim * dim];
        if (mode == TrainConfig.Input.STANDARDISED) {
            for (int a = 0; a < dim; a++) {
                p[a * dim + a] = 1 / Math.sqrt((1 - SHRINKAGE) * cov[a * dim + a] + SHRINKAGE * iso);
            }
        } else {
            // Cholesky of the shrunk covariance, L·Lᵀ = Σ', then P = L⁻¹ (so P·Σ'·Pᵀ = I)
            double[] l = new double[dim * dim];
            for (int a = 0; a < dim; a++) {
                for (int b = 0; b <= a; b++) {
                    double s = (1 - SHRINKAGE) * cov[a * dim + b] + (a == b ? SHRINKAGE * iso : 0);
                    for (int k = 0; k < b; k++) {
                        s -= l[a * dim + k] * l[b * dim + k];
                    }
                    l[a * dim + b] = a == b ? Math.sqrt(Math.max(s, 1e-12 * iso)) : s / l[b * dim + b];
                }
            }
            for (int c = 0; c < dim; c++) { // column c of L⁻¹ by forward substitution
                for (int a = c; a < dim; a++) {
                    double s = a == c ? 1 : 0;
                    for (int k = c; k < a; k++) {
                        s -= l[a * dim + k] * p[k * dim + c];
                    }
                    p[a * dim + c] = s / l[a * dim + a];
                }
            }
        }
        if (mode == TrainConfig.Input.LDA) {
            p = discriminantSubspace(p, classMean, dim);
        } else if (mode == TrainConfig.Input.LDA_UNIT) {
            p = besideCentredUnit(discriminantSubspace(p, classMean, dim), z, mu, dim);
        }
        float[] mean = new float[dim];
        for (int j = 0; j < dim; j++) {
            mean[j] = (float) mu[j];
        }
        return new InputTransform(mode, mean, p);
    }

    /**
     * LDA with the shrunk within-class scatter: the span of the whitened, centred class means
     * (the generalised eigenvectors of the between- and within-class scatters with a non-zero
     * eigenvalue, up to a rotation the head's first layer absorbs), orthonormalised by Gram-Schmidt.
     * On the spoken-word collection with 10 % labels, cosine in this subspace alone gave mAP
     * 0.46-0.50 where every head trained on the full embedding stalled at 0.37-0.38 (docs/evaluation.md).
     *
     * @param whitening P = L⁻¹ (D × D, row-major) of the shrunk within-class scatter
     * @return Q·L⁻¹, row-major K × D
     */
    private static double[] discriminantSubspace(double[] whitening, double[][] classMean, int dim) {
        List<double[]> means = new ArrayList<>();
        for (double[] m : classMean) {
            if (Arrays.stream(m).anyMatch(v -> v != 0)) {
                means.add(m);
            }
        }
        double[] centre = new double[dim];
        for (double[] m : means) {
            for (int j = 0; j < dim; j++) {
                centre[j] += m[j] / means.size();
            }
        }
        List<double[]> basis = new ArrayList<>();
        for (double[] m : means) {
            double[] g = new double[dim];
            for (int a = 0; a < dim; a++) {
                double s = 0;
                for (int b = 0; b <= a; b++) { // L⁻¹ is lower triangular
                    s += whitening[a * dim + b] * (m[b] - centre[b]);
                }
                g[a] = s;
            }
            double before = Math.sqrt(dot(g, g));
            for (double[] q : basis) {
                double c = dot(g, q);
                for (int j = 0; j < dim; j++) {
                    g[j] -= c * q[j];
                }
            }
            double norm = Math.sqrt(dot(g, g));
            if (norm > 1e-6 * Math.max(before, 1e-300)) {
                for (int j = 0; j < dim; j++) {
                    g[j] /= norm;
                }
                basis.add(g);
            }
        }
        if (basis.isEmpty()) {
            throw new IllegalArgumentException("the LDA input needs labelled items of at least 2 classes");
        }
        int k = basis.size();
        double[] out = new double[k * dim];
        for (int r = 0; r < k; r++) {
            double[] q = basis.get(r);
            for (int b = 0; b < dim; b++) {
                double s = 0;
                for (int a = b; a < dim; a++) {
                    s += q[a] * whitening[a * dim + b];
                }
                out[r * dim + b] = s;
            }
        }
        return out;
    }

    /**
     * The LDA rows, then s·I: the centred unit embedding itself, so the head also sees what the
     * backbone separates outside the labelled classes' subspace. s gives the two blocks the same mean
     * squared norm over all items, so neither dominates the first layer's initial pre-activations.
     */
    private static double[] besideCentredUnit(double[] lda, double[][] z, double[] mu, int dim) {
        int k = lda.length / dim;
        double ldaNorm = 0, unitNorm = 0;
        for (double[] zi : z) {
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < dim; b++) {
                    s += lda[a * dim + b] * (zi[b] - mu[b]);
                }
                ldaNorm += s * s;
            }
            for (int b = 0; b < dim; b++) {
                unitNorm += (zi[b] - mu[b]) * (zi[b] - mu[b]);
            }
        }
        double scale = Math.sqrt(ldaNorm / Math.max(unitNorm, 1e-300));
        double[] out = Arrays.copyOf(lda, (k + dim) * dim);
        for (int b = 0; b < dim; b++) {
            out[(k + b) * dim + b] = scale;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** t(x) for every row: the inputs the head is trained on (the raw rows themselves for {@link TrainConfig.Input#UNIT}, normalised by the head). */
    public float[][] apply(float[][] x) {
        if (p == null) {
            return x;
        }
        int dim = mean.length, k = dimension();
        float[][] out = new float[x.length][k];
        double[] c = new double[dim];
        for (int i = 0; i < x.length; i++) {
            float[] u = VectorMath.normalized(x[i]);
            for (int j = 0; j < dim; j++) {
                c[j] = u[j] - mean[j];
            }
            for (int a = 0; a < k; a++) {
                double s = 0;
                for (int b = 0; b < dim; b++) {
                    s += p[a * dim + b] * c[b];
                }
                out[i][a] = (float) s;
            }
        }
        return out;
    }

    /** The head trained on t(x), as a head on the raw embedding: W1' = W1·P, b1' = b1 − W1'·μ. */
    public Mlp fold(Mlp trained) {
        if (p == null) {
            return trained;
        }
        int dim = mean.length, k = dimension(), hidden = trained.hidden();
        float[] w1 = new float[hidden * dim], b1 = new float[hidden];
        for (int o = 0; o < hidden; o++) {
            double bias = trained.b1()[o];
            for (int b = 0; b < dim; b++) {
                double s = 0;
                for (int a = 0; a < k; a++) {
                    s += trained.w1()[o * k + a] * p[a * dim + b];
                }
                w1[o * dim + b] = (float) s;
                bias -= s * mean[b];
            }
            b1[o] = (float) bias;
        }
        return new Mlp(dim, hidden, trained.outputDim(), trained.activation(), w1, b1, trained.w2(), trained.b2());
    }
}
