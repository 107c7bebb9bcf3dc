package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.Metric;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.VectorUtil;

/**
 * Scores <em>every</em> document that has a vector in {@code field} by ADC against {@code query}
 * (other documents do not match). Meant as a clause beside text clauses in a
 * {@link org.apache.lucene.search.BooleanQuery}: as a SHOULD clause its score is added to theirs.
 * Scores are on Lucene's kNN scale for the field's similarity (see {@link PqSimilarity}), times the
 * boost.
 *
 * <p>ADC tables are built once in {@link #createWeight}, one per distinct codebook in the index,
 * and shared by all leaves. A leaf whose field is not written with {@link PqVectorsFormat} is
 * scored exactly through {@link FloatVectorValues#scorer}.
 */
public final class PqScoringQuery extends Query {

    private final String field;
    private final float[] query;

    public PqScoringQuery(String field, float[] query) {
        this.field = Objects.requireNonNull(field, "field");
        this.query = VectorUtil.checkFinite(Objects.requireNonNull(query, "query")).clone();
    }

    public String getField() {
        return field;
    }

    /** A copy of the query vector. */
    public float[] getQueryVector() {
        return query.clone();
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        Map<String, AdcTable> tables = new HashMap<>();
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            PqVectorsReader reader = PqVectorsReader.forField(leaf.reader(), field);
            String key = reader == null ? null : reader.tableKey(field);
            if (key != null && tables.containsKey(key) == false) {
                tables.put(key, reader.adcTable(field, query));
            }
        }
        return new PqScoringWeight(this, boost, Map.copyOf(tables));
    }

    private final class PqScoringWeight extends Weight {
        private final float boost;
        private final Map<String, AdcTable> tables;

        PqScoringWeight(Query query, float boost, Map<String, AdcTable> tables) {
            super(query);
            this.boost = boost;
            this.tables = tables;
        }

        /** The PQ scorer for a leaf, an exact one when the leaf's field is not PQ-encoded, or null when nothing matches. */
        private VectorScorer vectorScorer(LeafReaderContext context) throws IOException {
            FieldInfo info = context.reader().getFieldInfos().fieldInfo(field);
            if (info == null || info.getVectorDimension() == 0) {
                return null;
            }
            if (info.getVectorEncoding() != VectorEncoding.FLOAT32) {
                throw new IllegalArgumentException("field [" + field + "] holds " + info.getVectorEncoding() + " vectors, PqScoringQuery needs FLOAT32");
            }
            if (info.getVectorDimension() != query.length) {
                throw new IllegalArgumentException(
                    "query vector has " + query.length + " dimensions, field [" + field + "] has " + info.getVectorDimension()
                );
            }
            PqVectorsReader reader = PqVectorsReader.forField(context.reader(), field);
            if (reader != null) {
                String key = reader.tableKey(field);
                if (key == null) {
                    return null;
                }
                AdcTable table = tables.get(key);
                if (table == null) {
                    // A leaf that was not part of the searcher's reader when the weight was built.
                    table = reader.adcTable(field, query);
                }
                return reader.scorer(field, table, query);
            }
            FloatVectorValues values = context.reader().getFloatVectorValues(field);
            return values == null ? null : values.scorer(query);
        }

        @Override
        public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
            VectorScorer vectorScorer = vectorScorer(context);
            if (vectorScorer == null) {
                return null;
            }
            VectorSimilarityFunction similarity = context.reader().getFieldInfos().fieldInfo(field).getVectorSimilarityFunction();
            return new DefaultScorerSupplier(new VectorScorerAdapter(vectorScorer, boost, maxScore(similarity) * boost));
        }

        @Override
        public Explanation explain(LeafReaderContext context, int doc) throws IOException {
            VectorScorer vectorScorer = vectorScorer(context);
            if (vectorScorer == null || vectorScorer.iterator().advance(doc) != doc) {
                return Explanation.noMatch("no vector in field [" + field + "]");
            }
            float score = vectorScorer.score() * boost;
            if (vectorScorer instanceof PqVectorScorer pq) {
                float adc = pq.adc();
                boolean l2 = PqSimilarity.metric(pq.similarity()) == Metric.L2;
                String formula = switch (pq.similarity()) {
                    case EUCLIDEAN -> "boost / (1 + d)";
                    case COSINE, DOT_PRODUCT -> "boost * max(1 - d / 4, 0)";
                    case MAXIMUM_INNER_PRODUCT -> "boost * (ip < 0 ? 1 / (1 - ip) : 1 + ip)";
                };
                return Explanation.match(
                    score,
                    "ADC score of field [" + field + "] (" + pq.similarity() + "), computed as " + formula + " from:",
                    Explanation.match(
                        adc,
                        (l2 ? "d, ADC squared L2 distance to" : "ip, ADC dot product with") + " the decoded vector (codebook " + pq.codebookId() + ")"
                    ),
                    Explanation.match(boost, "boost")
                );
            }
            return Explanation.match(
                score,
                "exact vector score of field [" + field + "] (not PQ-encoded in this segment), computed as boost * score from:",
                Explanation.match(vectorScorer.score(), "score"),
                Explanation.match(boost, "boost")
            );
        }

        @Override
        public boolean isCacheable(LeafReaderContext ctx) {
            return true;
        }
    }

    /** Upper bound of a score on {@code similarity}'s scale. */
    private static float maxScore(VectorSimilarityFunction similarity) {
        return similarity == VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT ? Float.MAX_VALUE : 1f;
    }

    /** Exposes a {@link VectorScorer} as a {@link Scorer}. */
    private static final class VectorScorerAdapter extends Scorer {
        private final VectorScorer scorer;
        private final DocIdSetIterator iterator;
        private final float boost;
        private final float maxScore;

        VectorScorerAdapter(VectorScorer scorer, float boost, float maxScore) {
            this.scorer = scorer;
            this.iterator = scorer.iterator();
            this.boost = boost;
            this.maxScore = maxScore;
        }

        @Override
        public int docID() {
            return iterator.docID();
        }

        @Override
        public DocIdSetIterator iterator() {
            return iterator;
        }

        @Override
        public float getMaxScore(int upTo) {
            return maxScore;
        }

        @Override
        public float score() throws IOException {
            return scorer.score() * boost;
        }
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public String toString(String defaultField) {
        return getClass().getSimpleName() + ":" + field + "[" + query[0] + ",...](" + query.length + " dims)";
    }

    @Override
    public boolean equals(Object other) {
        return sameClassAs(other) && field.equals(((PqScoringQuery) other).field) && Arrays.equals(query, ((PqScoringQuery) other).query);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * classHash() + field.hashCode()) + Arrays.hashCode(query);
    }
}
