package io.audiopq.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Trains a {@link ConvStudent} on log-mel frames to reproduce a teacher, with DJL's PyTorch engine and
 * the losses of {@link DistillTrainer#losses} (1 − cosine to the teacher's embedding, BCE to σ(teacher
 * logits)). An item is a window of a clip's spectrogram (the whole clip, or a segment) with the
 * teacher's outputs for that window. Items are batched by length: sorted by frame count (ties in a
 * random order each epoch), cut into batches that are cropped at a random offset to their shortest
 * item (and to at most {@code maxFrames}), the batches visited in a random order. Adam with a cosine
 * decay of the learning rate to 1 % over the run. The input standardisation is the mean and standard
 * deviation per band over the training clips' frames.
 */
public final class ConvDistillTrainer {

    /** Batch norm's ε, in training and in the folded export. */
    static final float BN_EPSILON = 1e-5f;
    /** Items per evaluation call. */
    private static final int EVAL_BATCH = 64;

    /**
     * @param kernel      temporal kernel of every convolution
     * @param channels    output channels per convolution
     * @param strides     stride per convolution
     * @param hidden      hidden units after the pooling
     * @param maxFrames   longest training crop (longer items are cropped at random)
     */
    public record Config(int kernel, int[] channels, int[] strides, int hidden, int maxFrames, int epochs, int batchSize, float learningRate, float logitWeight,
        long seed) {
        public String summary() {
            return String.format(Locale.ROOT,
                "conv student: Conv1d k=%d channels %s strides %s (+BN, ReLU), mean+max over time, hidden %d; crops ≤ %d frames; %d epochs, batch %d, "
                    + "Adam lr=%s (cosine decay), logit weight %s, seed %d",
                kernel, Arrays.toString(channels), Arrays.toString(strides), hidden, maxFrames, epochs, batchSize, learningRate, logitWeight, seed);
        }
    }

    /** Frames {@code [start, start + frames)} of clip {@code clip}'s spectrogram. */
    public record Window(int clip, int start, int frames) {}

    /**
     * @param djlOutputs DJL's ({embedding, logits}) of the first {@code checkItems} items, uncropped, for the export check
     * @param embeddings DJL's embedding of every item, uncropped (for a codebook)
     */
    public record Result(ConvStudent student, List<String> log, float[][][] djlOutputs, float[][] embeddings, double heldOutCosine, double seconds) {}

    private ConvDistillTrainer() {}

    /**
     * @param spectrograms raw log-mel per clip, frame-major ({@code values[t * mels + m]}, as {@code Spectrogram})
     * @param items        the windows trained on
     * @param embeddings   the teacher's embedding per item
     * @param logits       the teacher's logits per item
     * @param heldOut      items left out of training, only measured (may be empty)
     */
    public static Result train(List<float[]> spectrograms, int mels, List<Window> items, float[][] embeddings, float[][] logits, int[] heldOut, Config cfg,
        int checkItems, Progress progress) {
        long start = System.nanoTime();
        int n = items.size(), d = embeddings[0].length, c = logits[0].length;
        boolean[] out = new boolean[n];
        for (int i : heldOut) {
            out[i] = true;
        }
        int[] train = IntStream.range(0, n).filter(i -> out[i] == false).toArray();
        float[][] std = standardisation(spectrograms, mels, IntStream.of(train).map(i -> items.get(i).clip()).distinct().toArray());
        Batcher batcher = new Batcher(spectrograms, mels, items, std[0], std[1]);
        float[] targetE = new float[n * d], targetP = new float[n * c];
        for (int i = 0; i < n; i++) {
            System.arraycopy(DistillTrainer.unit(embeddings[i]), 0, targetE, i * d, d);
            for (int j = 0; j < c; j++) {
                targetP[i * c + j] = (float) (1 / (1 + Math.exp(-logits[i][j])));
            }
        }
        int layers = cfg.channels().length;
        Conv1d[] convs = new Conv1d[layers];
        BatchNorm[] norms = new BatchNorm[layers];
        SequentialBlock net = new SequentialBlock();
        for (int l = 0; l < layers; l++) {
            convs[l] = Conv1d.builder().setKernelShape(new Shape(cfg.kernel())).optStride(new Shape(cfg.strides()[l])).optPadding(new Shape(cfg.kernel() / 2))
                .setFilters(cfg.channels()[l]).optBias(false).build();
            norms[l] = BatchNorm.builder().optEpsilon(BN_EPSILON).build();
            net.add(convs[l]).add(norms[l]).add(Activation.reluBlock());
        }
        net.add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().mean(new int[] { 2 }).concat(x.singletonOrThrow().max(new int[] { 2 }), 1))));
        Linear hiddenLayer = Linear.builder().setUnits(cfg.hidden()).build(), outputLayer = Linear.builder().setUnits(d + c).build();
        net.add(hiddenLayer).add(Activation.reluBlock()).add(outputLayer);
        List<String> log = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(cfg.seed());
        int stepsPerEpoch = (train.length + cfg.batchSize() - 1) / cfg.batchSize();
        try (Model model = Model.newInstance("conv-student", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            CosineTracker lr = CosineTracker.builder().setBaseValue(cfg.learningRate()).optFinalValue(cfg.learningRate() / 100)
                .setMaxUpdates(Math.max(1, cfg.epochs() * stepsPerEpoch)).build();
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss()).optDevices(new Device[] { Device.cpu() })
                .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                Engine.getEngine("PyTorch").setRandomSeed((int) cfg.seed());
                trainer.initialize(new Shape(1, mels, 16));
                NDManager manager = trainer.getManager();
                Progress.Bar bar = progress.bar("distilling (conv), batches", cfg.epochs() * stepsPerEpoch);
                double heldOutCosine = Double.NaN;
                for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                    long epochStart = System.nanoTime();
                    double cosSum = 0, bceSum = 0;
                    int steps = 0;
                    for (int[] batch : batcher.epoch(train, cfg.batchSize(), random)) {
                        int frames = Math.min(cfg.maxFrames(), Arrays.stream(batch).map(i -> items.get(i).frames()).min().getAsInt());
                        try (NDManager step = manager.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray y = trainer.forward(new NDList(batcher.inputs(step, batch, frames, random))).singletonOrThrow();
                            NDArray[] losses = DistillTrainer.losses(y, DistillTrainer.rows(step, targetE, d, batch), DistillTrainer.rows(step, targetP, c, batch), d);
                            cosSum += losses[0].getFloat();
                            bceSum += losses[1].getFloat();
                            gc.backward(losses[0].add(losses[1].mul(cfg.logitWeight())));
                        }
                        trainer.step();
                        steps++;
                        bar.step();
                    }
                    String line = String.format(Locale.ROOT, "epoch %3d/%d  cosine loss %.4f  cross entropy %.4f  (%.0f s)", epoch + 1, cfg.epochs(),
                        cosSum / steps, bceSum / steps, (System.nanoTime() - epochStart) / 1e9);
                    if (heldOut.length > 0) {
                        float[][][] y = outputs(trainer, batcher, heldOut, d);
                        double cos = 0, bce = 0;
                        for (int k = 0; k < heldOut.length; k++) {
                            cos += cosine(y[k][0], targetE, heldOut[k] * d) / heldOut.length;
                            bce += crossEntropy(y[k][1], targetP, heldOut[k] * c) / heldOut.length;
                        }
                        heldOutCosine = cos;
                        line += String.format(Locale.ROOT, "  held out: mean cosine %.4f, cross entropy %.4f", cos, bce);
                    }
                    log.add(line);
                    progress.message(line);
                }
                bar.done();
                float[][][] djl = outputs(trainer, batcher, IntStream.range(0, Math.min(checkItems, n)).toArray(), d);
                float[][][] all = outputs(trainer, batcher, IntStream.range(0, n).toArray(), d);
                float[][] allEmbeddings = new float[n][];
                for (int i = 0; i < n; i++) {
                    allEmbeddings[i] = all[i][0];
                }
                float[][] convW = new float[layers][], convB = new float[layers][];
                for (int l = 0; l < layers; l++) {
                    var p = norms[l].getParameters();
                    float[][] folded = ConvStudent.foldBatchNorm(convs[l].getParameters().get("weight").getArray().toFloatArray(), null,
                        p.get("gamma").getArray().toFloatArray(), p.get("beta").getArray().toFloatArray(), p.get("runningMean").getArray().toFloatArray(),
                        p.get("runningVar").getArray().toFloatArray(), BN_EPSILON);
                    convW[l] = folded[0];
                    convB[l] = folded[1];
                }
                int h = cfg.hidden();
                float[] w2 = outputLayer.getParameters().get("weight").getArray().toFloatArray();
                float[] b2 = outputLayer.getParameters().get("bias").getArray().toFloatArray();
                ConvStudent student = new ConvStudent(mels, cfg.kernel(), cfg.channels().clone(), cfg.strides().clone(), h, d, c, std[0], std[1], convW, convB,
                    hiddenLayer.getParameters().get("weight").getArray().toFloatArray(), hiddenLayer.getParameters().get("bias").getArray().toFloatArray(),
                    Arrays.copyOf(w2, d * h), Arrays.copyOf(b2, d), Arrays.copyOfRange(w2, d * h, w2.length), Arrays.copyOfRange(b2, d, d + c));
                double seconds = (System.nanoTime() - start) / 1e9;
                log.add(String.format(Locale.ROOT, "trained on %d items (%d held out) in %.1f s", train.length, heldOut.length, seconds));
                return new Result(student, log, djl, allEmbeddings, heldOutCosine, seconds);
            }
        }
    }

    /** DJL's {embedding, logits} of {@code items}, each whole (batched with items of its exact length), in inference mode. */
    static float[][][] outputs(Trainer trainer, Batcher batcher, int[] items, int d) {
        Integer[] order = IntStream.range(0, items.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> Integer.compare(batcher.items.get(items[a]).frames(), batcher.items.get(items[b]).frames()));
        float[][][] out = new float[items.length][][];
        for (int from = 0; from < order.length;) {
            int frames = batcher.items.get(items[order[from]]).frames(), to = from;
            while (to < order.length && to - from < EVAL_BATCH && batcher.items.get(items[order[to]]).frames() == frames) {
                to++;
            }
            int[] batch = new int[to - from];
            for (int k = 0; k < batch.length; k++) {
                batch[k] = items[order[from + k]];
            }
            try (NDManager step = trainer.getManager().newSubManager()) {
                float[] y = trainer.evaluate(new NDList(batcher.inputs(step, batch, frames, null))).singletonOrThrow().toFloatArray();
                int width = y.length / batch.length;
                for (int k = 0; k < batch.length; k++) {
                    out[order[from + k]] = new float[][] { Arrays.copyOfRange(y, k * width, k * width + d), Arrays.copyOfRange(y, k * width + d, (k + 1) * width) };
                }
            }
            from = to;
        }
        return out;
    }

    /** Builds [batch, mels, frames] standardised inputs from the clips' spectrograms. */
    static final class Batcher {
        final List<float[]> spectrograms;
        final int mels;
        final List<Window> items;
        final float[] shift, scale;

        Batcher(List<float[]> spectrograms, int mels, List<Window> items, float[] shift, float[] scale) {
            this.spectrograms = spectrograms;
            this.mels = mels;
            this.items = items;
            this.shift = shift;
            this.scale = scale;
        }

        /** The training items in batches of similar length, for one epoch. */
        List<int[]> epoch(int[] train, int batchSize, SplittableRandom random) {
            double[] tie = new double[items.size()];
            for (int i : train) {
                tie[i] = random.nextDouble();
            }
            Integer[] sorted = IntStream.of(train).boxed().toArray(Integer[]::new);
            Arrays.sort(sorted, (a, b) -> {
                int byLength = Integer.compare(items.get(a).frames(), items.get(b).frames());
                return byLength != 0 ? byLength : Double.compare(tie[a], tie[b]);
            });
            List<int[]> batches = new ArrayList<>();
            for (int from = 0; from < sorted.length; from += batchSize) {
                batches.add(Arrays.stream(sorted, from, Math.min(sorted.length, from + batchSize)).mapToInt(Integer::intValue).toArray());
            }
            int[] order = HeadTrainer.permutation(batches.size(), random);
            List<int[]> shuffled = new ArrayList<>(batches.size());
            for (int b : order) {
                shuffled.add(batches.get(b));
            }
            return shuffled;
        }

        /** {@code frames} frames of each item, at a random offset (null: the start), standardised, as [batch, mels, frames]. */
        NDArray inputs(NDManager nd, int[] batch, int frames, SplittableRandom random) {
            float[] x = new float[batch.length * mels * frames];
            for (int b = 0; b < batch.length; b++) {
                Window w = items.get(batch[b]);
                int start = w.start() + (random == null ? 0 : random.nextInt(w.frames() - frames + 1));
                float[] spec = spectrograms.get(w.clip());
                for (int t = 0; t < frames; t++) {
                    int src = (start + t) * mels;
                    for (int m = 0; m < mels; m++) {
                        x[(b * mels + m) * frames + t] = (spec[src + m] - shift[m]) / scale[m];
                    }
                }
            }
            return nd.create(x, new Shape(batch.length, mels, frames));
        }
    }

    /** {shift, scale}: per-band mean and standard deviation (floored at {@link DistillTrainer#MIN_STD}) over every frame of {@code clips}. */
    static float[][] standardisation(List<float[]> spectrograms, int mels, int[] clips) {
        double[] sum = new double[mels], sumSq = new double[mels];
        long frames = 0;
        for (int clip : clips) {
            float[] spec = spectrograms.get(clip);
            for (int i = 0; i < spec.length; i++) {
                sum[i % mels] += spec[i];
                sumSq[i % mels] += (double) spec[i] * spec[i];
            }
            frames += spec.length / mels;
        }
        float[] shift = new float[mels], scale = new float[mels];
        for (int m = 0; m < mels; m++) {
            double mu = sum[m] / frames;
            shift[m] = (float) mu;
            scale[m] = (float) Math.max(DistillTrainer.MIN_STD, Math.sqrt(Math.max(0, sumSq[m] / frames - mu * mu)));
        }
        return new float[][] { shift, scale };
    }

    private static double crossEntropy(float[] z, float[] p, int offset) {
        double s = 0;
        for (int j = 0; j < z.length; j++) {
            s += Math.max(z[j], 0) - z[j] * p[offset + j] + Math.log1p(Math.exp(-Math.abs(z[j])));
        }
        return s / z.length;
    }

    /** Cosine of {@code y} and the unit vector at {@code offset} of {@code units}. */
    private static double cosine(float[] y, float[] units, int offset) {
        float[] u = DistillTrainer.unit(y);
        double s = 0;
        for (int j = 0; j < u.length; j++) {
            s += (double) u[j] * units[offset + j];
        }
        return s;
    }
}
