package io.audiopq.train;

import io.audiopq.quantization.ProductQuantizer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a training's figures say about a collapse: a head whose outputs (or codes) degenerated, so
 * that quantised retrieval is poor even though the quantisation error looks perfect. Seen with
 * Space-Shuttle on a spoken-digit set: the similarity loss stayed at 0.88–0.90 (what identical
 * outputs give with 10 classes and s_dissimilar = 0: ~0.9 of the pairs are dissimilar at cosine 1),
 * the final quantisation error was 0.0000, and mAP fell below the untrained backbone's. The
 * criteria, each reported with its figures:
 * <ul>
 *   <li><b>flat similarity loss</b>: the mean of the last {@link #window} epochs ≥
 *       {@link #FLAT_RATIO} × the mean of the first (the loss did not fall);</li>
 *   <li><b>vanishing quantisation error with a flat similarity loss</b>: final error &lt;
 *       {@link #ZERO_QUANT_ERROR} while the loss is flat (the outputs sit on few codewords without
 *       having learnt anything);</li>
 *   <li><b>near-constant outputs</b>: total variance of the unit outputs (sum over dimensions) &lt;
 *       {@link #MIN_TOTAL_VARIANCE} (healthy heads spread their unit outputs with a total variance of
 *       the order of 0.5–1);</li>
 *   <li><b>few distinct codes</b>: fewer distinct PQ codes over all items than labelled classes (at
 *       least two classes then share every code);</li>
 *   <li><b>below the backbone</b> (needs an inner validation split, see {@link ModelSelection}): the
 *       trained head's float validation mAP below the untrained backbone's on the same split by more
 *       than {@link #VALIDATION_MARGIN}, on a split of at least {@link #MIN_VALIDATION_ITEMS} items.</li>
 * </ul>
 *
 * @param criteria the criteria that fired, each with its figures; empty: no collapse
 */
public record Collapse(List<String> criteria) {

    public static final double FLAT_RATIO = 0.95;
    public static final double ZERO_QUANT_ERROR = 1e-4;
    public static final double MIN_TOTAL_VARIANCE = 0.01;
    public static final double VALIDATION_MARGIN = 0.02;
    /**
     * Fewest inner validation items for the below-the-backbone criterion to fire. With ESC-10 at 10 %
     * labels the split has 10 items (one per class), where the mAP of a head moves by more than the
     * margin from one label draw to the next: the criterion refused healthy heads of every method in
     * 3 of 8 runs (issue 15). The spoken-word set at 10 % labels gives ~24.
     */
    public static final int MIN_VALIDATION_ITEMS = 20;

    public Collapse {
        criteria = List.copyOf(criteria);
    }

    public static Collapse none() {
        return new Collapse(List.of());
    }

    public boolean collapsed() {
        return criteria.isEmpty() == false;
    }

    /** This diagnosis with {@code more} criteria. */
    public Collapse with(List<String> more) {
        List<String> all = new ArrayList<>(criteria);
        all.addAll(more);
        return new Collapse(all);
    }

    /** Epochs averaged at each end of the loss curve: a tenth of them, at least 1. */
    static int window(int epochs) {
        return Math.max(1, (int) Math.round(epochs / 10.0));
    }

    /**
     * The criteria that need no validation split.
     *
     * @param history        per-epoch losses (at least 2 epochs for the loss criteria)
     * @param unitOutputs    the head's outputs of every training item
     * @param pq             the final codebook
     * @param quantError     the final mean squared quantisation error
     * @param labelledClasses classes among the labelled items
     */
    public static Collapse detect(List<HeadTrainer.EpochStat> history, float[][] unitOutputs, ProductQuantizer pq, double quantError, int labelledClasses) {
        List<String> fired = new ArrayList<>();
        boolean flat = false;
        if (history.size() >= 2) {
            int w = Math.min(window(history.size()), history.size() / 2);
            double first = history.subList(0, w).stream().mapToDouble(HeadTrainer.EpochStat::similarity).average().orElse(0);
            double last = history.subList(history.size() - w, history.size()).stream().mapToDouble(HeadTrainer.EpochStat::similarity).average().orElse(0);
            // a loss that is ~0 from the start is an easy task, not a collapse
            if (first > 1e-3 && last >= FLAT_RATIO * first) {
                flat = true;
                fired.add(String.format(Locale.ROOT, "flat similarity loss: mean %.4f over the last %d epochs vs %.4f over the first %d (≥ %.2f ×)", last, w,
                    first, w, FLAT_RATIO));
            }
        }
        if (flat && quantError < ZERO_QUANT_ERROR) {
            fired.add(String.format(Locale.ROOT, "quantisation error %.2e (< %.0e) with a flat similarity loss: outputs sit on codewords without having learnt",
                quantError, ZERO_QUANT_ERROR));
        }
        double variance = totalVariance(unitOutputs);
        if (variance < MIN_TOTAL_VARIANCE) {
            fired.add(String.format(Locale.ROOT, "near-constant outputs: total variance %.2e over %d dimensions (mean per dimension %.2e; < %.2f in total)",
                variance, unitOutputs[0].length, variance / unitOutputs[0].length, MIN_TOTAL_VARIANCE));
        }
        int codes = distinctCodes(pq, unitOutputs);
        if (codes < labelledClasses) {
            fired.add(String.format(Locale.ROOT, "few distinct PQ codes: %d over %d items, fewer than the %d labelled classes", codes, unitOutputs.length,
                labelledClasses));
        }
        return new Collapse(fired);
    }

    /** The below-the-backbone criterion: empty when it does not fire. */
    public static List<String> belowBackbone(double headValidationMap, double backboneValidationMap, int validationItems) {
        if (validationItems >= MIN_VALIDATION_ITEMS && headValidationMap < backboneValidationMap - VALIDATION_MARGIN) {
            return List.of(String.format(Locale.ROOT,
                "trained head below the untrained backbone on the inner validation split (%d items): mAP %.4f vs %.4f (margin %.2f)", validationItems,
                headValidationMap, backboneValidationMap, VALIDATION_MARGIN));
        }
        return List.of();
    }

    /** Sum over dimensions of the variance of the vectors. */
    static double totalVariance(float[][] v) {
        int n = v.length, d = v[0].length;
        double total = 0;
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (float[] row : v) {
                mean += row[j];
            }
            mean /= n;
            double var = 0;
            for (float[] row : v) {
                double e = row[j] - mean;
                var += e * e;
            }
            total += var / n;
        }
        return total;
    }

    static int distinctCodes(ProductQuantizer pq, float[][] v) {
        Set<ByteBuffer> codes = new HashSet<>();
        for (float[] row : v) {
            codes.add(ByteBuffer.wrap(pq.encode(row)));
        }
        return codes.size();
    }

    /** One line per criterion, for a log or a refusal. */
    public String describe() {
        return collapsed() ? String.join("\n", criteria.stream().map(c -> "  - " + c).toList()) : "no collapse detected";
    }
}
