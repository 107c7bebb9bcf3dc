package io.audiopq.elasticsearch.query;

import io.audiopq.lucene.PqScoringQuery;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.FilterWeight;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Weight;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Matches and scores exactly like {@code topK} (a top-k PQ query), and adds to its explanation the
 * document's ADC distance from {@code adc} (a {@link PqScoringQuery} for the same field and vector).
 * Lucene's kNN queries rewrite to a list of (doc, score) pairs whose explanation only says
 * "within top k"; this keeps the distance the score came from visible in {@code explain}.
 * The ADC weight is built only when an explanation is asked for.
 */
final class AdcExplainedQuery extends Query {

    private final Query topK;
    private final PqScoringQuery adc;

    AdcExplainedQuery(Query topK, Query adc) {
        this.topK = Objects.requireNonNull(topK, "topK");
        this.adc = (PqScoringQuery) Objects.requireNonNull(adc, "adc");
    }

    Query topK() {
        return topK;
    }

    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        Query rewritten = topK.rewrite(searcher);
        return rewritten == topK ? this : new AdcExplainedQuery(rewritten, adc);
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        Weight inner = topK.createWeight(searcher, scoreMode, boost);
        return new FilterWeight(this, inner) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) throws IOException {
                Explanation explanation = in.explain(context, doc);
                if (explanation.isMatch() == false) {
                    return explanation;
                }
                Explanation adcExplanation = adc.createWeight(searcher, ScoreMode.COMPLETE, boost).explain(context, doc);
                List<Explanation> details = new ArrayList<>(Arrays.asList(explanation.getDetails()));
                details.add(adcExplanation);
                return Explanation.match(
                    explanation.getValue(),
                    explanation.getDescription() + " (the score is exact where raw vectors were rescored, otherwise the ADC score below)",
                    details
                );
            }
        };
    }

    @Override
    public void visit(QueryVisitor visitor) {
        topK.visit(visitor);
    }

    @Override
    public String toString(String field) {
        return topK.toString(field);
    }

    @Override
    public boolean equals(Object other) {
        return sameClassAs(other) && topK.equals(((AdcExplainedQuery) other).topK) && adc.equals(((AdcExplainedQuery) other).adc);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), topK, adc);
    }
}
