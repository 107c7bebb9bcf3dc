package io.audiopq.lucene;

import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;
import java.util.Objects;
import org.apache.lucene.index.FieldInfo;

/**
 * Supplies the PQ codebook a field is encoded with, and optionally a whole IVF-PQ model. A fixed,
 * offline-trained codebook makes codes comparable across segments (one ADC table per query serves
 * every segment); {@code null} asks the format to train a codebook per segment from the segment's
 * own vectors.
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

    /**
     * An IVF-PQ model for {@code field}: when not null, every segment is written with its inverted
     * lists and its product quantiser (whatever {@link #codebookFor} and
     * {@link PqFormatConfig#nlist()} say), at any segment size. {@code null} (the default) leaves
     * IVF to {@link PqFormatConfig#nlist()}: per-segment coarse quantisers.
     */
    default IvfPqQuantizer ivfFor(FieldInfo field) {
        return null;
    }

    /** Supplies {@code quantizer} for every field. */
    static CodebookProvider fixed(ProductQuantizer quantizer) {
        Objects.requireNonNull(quantizer, "quantizer");
        return field -> quantizer;
    }

    /** Supplies the IVF-PQ model {@code ivf} (and its product quantiser as the codebook) for every field. */
    static CodebookProvider fixedIvf(IvfPqQuantizer ivf) {
        Objects.requireNonNull(ivf, "ivf");
        return new CodebookProvider() {
            @Override
            public ProductQuantizer codebookFor(FieldInfo field) {
                return ivf.pq();
            }

            @Override
            public IvfPqQuantizer ivfFor(FieldInfo field) {
                return ivf;
            }
        };
    }
}
