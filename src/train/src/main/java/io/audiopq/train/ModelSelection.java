package io.audiopq.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Honest model selection and the collapse check around {@link HeadTrainer}: an inner validation
 * split is carved from the <em>training</em> labels ({@link Splits#innerValidation}; never an
 * evaluation fold), a first training with those items unlabelled measures their validation mAP
 * every few epochs, the best epoch is chosen on it, and the head is trained again on all the
 * training labels for that many epochs (so the 10 % of labels are not cut further for the shipped
 * head). The chosen epoch's validation mAP is also compared with the untrained backbone's on the
 * same split ({@link Collapse#belowBackbone}).
 *
 * <p>The score is the validation mAP through a codebook refitted on the outputs (what is shipped is
 * quantised), averaged over {@link #SMOOTHING} neighbouring measurements since the split is small;
 * among equal scores the later epoch wins (the configured schedule unless the data says otherwise).
 */
public final class ModelSelection {

    /** Share of each class's labelled items held out for selection. */
    public static final double INNER_FRACTION = 0.25;
    /** Validation measurements per training. */
    public static final int MEASUREMENTS = 20;
    /** Neighbouring measurements averaged into one score. */
    public static final int SMOOTHING = 3;

    /**
     * @param result          the head to use
     * @param chosenEpoch     the epochs it was trained for (the configured number when nothing was selected)
     * @param configuredEpochs the configured number of epochs
     * @param validationItems items of the inner validation split (0: no selection, too few labels)
     * @param headMap         the chosen epoch's float validation mAP on the inner split (NaN without one)
     * @param headPqMap       the chosen epoch's selection score (smoothed PQ validation mAP; NaN without one)
     * @param backboneMap     the untrained backbone's float validation mAP on the same split (NaN without one)
     * @param collapse        every collapse criterion that fired (final training, and the validation criterion)
     */
    public record Selected(HeadTrainer.Result result, int chosenEpoch, int configuredEpochs, int validationItems, double headMap, double headPqMap,
        double backboneMap, Collapse collapse) {

        /** One line for a log, a report or a model card. */
        public String summary() {
            if (validationItems == 0) {
                return String.format(Locale.ROOT, "no model selection (too few labels for an inner validation split): %d epochs as configured",
                    configuredEpochs);
            }
            return String.format(Locale.ROOT,
                "epoch %d of %d chosen on an inner validation split of %d labelled training items (PQ mAP %.4f; float %.4f vs untrained backbone %.4f); "
                    + "then trained on all the training labels for %d epochs",
                chosenEpoch, configuredEpochs, validationItems, headPqMap, headMap, backboneMap, chosenEpoch);
        }
    }

    private ModelSelection() {}

    /**
     * @param x          raw backbone embeddings
     * @param labels     training labels (-1: unlabelled)
     * @param validation items of an outer validation fold, only reported on (unlabelled in {@code labels}); may be empty
     * @param trueLabels labels of the outer validation items; may be null when {@code validation} is empty
     */
    public static Selected train(float[][] x, int[] labels, int[] validation, int[] trueLabels, TrainConfig cfg, Progress progress) {
        int[] inner = Splits.innerValidation(labels, INNER_FRACTION, cfg.seed());
        int[] innerLabels = inner.length == 0 ? null : Arrays.stream(inner).map(i -> labels[i]).toArray();
        boolean usable = inner.length >= 2 && innerLabels != null && Arrays.stream(innerLabels).distinct().count() >= 2;
        if (usable == false) {
            progress.message("no inner validation split (too few labels per class): no model selection, no validation collapse criterion");
            HeadTrainer.Result r = HeadTrainer.train(x, labels, validation, trueLabels, cfg, progress);
            return new Selected(r, cfg.epochs(), cfg.epochs(), 0, Double.NaN, Double.NaN, Double.NaN, r.collapse());
        }
        int[] reduced = labels.clone();
        for (int i : inner) {
            reduced[i] = -1;
        }
        int every = Math.max(1, cfg.epochs() / MEASUREMENTS);
        progress.message(String.format(Locale.ROOT, "model selection: %d of %d labelled items held out as an inner validation split", inner.length,
            Splits.labelled(labels).length));
        HeadTrainer.Result probe = HeadTrainer.train(x, reduced, inner, labels, cfg, Progress.silent(), every);
        List<HeadTrainer.EpochStat> measured = probe.history().stream().filter(e -> Double.isNaN(e.validationPq()) == false).toList();
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < measured.size(); k++) {
            int from = Math.max(0, k - SMOOTHING / 2), to = Math.min(measured.size(), k + SMOOTHING / 2 + 1);
            double score = measured.subList(from, to).stream().mapToDouble(HeadTrainer.EpochStat::validationPq).average().orElse(Double.NaN);
            if (score >= bestScore) {
                bestScore = score;
                best = k;
            }
        }
        HeadTrainer.EpochStat chosen = measured.get(best);
        float[][] unit = Evaluation.unit(x);
        double backbone = HeadTrainer.validationMaps(unit, reduced, inner, labels, null)[0];
        List<String> below = Collapse.belowBackbone(chosen.validationFloat(), backbone, inner.length);
        int epochs = chosen.epoch();
        TrainConfig finalCfg = cfg.withEpochs(epochs, Math.min(cfg.warmupEpochs(), epochs - 1));
        progress.message(String.format(Locale.ROOT, "model selection: epoch %d of %d (inner validation PQ mAP %.4f, float %.4f; untrained backbone %.4f)",
            epochs, cfg.epochs(), bestScore, chosen.validationFloat(), backbone));
        for (String b : below) {
            progress.message("warning: collapse: " + b);
        }
        HeadTrainer.Result r = HeadTrainer.train(x, labels, validation, trueLabels, finalCfg, progress);
        return new Selected(r, epochs, cfg.epochs(), inner.length, chosen.validationFloat(), bestScore, backbone, r.collapse().with(below));
    }
}
