package io.audiopq.train;

import io.audiopq.tools.RetrievalMetrics;

import java.util.Arrays;
import java.util.Locale;

/**
 * The retrieval figures a trained bundle ships with: every item querying all others (the seed's
 * protocol, which the real-node check reproduces through {@code pq_knn}) and, when a fold was held
 * out, its items querying each other.
 *
 * @param all     backbone float, head float, head PQ over all items
 * @param heldOut the same over the held-out fold's items only, or null
 */
record Figures(RetrievalMetrics[] all, RetrievalMetrics[] heldOut) {

    static final String[] ROWS = { "backbone, float (cosine)", "head, float (cosine)", "head, PQ (float query, L2 ADC)" };

    /**
     * @param validation  held-out items (may be empty)
     * @param unitOutputs the head's (L2-normalised) outputs of every item
     * @param decoded     their PQ reconstructions
     */
    static Figures measure(Dataset ds, int[] validation, float[][] unitOutputs, float[][] decoded) {
        float[][] backbone = Evaluation.unit(ds.vectors());
        RetrievalMetrics[] all = {
            RetrievalMetrics.leaveOneOutCosine(backbone, ds.labels()),
            RetrievalMetrics.leaveOneOutCosine(unitOutputs, ds.labels()),
            RetrievalMetrics.leaveOneOutAdc(unitOutputs, decoded, ds.labels()) };
        if (validation.length == 0) {
            return new Figures(all, null);
        }
        int[] labels = Arrays.stream(validation).map(i -> ds.labels()[i]).toArray();
        RetrievalMetrics[] heldOut = {
            RetrievalMetrics.leaveOneOutCosine(pick(backbone, validation), labels),
            RetrievalMetrics.leaveOneOutCosine(pick(unitOutputs, validation), labels),
            RetrievalMetrics.leaveOneOutAdc(pick(unitOutputs, validation), pick(decoded, validation), labels) };
        return new Figures(all, heldOut);
    }

    private static float[][] pick(float[][] v, int[] rows) {
        return Arrays.stream(rows).mapToObj(i -> v[i]).toArray(float[][]::new);
    }

    String markdown(int codeBits, String validationFold) {
        StringBuilder s = new StringBuilder();
        s.append("**Measured**, every item querying all others (the items include the labelled training items: the seed's transductive protocol).\n")
            .append("`evaluate.sh` gives held-out folds and spreads over repeats.\n\n");
        table(s, all, codeBits);
        if (heldOut != null) {
            s.append("\n**Held out**: the items of fold ").append(validationFold)
                .append(" query each other (never trained on; their outputs did feed the codebook, without labels).\n\n");
            table(s, heldOut, codeBits);
        }
        return s.toString();
    }

    private static void table(StringBuilder s, RetrievalMetrics[] rows, int codeBits) {
        s.append(String.format(Locale.ROOT, "| embedding (%d queries) | mAP | mAP@10 | P@10 |%n| --- | ---: | ---: | ---: |%n", rows[0].queries()));
        for (int i = 0; i < rows.length; i++) {
            String label = i == 2 ? ROWS[i].replace("PQ", "PQ " + codeBits + " bits") : ROWS[i];
            s.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f |%n", label, rows[i].map(), rows[i].mapAt(10), rows[i].precisionAt(10)));
        }
    }

    /** What the real-node check compares against: mAP over all items for the backbone, the float head and its PQ codes. */
    String toJson(String bundle, String checksum, int codeBits) {
        return String.format(Locale.ROOT, """
            {"bundle": "%s", "checksum": "%s", "items": %d, "code_bits": %d,
             "backbone_float_map": %.6f, "head_float_map": %.6f, "head_pq_map": %.6f}
            """, bundle, checksum, all[0].queries(), codeBits, all[0].map(), all[1].map(), all[2].map());
    }
}
