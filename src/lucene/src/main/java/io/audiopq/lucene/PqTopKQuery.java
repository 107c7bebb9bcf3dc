package io.audiopq.lucene;

import org.apache.lucene.search.Query;

/**
 * {@link PqKnnQuery} with Elasticsearch's {@code k} / {@code num_candidates} split: the shard
 * (index reader) collects its best {@code ceil(numCandidates × oversample)} ADC candidates across
 * all its segments, rescores them exactly where raw vectors are stored, and keeps the best
 * {@code k}. More candidates than {@code k} give exact rescoring more to choose from; with
 * {@code numCandidates == k} this is plain {@link PqKnnQuery}. Scores are ADC scores with
 * rescoring off, also under a selective filter (see {@link PqKnnQuery#rewrite}).
 */
public final class PqTopKQuery extends PqKnnQuery {

    private final int topK;

    public PqTopKQuery(String field, float[] target, int k, int numCandidates, Query filter, float oversample) {
        this(field, target, k, numCandidates, filter, oversample, FIELD_DEFAULT_NPROBE);
    }

    /** @param nprobe inverted lists visited per segment, or {@link #FIELD_DEFAULT_NPROBE} for the field's default */
    public PqTopKQuery(String field, float[] target, int k, int numCandidates, Query filter, float oversample, int nprobe) {
        super(field, target, numCandidates, filter, oversample, nprobe);
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
    protected int resultCount() {
        return topK;
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
