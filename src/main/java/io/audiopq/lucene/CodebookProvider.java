package io.audiopq.lucene;

import io.audiopq.quantization.ProductQuantizer;
import org.apache.lucene.index.FieldInfo;

/**
 * Supplies the PQ codebook a field is encoded with. A fixed, offline-trained codebook makes codes
 * comparable across segments (one ADC table per query serves every segment); {@code null} asks the
 * format to train a codebook per segment from the segment's own vectors.
 *
 * <p>For {@link org.apache.lucene.index.VectorSimilarityFunction#COSINE} fields the format encodes
 * L2-normalised vectors, so a supplied codebook should have been trained on normalised vectors.
 */
@FunctionalInterface
public interface CodebookProvider {

    /** Never supplies a codebook: every segment trains its own. */
    CodebookProvider PER_SEGMENT = field -> null;

    /**
     * @return the codebook for {@code field} (its dimension must equal the field's), or
     *     {@code null} to train one per segment
     */
    ProductQuantizer codebookFor(FieldInfo field);

    /** Supplies {@code quantizer} for every field. */
    static CodebookProvider fixed(ProductQuantizer quantizer) {
        java.util.Objects.requireNonNull(quantizer, "quantizer");
        return field -> quantizer;
    }
}
