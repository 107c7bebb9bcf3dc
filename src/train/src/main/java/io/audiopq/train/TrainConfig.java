package io.audiopq.train;

import java.util.Locale;

/**
 * What and how to train. Defaults ({@link #defaults()}): the head's shape and schedule were measured on
 * ESC-10 with mn04; the input ({@link Input#LDA}), pair balance and DTQ's margin 2.0 with mining ALL were
 * chosen on the spoken-word development collection only (docs/evaluation.md), and ESC-10 was only checked
 * against; every field can be set from the command line.
 *
 * @param method          DQN (pairwise cosine loss), DTQ (triplet loss) or SHUTTLE (Space-Shuttle)
 * @param hidden          hidden units of the MLP head
 * @param d               output dimension; must be divisible by {@code m}
 * @param activation      hidden activation
 * @param m               PQ sub-quantisers M (a code is M bytes at 8 bits)
 * @param nbits           bits per sub-quantiser code (8: 256 codewords)
 * @param lambda          weight of the quantisation loss after the warm-up
 * @param epochs          passes over all (labelled and unlabelled) items
 * @param warmupEpochs    first epochs with λ = 0 (no quantisation loss, no Space-Shuttle gravity)
 * @param batchSize       labelled items per step for the similarity loss, and as many items from
 *                        all for the quantisation loss
 * @param learningRate    Adam learning rate
 * @param weightDecay     Adam weight decay (L2)
 * @param dissimilar      DQN target cosine s_ij of a dissimilar pair (similar pairs: 1)
 * @param balancePairs    DQN and Space-Shuttle: similar and dissimilar pairs carry half of the pairwise loss each
 *                        ({@link Losses#pairwiseCosine}); false: every pair weighs the same
 * @param margin          DTQ hinge margin on squared distances between unit vectors (in [0, 4]); 2 asks a negative to be
 *                        orthogonal to the anchor when the positive coincides with it, DQN's target for a dissimilar pair
 * @param mining          DTQ triplet mining within a batch
 * @param momentum        Space-Shuttle: momentum of the output velocities
 * @param propulsion      Space-Shuttle: step of the similarity-loss gradient on the velocities
 * @param gravity         Space-Shuttle: pull of the nearest codeword on the velocities
 * @param codebookEvery   refit the PQ codebook on all outputs every this many epochs
 * @param kmeansIterations k-means iterations of each refit (the final codebook gets 25)
 * @param seed            seed for initialisation, sampling and k-means
 * @param input           what the head is trained on: the unit embedding, or it centred and standardised or whitened on the training
 *                        items ({@link InputTransform}, folded into the first layer afterwards)
 */
public record TrainConfig(
    Method method,
    int hidden,
    int d,
    Activation activation,
    int m,
    int nbits,
    float lambda,
    int epochs,
    int warmupEpochs,
    int batchSize,
    float learningRate,
    float weightDecay,
    float dissimilar,
    boolean balancePairs,
    float margin,
    Mining mining,
    float momentum,
    float propulsion,
    float gravity,
    int codebookEvery,
    int kmeansIterations,
    long seed,
    Input input
) {

    public enum Method {
        DQN, DTQ, SHUTTLE;

        public String label() {
            return switch (this) {
                case DQN -> "DQN";
                case DTQ -> "DTQ";
                case SHUTTLE -> "Space-Shuttle";
            };
        }
    }

    public enum Activation { RELU, TANH }

    /** The head's input during training ({@link InputTransform}); every one exports the same head shape. */
    public enum Input { UNIT, STANDARDISED, WHITENED, WITHIN_CLASS, LDA, LDA_UNIT }

    /** Kak &amp; Bouman's batch strategies: every valid triplet, the hardest positive and negative per anchor, or semi-hard negatives. */
    public enum Mining { ALL, HARD, SEMIHARD }

    public TrainConfig {
        check(hidden >= 1, "hidden", hidden);
        check(d >= 1, "d", d);
        check(m >= 1 && d % m == 0, "m (must divide d=" + d + ")", m);
        check(nbits == 4 || nbits == 8, "nbits (4 or 8)", nbits);
        check(lambda >= 0, "lambda", lambda);
        check(epochs >= 1, "epochs", epochs);
        check(warmupEpochs >= 0 && warmupEpochs < epochs, "warmup epochs (0 .. epochs-1)", warmupEpochs);
        check(batchSize >= 2, "batch size", batchSize);
        check(learningRate > 0, "learning rate", learningRate);
        check(weightDecay >= 0, "weight decay", weightDecay);
        check(margin >= 0, "margin", margin);
        check(momentum >= 0 && momentum < 1, "momentum ([0, 1))", momentum);
        check(codebookEvery >= 1, "codebook-every", codebookEvery);
        check(kmeansIterations >= 1, "k-means iterations", kmeansIterations);
    }

    private static void check(boolean ok, String name, Object value) {
        if (ok == false) {
            throw new IllegalArgumentException("invalid " + name + ": " + value);
        }
    }

    public static TrainConfig defaults() {
        return new TrainConfig(Method.DQN, 256, 48, Activation.RELU, 4, 8, 1.0f, 80, 20, 64, 1e-3f, 1e-4f, 0f, true, 2.0f, Mining.ALL, 0.9f, 0.5f,
            0.1f, 1, 8, 42L, Input.LDA);
    }

    public TrainConfig withMethod(Method v) {
        return new TrainConfig(v, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withM(int v) {
        return new TrainConfig(method, hidden, d, activation, v, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, v, input);
    }

    public TrainConfig withLambda(float v) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, v, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withEpochs(int v, int warmup) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, v, warmup, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withShape(int newHidden, int newD, Activation newActivation) {
        return new TrainConfig(method, newHidden, newD, newActivation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay,
            dissimilar, balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withOptimizer(int newBatch, float lr, float wd) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, newBatch, lr, wd, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withTriplet(float newMargin, Mining newMining) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, newMargin, newMining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withShuttle(float newMomentum, float newPropulsion, float newGravity) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, newMomentum, newPropulsion, newGravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withDissimilar(float v) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, v,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withBalancePairs(boolean v) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar, v,
            margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, input);
    }

    public TrainConfig withInput(Input v) {
        return new TrainConfig(method, hidden, d, activation, m, nbits, lambda, epochs, warmupEpochs, batchSize, learningRate, weightDecay, dissimilar,
            balancePairs, margin, mining, momentum, propulsion, gravity, codebookEvery, kmeansIterations, seed, v);
    }

    /** Bits of one code: M × nbits. */
    public int codeBits() {
        return m * nbits;
    }

    public String summary() {
        String extra = switch (method) {
            case DQN -> String.format(Locale.ROOT, "s_dissimilar=%.2f%s", dissimilar, balancePairs ? " balanced pairs" : "");
            case DTQ -> String.format(Locale.ROOT, "margin=%.2f mining=%s", margin, mining.name().toLowerCase(Locale.ROOT));
            case SHUTTLE -> String.format(Locale.ROOT, "momentum=%.2f propulsion=%.2f gravity=%.2f%s", momentum, propulsion, gravity,
                balancePairs ? " balanced pairs" : "");
        };
        return String.format(Locale.ROOT,
            "%s head D→%d→%d (%s, L2-normalised in and out%s), PQ M=%d×%d bits, λ=%.2f after %d warm-up epochs, %d epochs, batch %d, Adam lr=%g wd=%g, %s, seed %d",
            method.label(), hidden, d, activation.name().toLowerCase(Locale.ROOT),
            switch (input) {
                case UNIT -> "";
                case STANDARDISED -> ", trained on the input standardised";
                case WHITENED -> ", trained on the input whitened";
                case WITHIN_CLASS -> ", trained on the input whitened by the labelled items' within-class scatter";
                case LDA -> ", trained on the input's LDA subspace of the labelled items";
                case LDA_UNIT -> ", trained on the input's LDA subspace of the labelled items beside the centred unit embedding";
            }, m, nbits, lambda, warmupEpochs, epochs, batchSize, learningRate,
            weightDecay, extra, seed);
    }
}
