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
