package io.audiopq.lucene;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

/**
 * What {@link PqKnnQuery} rewrites to: a fixed list of (doc, score) pairs of one index reader, as
 * Lucene's kNN queries rewrite to its package-private {@code DocAndScoreQuery}. Only usable with
 * the reader it was built for.
 */
final class PqDocAndScoreQuery extends Query {

    private final int k;
    /** Global doc ids, ascending. */
    private final int[] docs;
    private final float[] scores;
    private final Object contextIdentity;

    /** @param docs global doc ids in ascending order, {@code scores} in the same order */
    PqDocAndScoreQuery(IndexReader reader, int k, int[] docs, float[] scores) {
        this.k = k;
        this.docs = docs;
        this.scores = scores;
        this.contextIdentity = reader.getContext().id();
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        if (searcher.getIndexReader().getContext().id() != contextIdentity) {
            throw new IllegalStateException("this query was rewritten for another index reader");
        }
        return new Weight(this) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) {
                int found = Arrays.binarySearch(docs, doc + context.docBase);
                if (found < 0) {
                    return Explanation.noMatch("not in the top " + k);
                }
                return Explanation.match(scores[found] * boost, "within the top " + k);
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) {
                int lower = lowerBound(context.docBase);
                int upper = lowerBound(context.docBase + context.reader().maxDoc());
                if (lower == upper) {
                    return null;
                }
                float max = 0f;
                for (int i = lower; i < upper; i++) {
                    max = Math.max(max, scores[i]);
                }
                return new DefaultScorerSupplier(new ListScorer(context.docBase, lower, upper, boost, max * boost));
            }

            @Override
            public boolean isCacheable(LeafReaderContext ctx) {
                return true;
            }
        };
    }

    /** The first index whose doc is at least {@code doc}. */
    private int lowerBound(int doc) {
        int found = Arrays.binarySearch(docs, doc);
        return found < 0 ? -1 - found : found;
    }

    private final class ListScorer extends Scorer {
        private final int docBase;
        private final int lower;
        private final int upper;
        private final float boost;
        private final float maxScore;
        private int at = -1;

        ListScorer(int docBase, int lower, int upper, float boost, float maxScore) {
            this.docBase = docBase;
            this.lower = lower;
            this.upper = upper;
            this.boost = boost;
            this.maxScore = maxScore;
        }

        @Override
        public int docID() {
            return at < 0 ? -1 : at >= upper ? DocIdSetIterator.NO_MORE_DOCS : docs[at] - docBase;
        }

        @Override
        public float score() {
            return scores[at] * boost;
        }

        @Override
        public float getMaxScore(int upTo) {
            return maxScore;
        }

        @Override
        public DocIdSetIterator iterator() {
            return new DocIdSetIterator() {
                @Override
                public int docID() {
                    return ListScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    at = at < 0 ? lower : Math.min(upper, at + 1);
                    return docID();
                }

                @Override
                public int advance(int target) {
                    int from = at < 0 ? lower : Math.min(upper, at + 1);
                    int found = Arrays.binarySearch(docs, from, upper, target + docBase);
                    at = found < 0 ? -1 - found : found;
                    return docID();
                }

                @Override
                public long cost() {
                    return upper - lower;
                }
            };
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
    }

    @Override
    public String toString(String field) {
        return "PqDocAndScore[" + k + "]";
    }

    @Override
    public boolean equals(Object obj) {
        return sameClassAs(obj)
            && contextIdentity == ((PqDocAndScoreQuery) obj).contextIdentity
            && Arrays.equals(docs, ((PqDocAndScoreQuery) obj).docs)
            && Arrays.equals(scores, ((PqDocAndScoreQuery) obj).scores);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), contextIdentity, Arrays.hashCode(docs), Arrays.hashCode(scores));
    }
}
