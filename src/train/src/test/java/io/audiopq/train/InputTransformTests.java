package io.audiopq.train;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Random;

/** The input transforms: what each leaves the training items as, and that folding them into the first layer changes no output. */
public class InputTransformTests extends LuceneTestCase {

    public void testCentredAndWhitened() {
        Dataset ds = HeadTrainerTests.clusters(4);
        for (TrainConfig.Input mode : new TrainConfig.Input[] { TrainConfig.Input.STANDARDISED, TrainConfig.Input.WHITENED }) {
            float[][] t = InputTransform.fit(ds.vectors(), ds.labels(), mode).apply(ds.vectors());
            double[][] cov = covariance(t);
            for (int a = 0; a < cov.length; a++) {
                assertEquals(mode + ": mean of dimension " + a, 0, mean(t, a), 1e-4);
                // shrinkage toward the isotropic scatter keeps every variance below 1 / (1 - α)
                assertTrue(mode + ": variance " + cov[a][a], cov[a][a] > 0.2 && cov[a][a] <= 1 / (1 - InputTransform.SHRINKAGE) + 1e-4);
            }
            if (mode == TrainConfig.Input.WHITENED) {
                // P·Σ'·Pᵀ = I with Σ' = (1 − α)Σ + α·s·I, so (1 − α)·P·Σ·Pᵀ = I − α·s·P·Pᵀ is symmetric and ⪯ I
                double off = 0;
                for (int a = 0; a < cov.length; a++) {
                    for (int b = 0; b < a; b++) {
                        off = Math.max(off, Math.abs(cov[a][b]));
                    }
                }
                assertTrue("whitened: largest covariance " + off, off < 0.3);
            }
        }
    }

    public void testLdaKeepsOneDimensionPerClassBoundary() {
        Dataset ds = HeadTrainerTests.clusters(5);
        int[] labels = Splits.labelFraction(ds.labels(), HeadTrainerTests.all(ds), 0.3, 2);
        InputTransform t = InputTransform.fit(ds.vectors(), labels, TrainConfig.Input.LDA);
        assertEquals(5, t.dimension()); // 6 classes
        // the labelled items' within-class scatter becomes (shrunk) isotropic in the subspace
        float[][] z = t.apply(ds.vectors());
        assertEquals(5, z[0].length);
        double unit = io.audiopq.tools.RetrievalMetrics.leaveOneOutCosine(Evaluation.unit(ds.vectors()), ds.labels()).map();
        double lda = io.audiopq.tools.RetrievalMetrics.leaveOneOutCosine(Evaluation.unit(z), ds.labels()).map();
        assertTrue("LDA subspace mAP " + lda + " vs raw " + unit, lda > unit);
        int[] oneClass = new int[labels.length];
        java.util.Arrays.fill(oneClass, -1);
        oneClass[0] = oneClass[6] = 0;
        expectThrows(IllegalArgumentException.class, () -> InputTransform.fit(ds.vectors(), oneClass, TrainConfig.Input.LDA));
    }

    public void testLdaBesideUnitKeepsTheLdaCoordinatesAndTheCentredEmbedding() {
        Dataset ds = HeadTrainerTests.clusters(5);
        int[] labels = Splits.labelFraction(ds.labels(), HeadTrainerTests.all(ds), 0.3, 2);
        InputTransform lda = InputTransform.fit(ds.vectors(), labels, TrainConfig.Input.LDA);
        InputTransform both = InputTransform.fit(ds.vectors(), labels, TrainConfig.Input.LDA_UNIT);
        int k = lda.dimension(), dim = ds.dimension();
        assertEquals(k + dim, both.dimension());
        float[][] zl = lda.apply(ds.vectors()), zb = both.apply(ds.vectors());
        double ldaNorm = 0, unitNorm = 0;
        for (int i = 0; i < ds.size(); i++) {
            assertArrayEquals("item " + i, zl[i], java.util.Arrays.copyOf(zb[i], k), 1e-5f);
            float[] u = io.audiopq.quantization.VectorMath.normalized(ds.vectors()[i]);
            double scale = zb[i][k] / (u[0] - both.mean()[0]);
            for (int j = 0; j < dim; j++) {
                assertEquals("item " + i + " dimension " + j, scale * (u[j] - both.mean()[j]), zb[i][k + j], 1e-4);
                unitNorm += zb[i][k + j] * zb[i][k + j];
            }
            for (int a = 0; a < k; a++) {
                ldaNorm += zl[i][a] * zl[i][a];
            }
        }
        assertEquals("the two blocks' mean squared norms", 1, unitNorm / ldaNorm, 1e-3);
    }

    public void testFoldingChangesNoOutput() {
        Dataset ds = HeadTrainerTests.clusters(6);
        int[] labels = Splits.labelFraction(ds.labels(), HeadTrainerTests.all(ds), 0.3, 3);
        Random r = new Random(7);
        for (TrainConfig.Input mode : TrainConfig.Input.values()) {
            InputTransform t = InputTransform.fit(ds.vectors(), labels, mode);
            int k = t.dimension(), hidden = 16, out = 8;
            Mlp trained = new Mlp(k, hidden, out, TrainConfig.Activation.RELU, gaussian(r, hidden * k), gaussian(r, hidden), gaussian(r, out * hidden),
                gaussian(r, out));
            Mlp folded = t.fold(trained);
            assertEquals(ds.dimension(), folded.inputDim());
            float[][] z = t.apply(ds.vectors());
            for (int i = 0; i < ds.size(); i++) {
                float[] expected = mode == TrainConfig.Input.UNIT ? trained.forward(ds.vectors()[i]) : withoutInputNormalisation(trained, z[i]);
                assertArrayEquals(mode + " item " + i, expected, folded.forward(ds.vectors()[i]), 1e-4f);
            }
        }
    }

    /** n(W2·relu(W1·z + b1) + b2): the training-time head on transformed inputs. */
    private static float[] withoutInputNormalisation(Mlp mlp, float[] z) {
        double[] h = new double[mlp.hidden()];
        for (int o = 0; o < h.length; o++) {
            double s = mlp.b1()[o];
            for (int i = 0; i < z.length; i++) {
                s += mlp.w1()[o * z.length + i] * z[i];
            }
            h[o] = Math.max(0, s);
        }
        float[] y = new float[mlp.outputDim()];
        for (int o = 0; o < y.length; o++) {
            double s = mlp.b2()[o];
            for (int i = 0; i < h.length; i++) {
                s += mlp.w2()[o * h.length + i] * h[i];
            }
            y[o] = (float) s;
        }
        return io.audiopq.quantization.VectorMath.normalized(y);
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.3);
        }
        return v;
    }

    private static double mean(float[][] t, int a) {
        double s = 0;
        for (float[] row : t) {
            s += row[a];
        }
        return s / t.length;
    }

    private static double[][] covariance(float[][] t) {
        int dim = t[0].length;
        double[][] c = new double[dim][dim];
        double[] mu = new double[dim];
        for (int a = 0; a < dim; a++) {
            mu[a] = mean(t, a);
        }
        for (float[] row : t) {
            for (int a = 0; a < dim; a++) {
                for (int b = 0; b < dim; b++) {
                    c[a][b] += (row[a] - mu[a]) * (row[b] - mu[b]) / (t.length - 1);
                }
            }
        }
        return c;
    }
}
