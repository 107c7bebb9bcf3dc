package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.lucene.PqTopKQuery;
import io.audiopq.lucene.PqScoringQuery;
import io.audiopq.model.Similarity;

import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.VectorUtil;
import org.elasticsearch.index.mapper.ArraySourceValueFetcher;
import org.elasticsearch.index.mapper.IndexType;
import org.elasticsearch.index.mapper.SimpleMappedFieldType;
import org.elasticsearch.index.mapper.TextSearchInfo;
import org.elasticsearch.index.mapper.ValueFetcher;
import org.elasticsearch.index.query.SearchExecutionContext;

import java.util.Map;

/**
 * The query-time side of a {@code pq_vector} field: it owns how {@code pq_knn} turns a query
 * vector into a Lucene query over the child {@code <field>.pq} (top-k or scoring mode), checks the
 * vector the way indexing does, and refuses to search when this node's bundle is not the one the
 * mapping recorded.
 */
public final class PqVectorFieldType extends SimpleMappedFieldType {

    private final String model;
    private final String checksum;
    private final Similarity similarity;
    private final int dims;
    private final int m;
    private final int bits;
    private final NodeBundles bundles;

    PqVectorFieldType(
        String name,
        Map<String, String> meta,
        String model,
        String checksum,
        Similarity similarity,
        int dims,
        int m,
        int bits,
        NodeBundles bundles
    ) {
        super(name, IndexType.NONE, false, meta);
        this.model = model;
        this.checksum = checksum;
        this.similarity = similarity;
        this.dims = dims;
        this.m = m;
        this.bits = bits;
        this.bundles = bundles;
    }

    @Override
    public String typeName() {
        return PqVectorFieldMapper.CONTENT_TYPE;
    }

    /** The child {@code dense_vector} that holds the codes ({@code <field>.pq}); native {@code knn} works on it. */
    public String vectorFieldName() {
        return name() + "." + PqVectorFieldMapper.CHILD_NAME;
    }

    public String model() {
        return model;
    }

    public String checksum() {
        return checksum;
    }

    public Similarity similarity() {
        return similarity;
    }

    public int dims() {
        return dims;
    }

    public int m() {
        return m;
    }

    public int bits() {
        return bits;
    }

    @Override
    public boolean isSearchable() {
        return true;
    }

    @Override
    public boolean isVectorEmbedding() {
        return true;
    }

    @Override
    public TextSearchInfo getTextSearchInfo() {
        return TextSearchInfo.NONE;
    }

    @Override
    public ValueFetcher valueFetcher(SearchExecutionContext context, String format) {
        if (format != null) {
            throw new IllegalArgumentException("Field [" + name() + "] of type [" + typeName() + "] doesn't support formats.");
        }
        // The vector as it was sent, from _source (one array is one value).
        return new ArraySourceValueFetcher(name(), context) {
            @Override
            protected Object parseSourceValue(Object value) {
                return value;
            }
        };
    }

    @Override
    public Query existsQuery(SearchExecutionContext context) {
        return new FieldExistsQuery(vectorFieldName());
    }

    @Override
    public Query termQuery(Object value, SearchExecutionContext context) {
        throw new IllegalArgumentException(
            "field [" + name() + "] of type [" + typeName() + "] does not support term queries; search it with [pq_knn]"
        );
    }

    /**
     * Top-k mode: the best {@code k} documents of the shard, out of {@code numCandidates} collected
     * per shard (ADC scan, then exact rescoring of {@code ceil(numCandidates × oversample)} where
     * raw vectors are stored), pre-filtered by {@code filter}.
     *
     * @param oversample {@link io.audiopq.lucene.PqKnnQuery#FIELD_DEFAULT_OVERSAMPLE}, 0 (no rescoring) or in [1, 100]
     */
    public Query topKQuery(float[] vector, int k, int numCandidates, float oversample, Query filter) {
        return topKQuery(vector, k, numCandidates, oversample, filter, PqTopKQuery.FIELD_DEFAULT_NPROBE);
    }

    /** Top-k mode visiting {@code nprobe} inverted lists per segment ({@link PqTopKQuery#FIELD_DEFAULT_NPROBE}: the mapping's). */
    public Query topKQuery(float[] vector, int k, int numCandidates, float oversample, Query filter, int nprobe) {
        checkSearchable();
        return new PqTopKQuery(vectorFieldName(), prepareQueryVector(vector), k, numCandidates, filter, oversample, nprobe);
    }

    /** Scoring mode: every document with a vector matches with its ADC score (for {@code bool} beside text clauses). */
    public Query scoringQuery(float[] vector) {
        checkSearchable();
        return new PqScoringQuery(vectorFieldName(), prepareQueryVector(vector));
    }

    private void checkSearchable() {
        bundles.requireMatching(name(), model, checksum, "search");
    }

    /**
     * Checks a query vector like an indexed one and returns what the child field expects: for
     * cosine the unit vector (Elasticsearch indexes cosine fields normalised, as dot_product).
     */
    float[] prepareQueryVector(float[] vector) {
        VectorChecks.check(name(), "query vector", vector, dims, similarity);
        if (similarity == Similarity.COSINE) {
            return VectorUtil.l2normalize(vector.clone(), false);
        }
        return vector.clone();
    }
}
