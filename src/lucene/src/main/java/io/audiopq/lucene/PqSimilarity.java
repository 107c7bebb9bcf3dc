package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;

/**
 * How a Lucene {@link VectorSimilarityFunction} maps onto PQ: which ADC {@link Metric} the table
 * uses, how vectors are prepared before encoding or table building, and how an ADC value becomes a
 * score on the scale of {@link VectorSimilarityFunction#compare}, so that PQ scores blend with BM25
 * exactly as Lucene's own kNN scores do:
 * <ul>
 *   <li>EUCLIDEAN: L2 table, {@code 1/(1+d²)}.</li>
 *   <li>COSINE and DOT_PRODUCT: both sides are unit vectors (COSINE normalises them here,
 *       DOT_PRODUCT requires it, as in Lucene), so {@code cos = 1 - d²/2} and the score
 *       {@code (1+cos)/2 = 1 - d²/4}. The cosine is estimated from an <em>L2</em> table on purpose:
 *       for the near neighbours that matter, the L2 estimate's error is second order in the
 *       quantisation error (it accounts for the decoded vector's norm), whereas a dot-product
 *       table's is first order; on clustered unit vectors this lifts ADC recall@10 markedly.</li>
 *   <li>MAXIMUM_INNER_PRODUCT: inner-product table, {@link VectorUtil#scaleMaxInnerProductScore}.</li>
 * </ul>
 */
public final class PqSimilarity {

    private PqSimilarity() {}

    /** The ADC metric for {@code similarity}: inner product for MAXIMUM_INNER_PRODUCT, L2 otherwise (see the class doc). */
    public static Metric metric(VectorSimilarityFunction similarity) {
        return similarity == VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT ? Metric.INNER_PRODUCT : Metric.L2;
    }

    /**
     * The vector as the quantiser sees it: a normalised copy for COSINE (stored vectors are
     * normalised before encoding, queries before building tables), {@code v} itself otherwise.
     * A zero vector stays zero rather than failing.
     */
    public static float[] prepare(VectorSimilarityFunction similarity, float[] v) {
        if (similarity == VectorSimilarityFunction.COSINE) {
            return VectorUtil.l2normalize(v.clone(), false);
        }
        return v;
    }

    /** Builds the ADC table of {@code query} against {@code quantizer}, prepared for {@code similarity}. */
    public static AdcTable adcTable(ProductQuantizer quantizer, VectorSimilarityFunction similarity, float[] query) {
        return quantizer.adcTable(prepare(similarity, query), metric(similarity));
    }

    /**
     * Turns an ADC value from a {@link #metric}{@code (similarity)} table (a squared distance, or a
     * dot product for MAXIMUM_INNER_PRODUCT) into the score Lucene would report.
     */
    public static float score(VectorSimilarityFunction similarity, float adc) {
        return switch (similarity) {
            case EUCLIDEAN -> VectorUtil.normalizeDistanceToUnitInterval(Math.max(adc, 0f));
            // unit vectors: cos = 1 - d²/2, so (1 + cos) / 2 = 1 - d²/4
            case DOT_PRODUCT, COSINE -> VectorUtil.normalizeToUnitInterval(1f - adc / 2f);
            case MAXIMUM_INNER_PRODUCT -> VectorUtil.scaleMaxInnerProductScore(adc);
        };
    }

    /**
     * Relative slack of {@link #adcBound}: far above the rounding of {@link #score} and of its
     * inverse (a few ulps, ~1e-7 relative), so that the bound never rejects a value whose score
     * could still reach {@code minScore}.
     */
    private static final double BOUND_SLACK = 1e-5;

    /**
     * A cheap pre-test for heap insertion in ADC units: every ADC value worse than the returned
     * bound (greater for an L2 {@link #metric}, smaller for inner product) has a {@link #score}
     * strictly below {@code minScore}, so a scan can skip it without converting it to a score.
     * Values within the bound may or may not be competitive: they go through the exact test.
     * Returns the loosest bound (+∞ for L2, −∞ for inner product) when {@code minScore} rules
     * nothing out (not positive, infinite or NaN).
     */
    public static float adcBound(VectorSimilarityFunction similarity, float minScore) {
        boolean l2 = metric(similarity) == Metric.L2;
        float none = l2 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        if ((minScore > 0f) == false || Float.isInfinite(minScore)) {
            return none;
        }
        double s = minScore;
        return switch (similarity) {
            // s = 1 / (1 + d): d = 1/s - 1
            case EUCLIDEAN -> (float) ((1 / s - 1) + BOUND_SLACK * (1 / s));
            // s = 1 - d/4 (clamped at 0): d = 4 (1 - s)
            case DOT_PRODUCT, COSINE -> (float) (4 * (1 - s) + BOUND_SLACK * (1 + 4 * Math.abs(1 - s)));
            // s = ip < 0 ? 1 / (1 - ip) : 1 + ip
            case MAXIMUM_INNER_PRODUCT -> {
                double ip = s >= 1 ? s - 1 : 1 - 1 / s;
                yield (float) (ip - BOUND_SLACK * (1 + Math.abs(ip)));
            }
        };
    }

    /** Whether {@code table} was built with {@code expected} (the field's table metric, see {@link PqFieldEntry#tableMetric}) and the codebook's shape. */
    static void checkTable(String field, Metric expected, VectorSimilarityFunction similarity, AdcTable table, ProductQuantizer quantizer) {
        if (table.metric() != expected) {
            throw new IllegalArgumentException(
                "ADC table for field [" + field + "] uses metric " + table.metric() + ", the field's similarity "
                    + similarity + " needs " + expected + " in this segment"
            );
        }
        if (table.m() != quantizer.m() || table.ksub() != quantizer.ksub()) {
            throw new IllegalArgumentException(
                "ADC table for field [" + field + "] has M=" + table.m() + " ksub=" + table.ksub()
                    + ", the segment's codebook " + quantizer.id() + " has M=" + quantizer.m() + " ksub=" + quantizer.ksub()
            );
        }
    }
}
