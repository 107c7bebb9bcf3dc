package io.audiopq.elasticsearch.query;

import io.audiopq.lucene.PqKnnQuery;

import org.apache.lucene.search.Query;
import org.apache.lucene.search.TopDocs;

/**
 * {@link PqKnnQuery} with Elasticsearch's {@code k} / {@code num_candidates} split: each segment
 * collects {@code numCandidates} (rescoring them exactly where raw vectors are stored), and the
 * shard keeps the best {@code k} of them. More candidates than {@code k} give exact rescoring more
 * to choose from; with {@code numCandidates == k} this is plain {@link PqKnnQuery}.
 */
public final class PqTopKQuery extends PqKnnQuery {

    private final int topK;

    public PqTopKQuery(String field, float[] target, int k, int numCandidates, Query filter, float oversample) {
        super(field, target, numCandidates, filter, oversample);
        if (k < 1 || k > numCandidates) {
            throw new IllegalArgumentException("k must be in [1, numCandidates=" + numCandidates + "], got " + k);
        }
        this.topK = k;
    }

    /** The number of documents the shard keeps (Lucene's {@link #getK()} is the candidates collected). */
    public int topK() {
        return topK;
    }

    @Override
    protected TopDocs mergeLeafResults(TopDocs[] perLeafResults) {
        return TopDocs.merge(topK, perLeafResults);
    }

    @Override
    public String toString(String defaultField) {
        return super.toString(defaultField) + "[top=" + topK + "]";
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && topK == ((PqTopKQuery) o).topK;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + topK;
    }
}
