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
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.tools.RetrievalMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains a head (an MLP on the backbone's embedding, L2-normalised in and out) so that its outputs
 * keep class similarity and quantise well, jointly with a PQ codebook, with DJL's PyTorch engine:
 * <ul>
 *   <li>DQN (Cao et al. 2016): pairwise loss (s_ij − cos(z_i, z_j))² over labelled pairs plus
 *       λ·‖u_i − q(u_i)‖², the quantisation loss of the unit outputs u against the current
 *       codebook q, over batches drawn from all items;</li>
 *   <li>DTQ: a triplet hinge loss (with batch mining) instead of the pairwise loss;</li>
 *   <li>Space-Shuttle: every item's output carries a velocity, pushed by the similarity loss's
 *       gradient ("propulsion") and pulled toward its nearest codeword ("gravity"), with momentum;
 *       the network is trained to move its outputs by that velocity, i.e. the update on the outputs
 *       is what is back-propagated.</li>
 * </ul>
 * What the measurements behind this toolkit showed, and this class therefore does: the quantisation
 * loss, the codebook and the final PQ all work on L2-normalised outputs (else the network shrinks
 * its outputs and the quantisation error vanishes without quantised retrieval improving); λ stays 0
 * for a warm-up; the codebook (M × 256 codewords) is refitted by k-means on the outputs of
 * <em>all</em> items, labelled or not, since a few labelled clips are far too few points for it;
 * by default the head is trained on the unit embedding projected on the labelled items' discriminant
 * subspace ({@link InputTransform}, folded into the first layer afterwards): with few labels per class
 * a head on the full embedding fits the labelled clips through directions that the unlabelled ones
 * vary in (speakers, on the spoken-word collection) and stalled at mAP 0.37-0.38 there.
 *
 * <p>Repeatable for a seed, not bit for bit everywhere: batches and initial weights are drawn in
 * Java from the seed, PyTorch runs one thread ({@code ai.djl.pytorch.num_threads=1}) and MKL
 * {@code MKL_CBWR=COMPATIBLE} (set by the pom and {@code tool-env.sh}); even so the first training in
 * a JVM can differ from later ones, and other CPUs' kernels round differently. {@code HeadTrainerTests}
 * therefore checks same-seed outputs within 1e-3 relative, after a warm-up training.
 */
public final class HeadTrainer {

    /**
     * @param mlp      the trained weights
     * @param codebook the final PQ codebook, fitted on the unit outputs of all training items
     * @param outputs  the head's outputs (unit vectors), by DJL's forward pass, for every input item
     * @param log      the training log, one line per report
     * @param history  per epoch: the mean similarity and quantisation losses, and the validation mAP where measured
     * @param collapse what {@link Collapse#detect} found in this training (losses, outputs, codes; no validation criterion)
     */
    public record Result(Mlp mlp, ProductQuantizer codebook, float[][] outputs, List<String> log, double seconds, List<EpochStat> history,
        Collapse collapse) {}

    /**
     * One epoch's figures.
     *
     * @param epoch           1-based
     * @param similarity      mean similarity loss over the epoch's steps
     * @param quantisation    mean quantisation loss (against the current codebook; 0 before the first one)
     * @param validationFloat validation mAP of the float outputs after the epoch, NaN where not measured
     * @param validationPq    validation mAP through a codebook refitted on the outputs after the epoch, NaN where not measured
     */
    public record EpochStat(int epoch, double similarity, double quantisation, double validationFloat, double validationPq) {}

    private HeadTrainer() {}

    /**
     * The head as a DJL block: normalise, Linear, activation, Linear, normalise; without the first
     * normalisation when it is trained on {@link InputTransform}ed inputs (the transform normalises).
     */
    static SequentialBlock block(TrainConfig cfg, Linear[] linears) {
        linears[0] = Linear.builder().setUnits(cfg.hidden()).build();
        linears[1] = Linear.builder().setUnits(cfg.d()).build();
        SequentialBlock block = new SequentialBlock();
        if (cfg.input() == TrainConfig.Input.UNIT) {
            block.add(LambdaBlock.singleton(Losses::l2Normalize, "normalize_in"));
        }
        return block.add(linears[0])
            .add(cfg.activation() == TrainConfig.Activation.RELU ? Activation.reluBlock() : Activation.tanhBlock())
            .add(linears[1])
            .add(LambdaBlock.singleton(Losses::l2Normalize, "normalize_out"));
    }

    /**
     * Trains on {@code x} (raw backbone embeddings).
     *
     * @param labels     class per item, or -1 for an unlabelled item (it still feeds the quantisation
     *                   loss, the codebook and Space-Shuttle's gravity)
     * @param validation items whose labels are only used to report validation mAP (they must be
     *                   unlabelled in {@code labels}); may be empty
     * @param trueLabels labels of the validation items (indexed like {@code x}); may be null when
     *                   {@code validation} is empty
     */
    public static Result train(float[][] x, int[] labels, int[] validation, int[] trueLabels, TrainConfig cfg, Progress progress) {
        return train(x, labels, validation, trueLabels, cfg, progress, 0);
    }

    /**
     * As {@link #train(float[][], int[], int[], int[], TrainConfig, Progress)}, measuring the validation mAP
     * (float, and PQ through a codebook refitted on the outputs) every {@code selectEvery} epochs and at the
     * last into {@link Result#history()} for model selection ({@code selectEvery} 0: only at the log's reports).
     */
    public static Result train(float[][] x, int[] labels, int[] validation, int[] trueLabels, TrainConfig cfg, Progress progress, int selectEvery) {
        try {
            return trainOnce(x, labels, validation, trueLabels, cfg, progress, selectEvery);
        } catch (NonFiniteOutputsException e) {
            // Seen once in ~250 evaluation trainings and not reproducible with the same seed (so not the
            // data or the settings); one retry keeps a long evaluation going, a second failure is real.
            progress.message("warning: " + e.getMessage() + "; training again once");
            return trainOnce(x, labels, validation, trueLabels, cfg, progress, selectEvery);
        }
    }

    /** The head produced NaN or infinite outputs: training diverged. */
    static final class NonFiniteOutputsException extends IllegalStateException {
        NonFiniteOutputsException(String message) {
            super(message);
        }
    }

    private static Result trainOnce(float[][] raw, int[] labels, int[] validation, int[] trueLabels, TrainConfig cfg, Progress progress, int selectEvery) {
        long start = System.nanoTime();
        InputTransform transform = InputTransform.fit(raw, labels, cfg.input());
        float[][] x = transform.apply(raw);
        int n = x.length, dim = x[0].length, d = cfg.d();
        int[] labelled = java.util.stream.IntStream.range(0, n).filter(i -> labels[i] >= 0).toArray();
        if (labelled.length < 2) {
            throw new IllegalArgumentException("need at least 2 labelled items, got " + labelled.length);
        }
        List<String> log = new ArrayList<>();
        List<EpochStat> history = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(cfg.seed());
        Engine engine = Engine.getEngine("PyTorch");
        Linear[] linears = new Linear[2];
        try (Model model = Model.newInstance("head", Device.cpu(), "PyTorch")) {
            model.setBlock(block(cfg, linears));
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss()).optDevices(new Device[] { Device.cpu() })
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(cfg.learningRate())).optWeightDecays(cfg.weightDecay()).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                // Seeded right before the weights are drawn: seeding earlier, in a JVM whose engine
                // was not used yet, left the first training's initial weights unseeded.
                engine.setRandomSeed((int) cfg.seed());
                trainer.initialize(new Shape(1, dim));
                // ... but that was not enough: the first training in a fresh JVM still drew other weights than
                // the next ones with the same seed (outputs 47 % apart, relative). So the weights are drawn here,
                // in Java from the seed, with DJL's default initialisation (Xavier uniform, average fan, magnitude 6;
                // zero biases): the same for a seed whatever the engine's state.
                initialise(linears, new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + 1));
                NDManager manager = trainer.getManager();
                float[] flat = new float[n * dim];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x[i], 0, flat, i * dim, dim);
                }
                NDArray all = manager.create(flat, new Shape(n, dim));
                float[][] velocity = cfg.method() == TrainConfig.Method.SHUTTLE ? new float[n][d] : null;
                ProductQuantizer pq = null;
                int stepsPerEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
                int reportEvery = Math.max(1, cfg.epochs() / 8);
                double simSum = 0, quantSum = 0;
                int steps = 0;
                Progress.Bar bar = progress.bar("training " + cfg.method().label(), cfg.epochs());
                for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                    boolean warm = epoch >= cfg.warmupEpochs();
                    if (warm && (epoch - cfg.warmupEpochs()) % cfg.codebookEvery() == 0) {
                        pq = fitCodebook(outputs(trainer, all, n, d), cfg, cfg.kmeansIterations(), cfg.seed() + epoch);
                        if (velocity != null) {
                            // the pull of the old codewords would otherwise keep acting against the new ones
                            for (float[] v : velocity) {
                                Arrays.fill(v, 0f);
                            }
                        }
                    }
                    float lambda = warm ? cfg.lambda() : 0f;
                    int[] order = permutation(n, random);
                    double epochSim = 0, epochQuant = 0;
                    for (int s = 0; s < stepsPerEpoch; s++) {
                        int[] lBatch = sample(labelled, Math.min(cfg.batchSize(), labelled.length), random);
                        int from = s * cfg.batchSize(), to = Math.min(n, from + cfg.batchSize());
                        int[] aBatch = Arrays.copyOfRange(order, from, to);
                        double[] losses;
                        try (NDManager stepManager = manager.newSubManager()) {
                            losses = cfg.method() == TrainConfig.Method.SHUTTLE
                                ? shuttleStep(trainer, stepManager, x, labels, lBatch, aBatch, velocity, pq, warm, cfg)
                                : lossStep(trainer, stepManager, x, labels, lBatch, aBatch, pq, lambda, cfg);
                        }
                        simSum += losses[0];
                        quantSum += losses[1];
                        epochSim += losses[0];
                        epochQuant += losses[1];
                        steps++;
                    }
                    bar.step();
                    double valFloat = Double.NaN, valPq = Double.NaN;
                    if (validation.length > 0 && selectEvery > 0 && ((epoch + 1) % selectEvery == 0 || epoch + 1 == cfg.epochs())) {
                        float[][] now = outputs(trainer, all, n, d);
                        double[] v = validationMaps(now, labels, validation, trueLabels, fitCodebook(now, cfg, cfg.kmeansIterations(), cfg.seed() + epoch));
                        valFloat = v[0];
                        valPq = v[1];
                    }
                    history.add(new EpochStat(epoch + 1, epochSim / stepsPerEpoch, epochQuant / stepsPerEpoch, valFloat, valPq));
                    if ((epoch + 1) % reportEvery == 0 || epoch + 1 == cfg.epochs()) {
                        String line = String.format(Locale.ROOT, "epoch %3d/%d  λ=%.2f  similarity loss %.4f  quantisation loss %.4f", epoch + 1, cfg.epochs(),
                            lambda, simSum / steps, quantSum / steps);
                        if (validation.length > 0) {
                            line += validationReport(outputs(trainer, all, n, d), labels, validation, trueLabels, pq);
                        }
                        log.add(line);
                        progress.message(line);
                        simSum = quantSum = 0;
                        steps = 0;
                    }
                }
                bar.done();
                float[][] out = outputs(trainer, all, n, d);
                ProductQuantizer finalPq = fitCodebook(out, cfg, 25, cfg.seed());
                Mlp mlp = transform.fold(new Mlp(dim, cfg.hidden(), d, cfg.activation(), array(linears[0], "weight"), array(linears[0], "bias"),
                    array(linears[1], "weight"), array(linears[1], "bias")));
                double seconds = (System.nanoTime() - start) / 1e9;
                double quantError = finalPq.quantizationError(flatten(out), n);
                log.add(String.format(Locale.ROOT, "trained in %.1f s; final codebook on %d outputs: mean squared quantisation error %.4f", seconds, n,
                    quantError));
                int classes = (int) Arrays.stream(labelled).map(i -> labels[i]).distinct().count();
                Collapse collapse = Collapse.detect(history, out, finalPq, quantError, classes);
                for (String c : collapse.criteria()) {
                    String line = "warning: collapse: " + c;
                    log.add(line);
                    progress.message(line);
                }
                return new Result(mlp, finalPq, out, log, seconds, List.copyOf(history), collapse);
            }
        }
    }

    /** DQN / DTQ: similarity loss on the labelled batch + λ · quantisation loss on the batch from all items. */
    private static double[] lossStep(Trainer trainer, NDManager nd, float[][] x, int[] labels, int[] lBatch, int[] aBatch, ProductQuantizer pq,
        float lambda, TrainConfig cfg) {
        NDArray input = rows(nd, x, lBatch, aBatch);
        double sim, quant;
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray u = trainer.forward(new NDList(input)).singletonOrThrow();
            NDArray uL = u.get("0:" + lBatch.length), uA = u.get(lBatch.length + ":");
            int[] y = new int[lBatch.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = labels[lBatch[i]];
            }
            NDArray loss = cfg.method() == TrainConfig.Method.DQN ? Losses.pairwiseCosine(uL, y, cfg.dissimilar(), cfg.balancePairs())
                : Losses.triplet(uL, y, cfg.margin(), cfg.mining());
            sim = loss.getFloat();
            quant = 0;
            if (pq != null) {
                NDArray q = nd.create(reconstruct(pq, uA.toFloatArray(), aBatch.length), uA.getShape());
                NDArray ql = Losses.quantization(uA, q);
                quant = ql.getFloat();
                if (lambda > 0) {
                    loss = loss.add(ql.mul(lambda));
                }
            }
            if (sim == 0 && (pq == null || lambda == 0)) {
                // every triplet of the batch already meets the margin (DTQ on a discriminant input): nothing
                // to step on, and DJL refuses a first step whose gradients are all zero
                return new double[] { sim, quant };
            }
            gc.backward(loss);
        }
        trainer.step();
        return new double[] { sim, quant };
    }

    /**
     * Space-Shuttle: velocities v_i ← μ·v_i + P_i(−η·B·∂L_sim/∂u_i + γ·(c_i − u_i)) (c_i the nearest
     * codeword; γ = 0 during the warm-up; velocities are reset when the codebook is refitted), capped
     * at {@link #MAX_SPEED}, then one step that moves the outputs toward the targets n(u_i + v_i), i.e.
     * back-propagates the update on the outputs. P_i removes the component along u_i: the outputs
     * live on the unit sphere, where a radial push only changes a norm the head normalises away, and
     * with momentum it piles up (most of the similarity gradient is radial while the outputs are alike).
     * Without the projection, the reset and the cap, on the spoken-word collection (docs/evaluation.md)
     * the similarity loss rose from 0.82 to 0.93, the outputs became near-constant (total variance
     * 1.6e-5) and PQ mAP fell to 0.111, below the untrained backbone's 0.159; with them, 0.318 and no
     * collapse criterion fired.
     */
    private static double[] shuttleStep(Trainer trainer, NDManager nd, float[][] x, int[] labels, int[] lBatch, int[] aBatch, float[][] velocity,
        ProductQuantizer pq, boolean warm, TrainConfig cfg) {
        int d = cfg.d(), nl = lBatch.length, b = nl + aBatch.length;
        NDArray input = rows(nd, x, lBatch, aBatch);
        float[] u = trainer.evaluate(new NDList(input)).singletonOrThrow().toFloatArray();
        // propulsion: the similarity loss's gradient with respect to the (labelled) outputs
        float[] grad;
        double sim;
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray uL = nd.create(Arrays.copyOf(u, nl * d), new Shape(nl, d));
            uL.setRequiresGradient(true);
            int[] y = new int[nl];
            for (int i = 0; i < nl; i++) {
                y[i] = labels[lBatch[i]];
            }
            NDArray loss = Losses.pairwiseCosine(uL, y, cfg.dissimilar(), cfg.balancePairs());
            sim = loss.getFloat();
            gc.backward(loss);
            grad = uL.getGradient().toFloatArray();
        }
        float[] recon = pq == null ? null : reconstruct(pq, u, b);
        float[] target = new float[b * d];
        float[] push = new float[d];
        double quant = 0;
        for (int k = 0; k < b; k++) {
            int item = k < nl ? lBatch[k] : aBatch[k - nl];
            float[] v = velocity[item];
            double radial = 0;
            for (int j = 0; j < d; j++) {
                float uj = u[k * d + j], pj = 0;
                if (k < nl) {
                    pj -= cfg.propulsion() * nl * grad[k * d + j];
                }
                if (recon != null) {
                    float pull = recon[k * d + j] - uj;
                    quant += pull * pull;
                    if (warm) {
                        pj += cfg.gravity() * pull;
                    }
                }
                push[j] = pj;
                radial += (double) pj * uj;
            }
            double speed = 0;
            for (int j = 0; j < d; j++) {
                v[j] = cfg.momentum() * v[j] + (float) (push[j] - radial * u[k * d + j]);
                speed += (double) v[j] * v[j];
            }
            float cap = (float) Math.min(1, MAX_SPEED / Math.max(Math.sqrt(speed), Mlp.EPSILON));
            double norm = 0;
            for (int j = 0; j < d; j++) {
                v[j] *= cap;
                target[k * d + j] = u[k * d + j] + v[j];
                norm += (double) target[k * d + j] * target[k * d + j];
            }
            float inv = (float) (1 / Math.max(Math.sqrt(norm), Mlp.EPSILON));
            for (int j = 0; j < d; j++) {
                target[k * d + j] *= inv;
            }
        }
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray out = trainer.forward(new NDList(input)).singletonOrThrow();
            NDArray diff = out.sub(nd.create(target, new Shape(b, d)));
            gc.backward(diff.mul(diff).sum().div((float) b));
        }
        trainer.step();
        return new double[] { sim, quant / b };
    }

    /**
     * Longest Space-Shuttle velocity (tangent to the unit sphere): beyond about one radian a step overshoots
     * the point it aims at, and momentum would carry the output round the sphere.
     */
    static final double MAX_SPEED = 0.5;

    private static String validationReport(float[][] out, int[] labels, int[] validation, int[] trueLabels, ProductQuantizer pq) {
        double[] v = validationMaps(out, labels, validation, trueLabels, pq);
        String line = String.format(Locale.ROOT, "  validation mAP float %.4f", v[0]);
        if (pq != null) {
            line += String.format(Locale.ROOT, ", PQ %.4f", v[1]);
        }
        return line;
    }

    /**
     * Validation mAP, float and through {@code pq} (NaN when null): the validation items query the
     * validation and labelled training items (the others have no label to judge by).
     */
    static double[] validationMaps(float[][] out, int[] labels, int[] validation, int[] trueLabels, ProductQuantizer pq) {
        // validation queries against the validation and labelled training items (the others have no label to judge by)
        int[] db = java.util.stream.IntStream.range(0, out.length).filter(i -> labels[i] >= 0).toArray();
        int[] database = java.util.stream.IntStream.concat(Arrays.stream(db), Arrays.stream(validation)).toArray();
        int[] dbLabels = Arrays.stream(database).map(i -> labels[i] >= 0 ? labels[i] : trueLabels[i]).toArray();
        int[] qLabels = Arrays.stream(validation).map(i -> trueLabels[i]).toArray();
        int[] self = new int[validation.length];
        for (int q = 0; q < validation.length; q++) {
            self[q] = db.length + q;
        }
        RetrievalMetrics f = RetrievalMetrics.compute(qLabels, self, dbLabels, (q, i) -> RetrievalMetrics.dot(out[validation[q]], out[database[i]]));
        double pqMap = Double.NaN;
        if (pq != null) {
            float[][] rec = new float[database.length][];
            for (int i = 0; i < database.length; i++) {
                rec[i] = pq.decode(pq.encode(out[database[i]]));
            }
            RetrievalMetrics p = RetrievalMetrics.compute(qLabels, self, dbLabels, (q, i) -> -RetrievalMetrics.squaredDistance(out[validation[q]], rec[i]));
            pqMap = p.map();
        }
        return new double[] { f.map(), pqMap };
    }

    /** Xavier uniform (average fan, magnitude 6, as DJL's default) weights and zero biases, drawn from {@code random}. */
    static void initialise(Linear[] linears, SplittableRandom random) {
        for (Linear linear : linears) {
            NDArray w = linear.getParameters().get("weight").getArray();
            long out = w.getShape().get(0), in = w.getShape().get(1);
            double scale = Math.sqrt(6.0 / ((in + out) / 2.0));
            float[] values = new float[(int) (out * in)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((2 * random.nextDouble() - 1) * scale);
            }
            w.set(values);
            NDArray b = linear.getParameters().get("bias").getArray();
            b.set(new float[(int) b.getShape().size()]);
        }
    }

    static ProductQuantizer fitCodebook(float[][] unitOutputs, TrainConfig cfg, int iterations, long seed) {
        int n = unitOutputs.length;
        return ProductQuantizer.train(flatten(unitOutputs), n, cfg.d(), cfg.m(), cfg.nbits(), new KMeans.Params(iterations, seed, 65_536, true));
    }

    private static float[][] outputs(Trainer trainer, NDArray all, int n, int d) {
        float[] flat = trainer.evaluate(new NDList(all)).singletonOrThrow().toFloatArray();
        for (float f : flat) {
            if (Float.isFinite(f) == false) {
                throw new NonFiniteOutputsException("the head's outputs are not finite (" + f + "): training diverged");
            }
        }
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }

    private static float[] reconstruct(ProductQuantizer pq, float[] u, int rows) {
        int d = pq.dimension();
        float[] out = new float[u.length];
        byte[] code = new byte[pq.codeSize()];
        for (int i = 0; i < rows; i++) {
            pq.encode(u, i * d, code, 0);
            pq.decode(code, 0, out, i * d);
        }
        return out;
    }

    private static NDArray rows(NDManager nd, float[][] x, int[] first, int[] second) {
        int dim = x[0].length, b = first.length + second.length;
        float[] flat = new float[b * dim];
        for (int k = 0; k < b; k++) {
            System.arraycopy(x[k < first.length ? first[k] : second[k - first.length]], 0, flat, k * dim, dim);
        }
        return nd.create(flat, new Shape(b, dim));
    }

    private static float[] array(Linear linear, String name) {
        return linear.getParameters().get(name).getArray().toFloatArray();
    }

    static float[] flatten(float[][] v) {
        int d = v[0].length;
        float[] flat = new float[v.length * d];
        for (int i = 0; i < v.length; i++) {
            System.arraycopy(v[i], 0, flat, i * d, d);
        }
        return flat;
    }

    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** {@code k} distinct items of {@code from}, uniformly. */
    private static int[] sample(int[] from, int k, SplittableRandom random) {
        int[] p = permutation(from.length, random);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = from[p[i]];
        }
        return out;
    }
}
