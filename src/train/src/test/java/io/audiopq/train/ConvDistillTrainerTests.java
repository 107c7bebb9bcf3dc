package io.audiopq.train;

import io.audiopq.audio.OnnxModel;
import io.audiopq.tools.RetrievalMetrics;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The conv student on a synthetic teacher (no shared data needed): it learns the teacher, its export
 * (batch norm folded into the convolutions) reproduces DJL's forward pass on items of any length down
 * to one frame, and the batches of an epoch cover every training item once, cropped to similar lengths.
 */
public class ConvDistillTrainerTests extends LuceneTestCase {

    static final int MELS = 4, D = 6, C = 3;

    record Synthetic(List<float[]> spectrograms, List<ConvDistillTrainer.Window> items, float[][] embeddings, float[][] logits) {}

    /** Clips of 1 to 60 frames; the teacher: a random map of the band means (embedding) and the band maxima (logits). */
    static Synthetic synthetic(int n, long seed) {
        Random r = new Random(seed);
        double[][] a = new double[D][MELS], b = new double[C][MELS];
        for (double[][] m : new double[][][] { a, b }) {
            for (double[] row : m) {
                for (int j = 0; j < MELS; j++) {
                    row[j] = r.nextGaussian();
                }
            }
        }
        List<float[]> specs = new ArrayList<>();
        List<ConvDistillTrainer.Window> items = new ArrayList<>();
        float[][] e = new float[n][D], l = new float[n][C];
        for (int i = 0; i < n; i++) {
            int frames = i < 3 ? i + 1 : 20 + r.nextInt(41);
            float[] spec = new float[frames * MELS];
            double[] mean = new double[MELS], max = new double[MELS];
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (int m = 0; m < MELS; m++) {
                double level = r.nextGaussian();
                for (int t = 0; t < frames; t++) {
                    spec[t * MELS + m] = (float) (level + 0.5 * r.nextGaussian() - 5);
                    mean[m] += (spec[t * MELS + m] + 5) / frames;
                    max[m] = Math.max(max[m], spec[t * MELS + m] + 5);
                }
            }
            specs.add(spec);
            items.add(new ConvDistillTrainer.Window(i, 0, frames));
            for (int o = 0; o < D; o++) {
                e[i][o] = (float) Math.tanh(dot(a[o], mean));
            }
            for (int o = 0; o < C; o++) {
                l[i][o] = (float) dot(b[o], max);
            }
        }
        return new Synthetic(specs, items, e, l);
    }

    public void testStudentLearnsTheTeacherAndItsExportReproducesDjl() throws Exception {
        Synthetic s = synthetic(400, 5);
        int[] heldOut = IntStream.range(340, 400).toArray();
        ConvDistillTrainer.Config cfg = new ConvDistillTrainer.Config(3, new int[] { 8, 12 }, new int[] { 2, 2 }, 16, 40, 25, 16, 1e-2f, 1f, 3);
        ConvDistillTrainer.Result r = ConvDistillTrainer.train(s.spectrograms(), MELS, s.items(), s.embeddings(), s.logits(), heldOut, cfg, 12,
            Progress.silent());

        float[] mean = new float[D];
        for (int i = 0; i < 340; i++) {
            float[] u = DistillTrainer.unit(s.embeddings()[i]);
            for (int j = 0; j < D; j++) {
                mean[j] += u[j];
            }
        }
        mean = DistillTrainer.unit(mean);
        double constant = 0;
        for (int i : heldOut) {
            constant += RetrievalMetrics.dot(mean, DistillTrainer.unit(s.embeddings()[i])) / heldOut.length;
        }
        assertTrue("held-out cosine " + r.heldOutCosine() + " vs the constant guess's " + constant, r.heldOutCosine() > constant + 0.2);

        // DJL's outputs for the first items (1, 2 and 3 frames among them) are what the exported model computes
        ConvStudent student = r.student();
        assertEquals(2 * MELS + 8 * MELS * 3 + 8 + 12 * 8 * 3 + 12 + 16 * 24 + 16 + (D + C) * 16 + D + C, student.parameters());
        Path file = Files.write(createTempDir("conv").resolve("student.onnx"), student.export("test"));
        try (OnnxModel onnx = OnnxModel.load(file, 1)) {
            for (int i = 0; i < r.djlOutputs().length; i++) {
                ConvDistillTrainer.Window w = s.items().get(i);
                float[] x = new float[MELS * w.frames()];
                for (int t = 0; t < w.frames(); t++) {
                    for (int m = 0; m < MELS; m++) {
                        x[m * w.frames() + t] = s.spectrograms().get(w.clip())[t * MELS + m];
                    }
                }
                Map<String, float[][]> got = onnx.run(Student.INPUT, x, new long[] { 1, MELS, w.frames() }, Set.of(Student.EMBEDDING, Student.LOGITS));
                assertArrayEquals("item " + i + " (" + w.frames() + " frames)", r.djlOutputs()[i][0], got.get(Student.EMBEDDING)[0], 1e-4f);
                assertArrayEquals("item " + i + " (" + w.frames() + " frames)", r.djlOutputs()[i][1], got.get(Student.LOGITS)[0], 1e-4f);
                assertArrayEquals(r.djlOutputs()[i][0], r.embeddings()[i], 1e-5f);
            }
        }
    }

    public void testFoldBatchNorm() {
        // two output channels, one input channel, kernel 2: conv then batch norm, by hand
        float[] w = { 1, 2, -1, 0.5f }, b = { 0.5f, -1 }, gamma = { 2, 0.5f }, beta = { 0.1f, -0.2f }, mu = { 1, -2 }, var = { 4, 0.25f };
        double eps = 1e-3;
        float[][] folded = ConvStudent.foldBatchNorm(w, b, gamma, beta, mu, var, eps);
        float[] x = { 0.3f, -0.7f };
        for (int o = 0; o < 2; o++) {
            double conv = w[2 * o] * x[0] + w[2 * o + 1] * x[1] + b[o];
            double want = gamma[o] * (conv - mu[o]) / Math.sqrt(var[o] + eps) + beta[o];
            double got = folded[0][2 * o] * x[0] + folded[0][2 * o + 1] * x[1] + folded[1][o];
            assertEquals("channel " + o, want, got, 1e-5);
        }
        float[][] noBias = ConvStudent.foldBatchNorm(w, null, gamma, beta, mu, var, eps);
        assertEquals(beta[0] - mu[0] * gamma[0] / Math.sqrt(var[0] + eps), noBias[1][0], 1e-6);
    }

    public void testEpochBatchesCoverTheTrainingItemsOnceBySimilarLength() {
        Synthetic s = synthetic(100, 9);
        ConvDistillTrainer.Batcher batcher = new ConvDistillTrainer.Batcher(s.spectrograms(), MELS, s.items(), new float[MELS], ones(MELS));
        int[] train = IntStream.range(0, 100).filter(i -> i % 7 != 0).toArray();
        List<int[]> batches = batcher.epoch(train, 8, new SplittableRandom(1));
        int[] seen = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertArrayEquals(train, seen);
        int lastMax = -1, longest = 0;
        List<int[]> byLength = new ArrayList<>(batches);
        byLength.sort((x, y) -> Integer.compare(minFrames(s, x), minFrames(s, y)));
        for (int[] batch : byLength) {
            int min = minFrames(s, batch);
            assertTrue("batches do not overlap in length", min >= lastMax);
            lastMax = Arrays.stream(batch).map(i -> s.items().get(i).frames()).max().getAsInt();
            longest = Math.max(longest, batch.length);
        }
        assertEquals(8, longest);
        assertFalse("batches in a random order", batches.equals(byLength));
        // a crop: standardised values of the item's frames, as [batch, mels, frames]
        try (var nd = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            int[] one = { 5 };
            float[] x = batcher.inputs(nd, one, 3, null).toFloatArray();
            float[] spec = s.spectrograms().get(5);
            for (int m = 0; m < MELS; m++) {
                for (int t = 0; t < 3; t++) {
                    assertEquals(spec[t * MELS + m], x[m * 3 + t], 0f);
                }
            }
        }
    }

    private static int minFrames(Synthetic s, int[] batch) {
        return Arrays.stream(batch).map(i -> s.items().get(i).frames()).min().getAsInt();
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return v;
    }

    private static double dot(double[] a, double[] x) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * x[i];
        }
        return s;
    }
}
