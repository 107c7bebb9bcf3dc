package io.audiopq.train;

import io.audiopq.audio.OnnxModel;
import io.audiopq.tools.RetrievalMetrics;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Distillation on a synthetic teacher (no shared data needed): the student learns it (far better
 * than the best constant guess on items it never saw), the trained weights are the ones DJL ran, and
 * the exported ONNX backbone, statistics included, reproduces the plain-Java student on spectrograms.
 */
public class DistillTrainerTests extends LuceneTestCase {

    static final int MELS = 4, D = 8, C = 5;

    /** Raw statistics (mean, std, mean |Δ|, max per band) of a [mels][frames] spectrogram, computed independently of the ONNX graph. */
    static float[] statistics(float[][] spec) {
        int mels = spec.length, frames = spec[0].length;
        float[] f = new float[4 * mels];
        for (int b = 0; b < mels; b++) {
            double mean = 0, var = 0, delta = 0, max = Double.NEGATIVE_INFINITY;
            for (float v : spec[b]) {
                mean += v;
                max = Math.max(max, v);
            }
            mean /= frames;
            for (int t = 0; t < frames; t++) {
                var += (spec[b][t] - mean) * (spec[b][t] - mean);
                if (t > 0) {
                    delta += Math.abs(spec[b][t] - spec[b][t - 1]);
                }
            }
            f[b] = (float) mean;
            f[mels + b] = (float) Math.sqrt(var / frames);
            f[2 * mels + b] = (float) (delta / (frames - 1));
            f[3 * mels + b] = (float) max;
        }
        return f;
    }

    /** Teacher: a fixed random nonlinear map of the statistics (its "embedding") and a linear one (its "logits"). */
    record Synthetic(float[][] x, float[][] embeddings, float[][] logits) {}

    static Synthetic synthetic(int n, long seed) {
        Random r = new Random(seed);
        int in = 4 * MELS;
        double[][] a = gaussian(r, D, in), b = gaussian(r, C, in);
        float[][] x = new float[n][], e = new float[n][D], l = new float[n][C];
        for (int i = 0; i < n; i++) {
            float[][] spec = new float[MELS][20];
            for (float[] band : spec) {
                double level = r.nextGaussian();
                for (int t = 0; t < band.length; t++) {
                    band[t] = (float) (level + 0.5 * r.nextGaussian());
                }
            }
            x[i] = statistics(spec);
            for (int o = 0; o < D; o++) {
                e[i][o] = (float) Math.tanh(dot(a[o], x[i]));
            }
            for (int o = 0; o < C; o++) {
                l[i][o] = (float) (2 * dot(b[o], x[i]) / Math.sqrt(in));
            }
        }
        return new Synthetic(x, e, l);
    }

    public void testStudentLearnsTheTeacherAndItsExportReproducesIt() throws Exception {
        Synthetic s = synthetic(600, 3);
        int[] heldOut = java.util.stream.IntStream.range(500, 600).toArray();
        DistillTrainer.Config cfg = new DistillTrainer.Config(64, 60, 32, 3e-3f, 1f, 7);
        DistillTrainer.Result r = DistillTrainer.train(s.x(), s.embeddings(), s.logits(), heldOut, MELS, cfg, 10, Progress.silent());
        Student student = r.student();

        // the best constant guess of a direction: the mean of the training targets' unit vectors
        float[] mean = new float[D];
        for (int i = 0; i < 500; i++) {
            float[] u = DistillTrainer.unit(s.embeddings()[i]);
            for (int j = 0; j < D; j++) {
                mean[j] += u[j];
            }
        }
        mean = DistillTrainer.unit(mean);
        double constant = 0, learned = 0, constantBce = 0, learnedBce = 0;
        for (int i : heldOut) {
            float[] target = DistillTrainer.unit(s.embeddings()[i]);
            float[][] y = student.forward(s.x()[i]);
            constant += RetrievalMetrics.dot(mean, target) / heldOut.length;
            learned += RetrievalMetrics.dot(DistillTrainer.unit(y[0]), target) / heldOut.length;
            for (int j = 0; j < C; j++) {
                double p = 1 / (1 + Math.exp(-s.logits()[i][j]));
                constantBce += bce(0, p) / (heldOut.length * C);
                learnedBce += bce(y[1][j], p) / (heldOut.length * C);
            }
        }
        assertTrue("held-out cosine " + learned + " vs the constant guess's " + constant, learned > 0.9 && learned > constant + 0.2);
        assertEquals("the trainer's held-out figure is the plain-Java student's", learned, r.heldOutCosine(), 1e-3);
        assertTrue("held-out cross entropy " + learnedBce + " vs " + constantBce + " for logits 0", learnedBce < constantBce - 0.05);

        // the weights split out of DJL's single output layer are the ones it ran
        for (int i = 0; i < r.djlOutputs().length; i++) {
            float[][] y = student.forward(s.x()[i]);
            for (int o = 0; o < 2; o++) {
                for (int j = 0; j < y[o].length; j++) {
                    assertEquals("item " + i + " output " + o + "[" + j + "]", r.djlOutputs()[i][o][j], y[o][j], 1e-4);
                }
            }
        }

        // the exported backbone computes the statistics and the MLP from a spectrogram
        Random rnd = new Random(11);
        int batch = 3, frames = 17;
        float[] flat = new float[batch * MELS * frames];
        float[][][] specs = new float[batch][MELS][frames];
        for (int b = 0; b < batch; b++) {
            for (int m = 0; m < MELS; m++) {
                for (int t = 0; t < frames; t++) {
                    specs[b][m][t] = (float) rnd.nextGaussian();
                    flat[(b * MELS + m) * frames + t] = specs[b][m][t];
                }
            }
        }
        Path file = Files.write(createTempDir("distill").resolve("student.onnx"), student.export("test"));
        try (OnnxModel onnx = OnnxModel.load(file, 1)) {
            Map<String, float[][]> got = onnx.run(Student.INPUT, flat, new long[] { batch, MELS, frames }, Set.of(Student.EMBEDDING, Student.LOGITS));
            for (int b = 0; b < batch; b++) {
                float[][] want = student.forward(statistics(specs[b]));
                assertArrayEquals(want[0], got.get(Student.EMBEDDING)[b], 1e-4f);
                assertArrayEquals(want[1], got.get(Student.LOGITS)[b], 1e-4f);
            }
        }
    }

    private static double bce(double z, double p) {
        return Math.max(z, 0) - z * p + Math.log1p(Math.exp(-Math.abs(z)));
    }

    private static double[][] gaussian(Random r, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return m;
    }

    private static double dot(double[] a, float[] x) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * x[i];
        }
        return s;
    }
}
