package io.audiopq.elasticsearch.mapper;

import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.elasticsearch.index.mapper.SourceLoader;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a {@code pq_vector} back into {@code _source} from the raw float vectors its format stores
 * (under the child {@code <field>.pq}), for indices that leave vectors out of the stored
 * {@code _source} ({@code index.mapping.exclude_source_vectors}).
 *
 * <p>What {@code dense_vector}'s own loader does, which Elasticsearch keeps package-private: read
 * the vector of the document and, where the child normalised it for {@code cosine}, multiply by the
 * magnitude it kept in {@code <field>.pq._magnitude}. The patch goes to the parent's path, where the
 * vector was sent, not to the child's.
 */
final class RawVectorsSourceLoader implements SourceLoader.SyntheticVectorsLoader {

    /** Where the vector belongs in {@code _source} (the {@code pq_vector} field's full path). */
    private final String sourcePath;
    /** The child {@code dense_vector} whose vectors format holds the raw vectors. */
    private final String vectorField;

    RawVectorsSourceLoader(String sourcePath, String vectorField) {
        this.sourcePath = sourcePath;
        this.vectorField = vectorField;
    }

    @Override
    public Leaf leaf(LeafReaderContext context) throws IOException {
        LeafReader reader = context.reader();
        FloatVectorValues vectors = reader.getFloatVectorValues(vectorField);
        if (vectors == null) {
            return (doc, patches) -> {};
        }
        KnnVectorValues.DocIndexIterator iterator = vectors.iterator();
        // Only documents whose cosine vector was not unit-length have one.
        NumericDocValues magnitudes = reader.getNumericDocValues(vectorField + DenseVectorFieldMapper.COSINE_MAGNITUDE_FIELD_SUFFIX);
        return (doc, patches) -> {
            // Callers visit a leaf's documents in increasing order, as for any doc values.
            if (iterator.docID() > doc || (iterator.docID() != doc && iterator.advance(doc) != doc)) {
                return;
            }
            float[] vector = vectors.vectorValue(iterator.index());
            float magnitude = magnitudes != null && magnitudes.advanceExact(doc) ? Float.intBitsToFloat((int) magnitudes.longValue()) : 1f;
            List<Float> value = new ArrayList<>(vector.length);
            for (float v : vector) {
                value.add(v * magnitude);
            }
            patches.add(new SourceLoader.LeafSyntheticVectorPath(sourcePath, value));
        };
    }
}
