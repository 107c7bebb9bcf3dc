package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;

/**
 * How a Lucene {@link VectorSimilarityFunction} maps onto PQ: which ADC {@link Metric} the table
 * uses, how vectors are prepared before encoding or table building, and how an ADC value becomes a
 * score. Scores follow {@link VectorSimilarityFunction#compare} exactly, with the decoded vector in
 * place of the stored one: EUCLIDEAN {@code 1/(1+d²)}, DOT_PRODUCT and COSINE {@code max((1+x)/2, 0)},
 * MAXIMUM_INNER_PRODUCT {@link VectorUtil#scaleMaxInnerProductScore}. That keeps PQ scores on the
 * same scale as Lucene's own kNN scores, so blending them with BM25 behaves the same way.
 */
public final class PqSimilarity {

    private PqSimilarity() {}

    /** The ADC metric for {@code similarity}: L2 for EUCLIDEAN, inner product otherwise. */
    public static Metric metric(VectorSimilarityFunction similarity) {
        return similarity == VectorSimilarityFunction.EUCLIDEAN ? Metric.L2 : Metric.INNER_PRODUCT;
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

    /** Turns an ADC value (squared distance or dot product) into the score Lucene would report. */
    public static float score(VectorSimilarityFunction similarity, float adc) {
        return switch (similarity) {
            case EUCLIDEAN -> VectorUtil.normalizeDistanceToUnitInterval(Math.max(adc, 0f));
            case DOT_PRODUCT, COSINE -> VectorUtil.normalizeToUnitInterval(adc);
            case MAXIMUM_INNER_PRODUCT -> VectorUtil.scaleMaxInnerProductScore(adc);
        };
    }

    /** Whether {@code table} was built for {@code similarity}'s metric. */
    static void checkTable(String field, VectorSimilarityFunction similarity, AdcTable table, ProductQuantizer quantizer) {
        if (table.metric() != metric(similarity)) {
            throw new IllegalArgumentException(
                "ADC table for field [" + field + "] uses metric " + table.metric() + ", the field's similarity "
                    + similarity + " needs " + metric(similarity)
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
