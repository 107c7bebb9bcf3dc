package io.audiopq.lucene;


import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopDocsCollector;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.util.PriorityQueue;

import java.io.IOException;

/**
 * {@link PqKnnQuery} with Elasticsearch's {@code k} / {@code num_candidates} split: each segment
 * collects {@code numCandidates} (rescoring them exactly where raw vectors are stored), and the
 * shard keeps the best {@code k} of them. More candidates than {@code k} give exact rescoring more
 * to choose from; with {@code numCandidates == k} this is plain {@link PqKnnQuery}.
 *
 * <p>With rescoring off ({@code oversample == 0}) the scores must be ADC scores in every segment,
 * also where Lucene falls back to an exact search (a filter selecting fewer documents than the
 * candidates wanted): that fallback would otherwise score with the raw vectors, and the results
 * would depend on how documents happen to be spread over segments and shards.
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
    protected TopDocs mergeLeafResults(TopDocs[] perLeafResults) {
        return TopDocs.merge(topK, perLeafResults);
    }

    @Override
    protected TopDocs exactSearch(LeafReaderContext context, DocIdSetIterator acceptIterator, QueryTimeout queryTimeout) throws IOException {
        PqVectorsReader reader = getOversample() == 0f ? PqVectorsReader.forField(context.reader(), field) : null;
        if (reader == null || reader.codebook(field) == null) {
            return super.exactSearch(context, acceptIterator, queryTimeout);
        }
        PqVectorScorer scorer = reader.scorer(field, reader.adcTable(field, target));
        if (scorer == null) {
            return TopDocsCollector.EMPTY_TOPDOCS;
        }
        DocIdSetIterator vectors = scorer.iterator();
        PriorityQueue<ScoreDoc> best = new PriorityQueue<>(k) {
            @Override
            protected boolean lessThan(ScoreDoc a, ScoreDoc b) {
                return a.score != b.score ? a.score < b.score : a.doc > b.doc;
            }
        };
        int visited = 0;
        for (int doc = acceptIterator.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = acceptIterator.nextDoc()) {
            if (queryTimeout != null && queryTimeout.shouldExit()) {
                break;
            }
            if (vectors.docID() < doc) {
                vectors.advance(doc);
            }
            if (vectors.docID() == doc) {
                visited++;
                best.insertWithOverflow(new ScoreDoc(doc, scorer.score()));
            }
        }
        ScoreDoc[] hits = new ScoreDoc[best.size()];
        for (int i = hits.length - 1; i >= 0; i--) {
            hits[i] = best.pop();
        }
        return new TopDocs(new TotalHits(visited, TotalHits.Relation.EQUAL_TO), hits);
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
