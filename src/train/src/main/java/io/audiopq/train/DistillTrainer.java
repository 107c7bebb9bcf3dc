package io.audiopq.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains a {@link Student} to reproduce a teacher, with DJL's PyTorch engine: per item, the loss is
 * 1 − cos(student embedding, teacher embedding) plus {@code logitWeight} × the mean binary cross
 * entropy of the student's logits against the teacher's probabilities σ(teacher logits) (AudioSet is
 * multi-label). The input standardisation is the mean and standard deviation of the training inputs.
 * Batches and initial weights are drawn in Java from the seed, as in {@link HeadTrainer}.
 */
public final class DistillTrainer {

    /** Smallest standard deviation an input feature is divided by (as the default bundle's backbone). */
    static final float MIN_STD = 1e-3f;

    /**
     * @param hidden      hidden units
     * @param epochs      passes over the training items
     * @param batchSize   items per step
     * @param learningRate Adam's
     * @param logitWeight weight of the logits' cross entropy against the embedding's cosine loss
     * @param seed        batches and initial weights
     */
    public record Config(int hidden, int epochs, int batchSize, float learningRate, float logitWeight, long seed) {
        public String summary() {
            return String.format(Locale.ROOT, "MLP hidden %d (ReLU), %d epochs, batch %d, Adam lr=%s, logit weight %s, seed %d", hidden, epochs, batchSize,
                learningRate, logitWeight, seed);
        }
    }

    /**
     * @param student    the trained weights
     * @param log        one line per epoch: training losses and the held-out items' mean cosine and cross entropy
     * @param djlOutputs DJL's forward pass ({embedding, logits}) of the first {@code checkItems} training inputs, for the export check
     */
    public record Result(Student student, List<String> log, float[][][] djlOutputs, double heldOutCosine, double seconds) {}

    private DistillTrainer() {}

    /**
     * @param x          raw statistics per item ({@code 4·mels})
     * @param embeddings the teacher's embedding per item (raw; only its direction is learned)
     * @param logits     the teacher's logits per item
     * @param heldOut    items left out of training, only measured (may be empty)
     * @param checkItems how many of the first items to return DJL's outputs for
     */
    public static Result train(float[][] x, float[][] embeddings, float[][] logits, int[] heldOut, int mels, Config cfg, int checkItems, Progress progress) {
        long start = System.nanoTime();
        int n = x.length, in = x[0].length, d = embeddings[0].length, c = logits[0].length;
        boolean[] out = new boolean[n];
        for (int i : heldOut) {
            out[i] = true;
        }
        int[] train = java.util.stream.IntStream.range(0, n).filter(i -> out[i] == false).toArray();
        float[][] std = standardisation(x, train);
        float[] shift = std[0], scale = std[1];
        float[] inputs = new float[n * in], targetE = new float[n * d], targetP = new float[n * c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < in; j++) {
                inputs[i * in + j] = (x[i][j] - shift[j]) / scale[j];
            }
            float[] unit = unit(embeddings[i]);
            System.arraycopy(unit, 0, targetE, i * d, d);
            for (int j = 0; j < c; j++) {
                targetP[i * c + j] = (float) (1 / (1 + Math.exp(-logits[i][j])));
            }
        }
        List<String> log = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(cfg.seed());
        Linear[] linears = { Linear.builder().setUnits(cfg.hidden()).build(), Linear.builder().setUnits(d + c).build() };
        try (Model model = Model.newInstance("student", Device.cpu(), "PyTorch")) {
            model.setBlock(new SequentialBlock().add(linears[0]).add(Activation.reluBlock()).add(linears[1]));
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss()).optDevices(new Device[] { Device.cpu() })
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(cfg.learningRate())).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                Engine.getEngine("PyTorch").setRandomSeed((int) cfg.seed());
                trainer.initialize(new Shape(1, in));
                HeadTrainer.initialise(linears, new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + 1));
                NDManager manager = trainer.getManager();
                Progress.Bar bar = progress.bar("distilling", cfg.epochs());
                double heldOutCosine = Double.NaN;
                for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                    int[] order = HeadTrainer.permutation(train.length, random);
                    double cosSum = 0, bceSum = 0;
                    int steps = 0;
                    for (int from = 0; from < train.length; from += cfg.batchSize()) {
                        int b = Math.min(cfg.batchSize(), train.length - from);
                        int[] batch = new int[b];
                        for (int k = 0; k < b; k++) {
                            batch[k] = train[order[from + k]];
                        }
                        try (NDManager step = manager.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray y = trainer.forward(new NDList(rows(step, inputs, in, batch))).singletonOrThrow();
                            NDArray[] losses = losses(y, rows(step, targetE, d, batch), rows(step, targetP, c, batch), d);
                            cosSum += losses[0].getFloat();
                            bceSum += losses[1].getFloat();
                            gc.backward(losses[0].add(losses[1].mul(cfg.logitWeight())));
                        }
                        trainer.step();
                        steps++;
                    }
                    String line = String.format(Locale.ROOT, "epoch %3d/%d  cosine loss %.4f  cross entropy %.4f", epoch + 1, cfg.epochs(), cosSum / steps,
                        bceSum / steps);
                    if (heldOut.length > 0) {
                        double[] h = evaluate(trainer, manager, inputs, in, targetE, targetP, heldOut, d, c);
                        heldOutCosine = 1 - h[0];
                        line += String.format(Locale.ROOT, "  held out: mean cosine %.4f, cross entropy %.4f", heldOutCosine, h[1]);
                    }
                    log.add(line);
                    progress.message(line);
                    bar.step();
                }
                bar.done();
                int[] first = java.util.stream.IntStream.range(0, Math.min(checkItems, n)).toArray();
                float[] y = trainer.evaluate(new NDList(rows(manager, inputs, in, first))).singletonOrThrow().toFloatArray();
                float[][][] djl = new float[first.length][][];
                for (int k = 0; k < first.length; k++) {
                    djl[k] = new float[][] { Arrays.copyOfRange(y, k * (d + c), k * (d + c) + d), Arrays.copyOfRange(y, k * (d + c) + d, (k + 1) * (d + c)) };
                }
                float[] w2 = linears[1].getParameters().get("weight").getArray().toFloatArray();
                float[] b2 = linears[1].getParameters().get("bias").getArray().toFloatArray();
                Student student = new Student(mels, cfg.hidden(), d, c, shift, scale, linears[0].getParameters().get("weight").getArray().toFloatArray(),
                    linears[0].getParameters().get("bias").getArray().toFloatArray(), Arrays.copyOf(w2, d * cfg.hidden()), Arrays.copyOf(b2, d),
                    Arrays.copyOfRange(w2, d * cfg.hidden(), w2.length), Arrays.copyOfRange(b2, d, d + c));
                double seconds = (System.nanoTime() - start) / 1e9;
                log.add(String.format(Locale.ROOT, "trained on %d items (%d held out) in %.1f s", train.length, heldOut.length, seconds));
                return new Result(student, log, djl, heldOutCosine, seconds);
            }
        }
    }

    /** {mean (1 − cosine), mean binary cross entropy with logits} of outputs {@code y} [b, d + c]. */
    static NDArray[] losses(NDArray y, NDArray unitTargets, NDArray probabilities, int d) {
        NDArray e = y.get(":, 0:" + d), z = y.get(":, " + d + ":");
        NDArray cosine = Losses.l2Normalize(e).mul(unitTargets).sum(new int[] { 1 });
        NDArray cosLoss = cosine.neg().add(1).mean();
        // max(z, 0) − z·p + log(1 + e^−|z|): the numerically stable form of BCE on σ(z)
        NDArray bce = z.maximum(0).sub(z.mul(probabilities)).add(z.abs().neg().exp().add(1).log()).mean();
        return new NDArray[] { cosLoss, bce };
    }

    private static double[] evaluate(Trainer trainer, NDManager manager, float[] inputs, int in, float[] targetE, float[] targetP, int[] items, int d, int c) {
        double cos = 0, bce = 0;
        for (int from = 0; from < items.length; from += 1024) {
            int[] batch = Arrays.copyOfRange(items, from, Math.min(items.length, from + 1024));
            try (NDManager step = manager.newSubManager()) {
                NDArray y = trainer.evaluate(new NDList(rows(step, inputs, in, batch))).singletonOrThrow();
                NDArray[] l = losses(y, rows(step, targetE, d, batch), rows(step, targetP, c, batch), d);
                cos += l[0].getFloat() * batch.length;
                bce += l[1].getFloat() * batch.length;
            }
        }
        return new double[] { cos / items.length, bce / items.length };
    }

    /** {shift, scale}: per-feature mean and standard deviation (floored at {@link #MIN_STD}) over {@code items}. */
    static float[][] standardisation(float[][] x, int[] items) {
        int in = x[0].length;
        double[] sum = new double[in], sumSq = new double[in];
        for (int i : items) {
            for (int j = 0; j < in; j++) {
                sum[j] += x[i][j];
                sumSq[j] += (double) x[i][j] * x[i][j];
            }
        }
        float[] shift = new float[in], scale = new float[in];
        for (int j = 0; j < in; j++) {
            double mu = sum[j] / items.length;
            shift[j] = (float) mu;
            scale[j] = (float) Math.max(MIN_STD, Math.sqrt(Math.max(0, sumSq[j] / items.length - mu * mu)));
        }
        return new float[][] { shift, scale };
    }

    static float[] unit(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        double norm = Math.max(Math.sqrt(s), Mlp.EPSILON);
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / norm);
        }
        return u;
    }

    static NDArray rows(NDManager nd, float[] flat, int dim, int[] items) {
        float[] out = new float[items.length * dim];
        for (int k = 0; k < items.length; k++) {
            System.arraycopy(flat, items[k] * dim, out, k * dim, dim);
        }
        return nd.create(out, new Shape(items.length, dim));
    }
}
