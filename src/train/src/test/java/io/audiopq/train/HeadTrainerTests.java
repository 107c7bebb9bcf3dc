package io.audiopq.train;

import io.audiopq.audio.OnnxModel;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

/**
 * Training on synthetic clusters (no shared data needed): determinism for a seed, the exported
 * ONNX head against DJL's forward pass under ONNX Runtime, and that each method learns.
 */
public class HeadTrainerTests extends LuceneTestCase {

    /** 6 classes × 30 items in 24-D: class centres plus noise strong enough that the raw cosine ranking is imperfect. */
    static Dataset clusters(long seed) {
        Random r = new Random(seed);
        int classes = 6, perClass = 30, dim = 24, n = classes * perClass;
        float[][] centres = new float[classes][dim];
        for (float[] c : centres) {
            for (int j = 0; j < dim; j++) {
                c[j] = (float) r.nextGaussian();
            }
        }
        float[][] x = new float[n][dim];
        int[] y = new int[n], folds = new int[n];
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            folds[i] = 1 + (i / classes) % 5;
            for (int j = 0; j < dim; j++) {
                x[i][j] = centres[y[i]][j] + 1.3f * (float) r.nextGaussian();
            }
            ids.add("item" + i);
        }
        return new Dataset(ids, x, y, folds, java.util.List.of("a", "b", "c", "d", "e", "f"));
    }

    static TrainConfig small(TrainConfig.Method method) {
        return TrainConfig.defaults().withMethod(method).withShape(32, 8, TrainConfig.Activation.RELU).withM(2).withEpochs(30, 8)
            .withOptimizer(32, 3e-3f, 1e-4f);
    }

    public void testSameSeedSameHeadOtherSeedOtherHead() {
        // What a seed fixes, and what it cannot. The batches and the initial weights are drawn in
        // Java from the seed, and MKL_CBWR=COMPATIBLE (the pom and tool-env.sh set it) makes MKL's
        // kernels independent of memory alignment: without it every same-seed pair differed
        // (19-40 % in outputs). One effect remains: the FIRST training in a JVM differs from the
        // later ones (same-seed pairs that include it were 0-25 % apart in outputs, mAP 0.905-0.941
        // on these clusters; later pairs agree to the bit), from something initialised lazily on
        // first use below DJL, not found. So a warm-up training runs first, and the property tested
        // is that of every later training: one seed, one head.
        Dataset ds = clusters(1);
        int[] labels = Splits.labelFraction(ds.labels(), all(ds), 0.3, 5);
        TrainConfig cfg = small(TrainConfig.Method.DQN);
        HeadTrainer.train(ds.vectors(), labels, new int[0], null, cfg.withSeed(99), Progress.silent());
        HeadTrainer.Result a = HeadTrainer.train(ds.vectors(), labels, new int[0], null, cfg, Progress.silent());
        HeadTrainer.Result b = HeadTrainer.train(ds.vectors(), labels, new int[0], null, cfg, Progress.silent());
        HeadTrainer.Result c = HeadTrainer.train(ds.vectors(), labels, new int[0], null, cfg.withSeed(7), Progress.silent());
        double same = relativeDifference(a.outputs(), b.outputs()), other = relativeDifference(a.outputs(), c.outputs());
        assertTrue("same seed: outputs differ by " + same + " relative", same <= 1e-3);
        assertTrue("other seed: outputs differ by only " + other + " relative", other >= 0.1);
        assertTrue("the head learned something: mAP " + map(a, ds), map(a, ds) > 0.5);
    }

    private static double map(HeadTrainer.Result r, Dataset ds) {
        float[][] unit = new float[r.outputs().length][];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = io.audiopq.quantization.VectorMath.normalized(r.outputs()[i]);
        }
        return io.audiopq.tools.RetrievalMetrics.leaveOneOutCosine(unit, ds.labels()).map();
    }

    /** ‖a − b‖ / ‖a‖ over all entries (Frobenius). */
    static double relativeDifference(float[][] a, float[][] b) {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double e = (double) a[i][j] - b[i][j];
                diff += e * e;
                norm += (double) a[i][j] * a[i][j];
            }
        }
        return Math.sqrt(diff / Math.max(norm, 1e-30));
    }

    public void testExportedOnnxHeadReproducesDjl() throws Exception {
        Dataset ds = clusters(2);
        for (TrainConfig.Activation act : TrainConfig.Activation.values()) {
            for (TrainConfig.Input input : TrainConfig.Input.values()) {
                // the input transforms are folded into the first layer: the exported head takes the raw embedding
                TrainConfig cfg = small(TrainConfig.Method.DQN).withShape(32, 8, act).withInput(input);
                HeadTrainer.Result r = HeadTrainer.train(ds.vectors(), Splits.labelFraction(ds.labels(), all(ds), 0.5, 3), new int[0], null, cfg,
                    Progress.silent());
                Path file = createTempDir().resolve("head.onnx");
                Files.write(file, OnnxHeadExporter.export(r.mlp(), "test head"));
                try (OnnxModel onnx = OnnxModel.load(file, 1)) {
                    assertEquals(Set.of(OnnxHeadExporter.INPUT), onnx.inputNames());
                    int n = ds.size(), dim = ds.dimension();
                    float[][] got = onnx.run(OnnxHeadExporter.INPUT, HeadTrainer.flatten(ds.vectors()), new long[] { n, dim },
                        Set.of(OnnxHeadExporter.OUTPUT)).get(OnnxHeadExporter.OUTPUT);
                    double worst = 0;
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < cfg.d(); j++) {
                            worst = Math.max(worst, Math.abs(got[i][j] - r.outputs()[i][j]));
                        }
                        // the plain-Java reference agrees as well (it reads the same extracted weights)
                        assertArrayEquals(r.outputs()[i], r.mlp().forward(ds.vectors()[i]), 1e-5f);
                    }
                    assertTrue(act + ", " + input + ": ONNX Runtime differs from DJL by " + worst, worst <= 1e-5);
                }
            }
        }
    }

    public void testEveryMethodImprovesQuantisedRetrieval() {
        // Train on folds 1-4 with 30 % labels; the held-out fold's items must retrieve better through the
        // quantised head than through unsupervised PQ of the raw vectors with as many bits.
        Dataset ds = clusters(3);
        int[] train = ds.foldIndices("5", false), test = ds.foldIndices("5", true);
        int[] labels = Splits.labelFraction(ds.labels(), train, 0.3, 11);
        float[][] trainX = pick(ds.vectors(), train);
        int[] trainLabels = Arrays.stream(train).map(i -> labels[i]).toArray();
        int[] testLabels = Arrays.stream(test).map(i -> ds.labels()[i]).toArray();
        float[][] rawUnit = pick(ds.vectors(), test);
        for (float[] v : rawUnit) {
            io.audiopq.quantization.VectorMath.normalize(v);
        }
        TrainConfig base = small(TrainConfig.Method.DQN);
        double baseline = Evaluation.pqMap(Evaluation.unit(trainX), rawUnit, testLabels, base.m(), 1);
        for (TrainConfig.Method method : TrainConfig.Method.values()) {
            HeadTrainer.Result r = HeadTrainer.train(trainX, trainLabels, new int[0], null, small(method), Progress.silent());
            float[][] z = new float[test.length][];
            for (int i = 0; i < test.length; i++) {
                z[i] = r.mlp().forward(ds.vectors()[test[i]]);
            }
            double learned = Evaluation.adcMap(r.codebook(), z, testLabels);
            assertTrue(method + ": quantised head mAP " + learned + " vs unsupervised PQ " + baseline, learned > baseline);
        }
    }

    static int[] all(Dataset ds) {
        return java.util.stream.IntStream.range(0, ds.size()).toArray();
    }

    static float[][] pick(float[][] v, int[] idx) {
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = v[idx[i]].clone();
        }
        return out;
    }
}
