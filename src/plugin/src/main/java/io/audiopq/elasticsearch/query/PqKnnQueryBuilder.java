package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.mapper.PqVectorFieldType;
import io.audiopq.lucene.PqFormatConfig;
import io.audiopq.lucene.PqKnnQuery;
import io.audiopq.model.Similarity;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.ParsingException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.mapper.MappedFieldType;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.internal.MaxClauseCountQueryVisitor;
import org.elasticsearch.search.vectors.VectorSimilarityQuery;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code pq_knn}: search a {@code pq_vector} field by a query vector (or by the vector of an
 * existing document, {@code like}).
 *
 * <pre>
 * {"pq_knn": {"field": "embedding", "query_vector": [...], "k": 10, "num_candidates": 50, "nprobe": 8,
 *             "rescore_vector": {"oversample": 4}, "similarity": 0.8, "filter": {...}, "boost": 1, "_name": "..."}}
 * </pre>
 *
 * Two modes:
 * <ul>
 *   <li><b>top-k</b> ({@code k} given): the best {@code k} documents per shard (pre-filtered by
 *       {@code filter}), like Elasticsearch's {@code knn} query; {@code num_candidates} (default
 *       {@code k}) are collected per shard and, where raw vectors are stored, the best
 *       {@code ceil(num_candidates × oversample)} ADC candidates are rescored exactly. On a field
 *       mapped with {@code ivf}, {@code nprobe} (default the mapping's {@code ivf.nprobe}) inverted
 *       lists are visited per segment; it is ignored where a segment has no lists.</li>
 *   <li><b>scoring</b> (no {@code k}): every document with a vector (and matching {@code filter})
 *       gets its ADC score, so the query can sit in a {@code bool} beside {@code match} clauses and
 *       the scores add up.</li>
 * </ul>
 * Scores are on {@code knn}'s scale: l2_norm {@code 1/(1+d²)}, cosine {@code (1+cos)/2},
 * dot_product {@code (1+dot)/2}, times {@code boost}. {@code similarity}, as in {@code knn}, is a
 * minimum in the similarity's own terms (for l2_norm a maximum distance): documents whose score
 * (before {@code boost}) is below what that similarity scores do not match. {@code rescore} is a
 * deprecated alias of {@code rescore_vector}.
 *
 * <p>Inputs other than a plain vector (a {@link QueryVectorSource}) are resolved in
 * {@link #doRewrite} on the coordinating node, so shard requests always carry the vector.
 */
public final class PqKnnQueryBuilder extends AbstractQueryBuilder<PqKnnQueryBuilder> {

    public static final String NAME = "pq_knn";
    public static final ParseField FIELD = new ParseField("field");
    public static final ParseField QUERY_VECTOR = new ParseField("query_vector");
    public static final ParseField K = new ParseField("k");
    public static final ParseField NUM_CANDIDATES = new ParseField("num_candidates");
    public static final ParseField RESCORE_VECTOR = new ParseField("rescore_vector", "rescore");
    public static final ParseField OVERSAMPLE = new ParseField("oversample");
    public static final ParseField FILTER = new ParseField("filter");
    public static final ParseField NPROBE = new ParseField("nprobe");
    public static final ParseField SIMILARITY = new ParseField("similarity");
    /** Like {@code knn}: more candidates than this per shard is refused. */
    public static final int MAX_CANDIDATES = 10_000;
    /**
     * Version of this builder's wire format, written first so that a node reading another layout
     * fails clearly. 1: the original layout; 2: 1 followed by an optional {@code nprobe}; 3: 2
     * followed by an optional {@code similarity}. A query is written in the oldest layout that holds
     * its options, so nodes that read only 1 (an older plugin in a rolling upgrade) keep
     * understanding every query they could before.
     */
    static final int WIRE_VERSION = 3;
    /** The layout with {@code nprobe}, without {@code similarity}. */
    static final int WIRE_VERSION_BEFORE_SIMILARITY = 2;
    /** The first layout, without {@code nprobe}. */
    static final int WIRE_VERSION_BEFORE_NPROBE = 1;

    private static final ConstructingObjectParser<Float, Void> RESCORE_PARSER = new ConstructingObjectParser<>(
        RESCORE_VECTOR.getPreferredName(),
        false,
        args -> (Float) args[0]
    );
    private static final ObjectParser<PqKnnQueryBuilder, Void> PARSER = new ObjectParser<>(NAME, PqKnnQueryBuilder::new);
    static {
        RESCORE_PARSER.declareFloat(ConstructingObjectParser.constructorArg(), OVERSAMPLE);
        PARSER.declareString((b, v) -> b.fieldName = v, FIELD);
        PARSER.declareFloatArray((b, v) -> {
            float[] vector = new float[v.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = v.get(i);
            }
            b.queryVector = vector;
        }, QUERY_VECTOR);
        PARSER.declareObject((b, v) -> b.vectorSource = v, (p, c) -> LikeDocument.fromXContent(p), new ParseField(LikeDocument.NAME));
        PARSER.declareObject((b, v) -> b.vectorSource = v, (p, c) -> QueryAudio.fromXContent(p), new ParseField(QueryAudio.NAME));
        PARSER.declareInt((b, v) -> b.k = v, K);
        PARSER.declareInt((b, v) -> b.numCandidates = v, NUM_CANDIDATES);
        PARSER.declareObject((b, v) -> b.oversample = v, RESCORE_PARSER, RESCORE_VECTOR);
        PARSER.declareFloat((b, v) -> b.similarity = v, SIMILARITY);
        PARSER.declareFieldArray(
            (b, v) -> b.filters.addAll(v),
            (p, c) -> AbstractQueryBuilder.parseInnerQueryBuilder(p),
            FILTER,
            ObjectParser.ValueType.OBJECT_ARRAY
        );
        PARSER.declareInt((b, v) -> b.nprobe = v, NPROBE);
        PARSER.declareExclusiveFieldSet(QUERY_VECTOR.getPreferredName(), LikeDocument.NAME, QueryAudio.NAME);
        declareStandardFields(PARSER);
    }

    private String fieldName;
    private float[] queryVector;
    private QueryVectorSource vectorSource;
    /** Set while a {@link #vectorSource} is being resolved: the vector once fetched, null before. Never serialised. */
    private Supplier<float[]> resolvedVector;
    private Integer k;
    private Integer numCandidates;
    private Float oversample;
    /** Inverted lists visited per segment; null for the field's default ({@code ivf.nprobe} of the mapping). */
    private Integer nprobe;
    /** Minimum similarity (knn's {@code similarity}), in the field similarity's own terms; null for none. */
    private Float similarity;
    private List<QueryBuilder> filters = new ArrayList<>();
    /** This clause's identity across rewrite copies, for {@link SearchCostLimits}; never serialised or compared. */
    private Object clause = SearchCostLimits.newClause();

    private PqKnnQueryBuilder() {}

    /** A query by vector, in scoring mode until {@link #k} is set. */
    public PqKnnQueryBuilder(String fieldName, float[] queryVector) {
        this.fieldName = fieldName;
        this.queryVector = Objects.requireNonNull(queryVector, "queryVector").clone();
        validate();
    }

    /** A query whose vector comes from {@code source} (resolved on the coordinating node). */
    public PqKnnQueryBuilder(String fieldName, QueryVectorSource source) {
        this.fieldName = fieldName;
        this.vectorSource = Objects.requireNonNull(source, "source");
        validate();
    }

    public PqKnnQueryBuilder(StreamInput in) throws IOException {
        super(in);
        int wireVersion = in.readVInt();
        if (wireVersion < WIRE_VERSION_BEFORE_NPROBE || wireVersion > WIRE_VERSION) {
            throw new IllegalStateException(
                "[" + NAME + "] query sent in wire format " + wireVersion + ", this node reads " + WIRE_VERSION_BEFORE_NPROBE + " to "
                    + WIRE_VERSION
                    + ": every node needs the same audio-pq plugin version"
            );
        }
        fieldName = in.readString();
        queryVector = in.readOptionalFloatArray();
        vectorSource = in.readOptionalNamedWriteable(QueryVectorSource.class);
        k = in.readOptionalVInt();
        numCandidates = in.readOptionalVInt();
        oversample = in.readOptionalFloat();
        filters = new ArrayList<>(readQueries(in));
        nprobe = wireVersion >= WIRE_VERSION_BEFORE_SIMILARITY ? in.readOptionalVInt() : null;
        similarity = wireVersion >= WIRE_VERSION ? in.readOptionalFloat() : null;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (resolvedVector != null) {
            throw new IllegalStateException("[" + NAME + "] cannot be serialised while its [" + vectorSource.key() + "] is being resolved; rewrite it first");
        }
        // The oldest layout that holds the query's options (see WIRE_VERSION).
        int wireVersion = similarity != null ? WIRE_VERSION : nprobe != null ? WIRE_VERSION_BEFORE_SIMILARITY : WIRE_VERSION_BEFORE_NPROBE;
        out.writeVInt(wireVersion);
        out.writeString(fieldName);
        out.writeOptionalFloatArray(queryVector);
        out.writeOptionalNamedWriteable(vectorSource);
        out.writeOptionalVInt(k);
        out.writeOptionalVInt(numCandidates);
        out.writeOptionalFloat(oversample);
        writeQueries(out, filters);
        if (wireVersion >= WIRE_VERSION_BEFORE_SIMILARITY) {
            out.writeOptionalVInt(nprobe);
        }
        if (wireVersion >= WIRE_VERSION) {
            out.writeOptionalFloat(similarity);
        }
    }

    public static PqKnnQueryBuilder fromXContent(XContentParser parser) throws IOException {
        PqKnnQueryBuilder builder;
        try {
            builder = PARSER.apply(parser, null);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), innermost(e).getMessage(), e);
        }
        try {
            builder.validate();
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
        return builder;
    }

    /**
     * The error under the object parser's "[x] failed to parse field [y]" wrappers (e.g. invalid
     * base64 in {@code query_audio}), so that users read it as the reason of the 400 rather than
     * some causes down.
     */
    private static Throwable innermost(IllegalArgumentException e) {
        Throwable t = e;
        while (t instanceof XContentParseException
            && (t.getCause() instanceof IllegalArgumentException || t.getCause() instanceof ParsingException)) {
            t = t.getCause();
        }
        return t;
    }

    /** Checks that the options make one valid query; messages name the option and the value. */
    private void validate() {
        if (fieldName == null || fieldName.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + FIELD.getPreferredName() + "]");
        }
        if ((queryVector == null) == (vectorSource == null)) {
            throw new IllegalArgumentException(
                "[" + NAME + "] requires exactly one of [" + QUERY_VECTOR.getPreferredName() + "], [" + LikeDocument.NAME + "] and ["
                    + QueryAudio.NAME + "]"
            );
        }
        if (queryVector != null && queryVector.length == 0) {
            throw new IllegalArgumentException("[" + NAME + "] [" + QUERY_VECTOR.getPreferredName() + "] must not be empty");
        }
        if (k != null && (k < 1 || k > MAX_CANDIDATES)) {
            throw new IllegalArgumentException("[" + NAME + "] [k] must be in [1, " + MAX_CANDIDATES + "], got [" + k + "]");
        }
        if (numCandidates != null) {
            if (k == null) {
                throw new IllegalArgumentException("[" + NAME + "] [num_candidates] applies to top-k mode only: set [k] as well");
            }
            if (numCandidates < k || numCandidates > MAX_CANDIDATES) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [num_candidates] must be in [k=" + k + ", " + MAX_CANDIDATES + "], got [" + numCandidates + "]"
                );
            }
        }
        if (nprobe != null) {
            if (k == null) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [nprobe] applies to top-k mode only: set [k] (scoring mode scores every document, it probes no lists)"
                );
            }
            if (nprobe < 1) {
                throw new IllegalArgumentException("[" + NAME + "] [nprobe] must be >= 1, got [" + nprobe + "]");
            }
        }
        if (oversample != null) {
            if (k == null) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [rescore_vector] applies to top-k mode only: set [k] (scoring mode scores every document by ADC)"
                );
            }
            if (Float.isNaN(oversample)
                || (oversample != 0f && (oversample < 1f || oversample > PqFormatConfig.MAX_RESCORE_OVERSAMPLE))) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [rescore_vector.oversample] must be 0 (no rescoring) or in [1, " + PqFormatConfig.MAX_RESCORE_OVERSAMPLE
                        + "], got [" + oversample + "]"
                );
            }
        }
        if (similarity != null && Float.isFinite(similarity) == false) {
            throw new IllegalArgumentException("[" + NAME + "] [" + SIMILARITY.getPreferredName() + "] must be a finite number, got ["
                + similarity + "]");
        }
    }

    private PqKnnQueryBuilder copy() {
        PqKnnQueryBuilder copy = new PqKnnQueryBuilder();
        copy.fieldName = fieldName;
        copy.queryVector = queryVector;
        copy.vectorSource = vectorSource;
        copy.resolvedVector = resolvedVector;
        copy.k = k;
        copy.numCandidates = numCandidates;
        copy.oversample = oversample;
        copy.nprobe = nprobe;
        copy.similarity = similarity;
        copy.filters = new ArrayList<>(filters);
        copy.clause = clause;
        copy.boost = boost;
        copy.queryName = queryName;
        return copy;
    }

    /** Top-k mode: the best {@code k} documents per shard. */
    public PqKnnQueryBuilder k(Integer k) {
        this.k = k;
        validate();
        return this;
    }

    public PqKnnQueryBuilder numCandidates(Integer numCandidates) {
        this.numCandidates = numCandidates;
        validate();
        return this;
    }

    /** Exact rescoring of {@code ceil(num_candidates × oversample)} ADC candidates; 0 for none; null for the field's default. */
    public PqKnnQueryBuilder oversample(Float oversample) {
        this.oversample = oversample;
        validate();
        return this;
    }

    /**
     * Inverted lists to visit per segment in top-k mode (clamped to a segment's lists; segments
     * without lists are scanned whole); null for the field's {@code ivf.nprobe}.
     */
    public PqKnnQueryBuilder nprobe(Integer nprobe) {
        this.nprobe = nprobe;
        validate();
        return this;
    }

    /**
     * Minimum similarity, as {@code knn}'s {@code similarity}: in the field similarity's own terms
     * (cosine or dot product; for l2_norm the largest distance); null for none.
     */
    public PqKnnQueryBuilder similarity(Float similarity) {
        this.similarity = similarity;
        validate();
        return this;
    }

    public PqKnnQueryBuilder addFilter(QueryBuilder filter) {
        filters.add(Objects.requireNonNull(filter, "filter"));
        return this;
    }

    public String fieldName() {
        return fieldName;
    }

    /** The query vector (a copy), or null while it is still to be resolved from a {@link #vectorSource()}. */
    public float[] queryVector() {
        return queryVector == null ? null : queryVector.clone();
    }

    public QueryVectorSource vectorSource() {
        return vectorSource;
    }

    public Integer k() {
        return k;
    }

    public Integer numCandidates() {
        return numCandidates;
    }

    public Float oversample() {
        return oversample;
    }

    public Integer nprobe() {
        return nprobe;
    }

    public Float similarity() {
        return similarity;
    }

    public List<QueryBuilder> filters() {
        return List.copyOf(filters);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        // The plugin is built for exactly one Elasticsearch version; the wire format carries its own version.
        return TransportVersion.minimumCompatible();
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(FIELD.getPreferredName(), fieldName);
        if (queryVector != null) {
            builder.startArray(QUERY_VECTOR.getPreferredName());
            for (float v : queryVector) {
                builder.value(v);
            }
            builder.endArray();
        }
        if (vectorSource != null) {
            vectorSource.toXContent(builder, params);
        }
        if (k != null) {
            builder.field(K.getPreferredName(), k);
        }
        if (numCandidates != null) {
            builder.field(NUM_CANDIDATES.getPreferredName(), numCandidates);
        }
        if (nprobe != null) {
            builder.field(NPROBE.getPreferredName(), nprobe);
        }
        if (oversample != null) {
            builder.startObject(RESCORE_VECTOR.getPreferredName()).field(OVERSAMPLE.getPreferredName(), oversample).endObject();
        }
        if (similarity != null) {
            builder.field(SIMILARITY.getPreferredName(), similarity);
        }
        if (filters.isEmpty() == false) {
            builder.startArray(FILTER.getPreferredName());
            for (QueryBuilder filter : filters) {
                filter.toXContent(builder, params);
            }
            builder.endArray();
        }
        boostAndQueryNameToXContent(builder);
        builder.endObject();
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        SearchCostLimits.countClause(context, clause);
        if (resolvedVector != null) {
            float[] vector = resolvedVector.get();
            if (vector == null) {
                return this; // the fetch has not run yet
            }
            PqKnnQueryBuilder resolved = copy();
            resolved.queryVector = vector;
            resolved.vectorSource = null;
            resolved.resolvedVector = null;
            return resolved;
        }
        if (vectorSource != null) {
            // Turn the input into a vector once, here (the coordinating node), before shard requests go out.
            SetOnce<float[]> fetched = new SetOnce<>();
            if (vectorSource instanceof QueryAudio) {
                SearchCostLimits.countQueryAudio(context, clause);
            }
            QueryVectorSource source = vectorSource.complete(fieldName, context);
            String field = fieldName;
            context.registerAsyncAction(
                (client, listener) -> source.resolve(field, client, ActionListener.wrap(vector -> {
                    fetched.set(vector);
                    listener.onResponse(null);
                }, listener::onFailure))
            );
            PqKnnQueryBuilder pending = copy();
            pending.vectorSource = source;
            pending.resolvedVector = fetched::get;
            return pending;
        }
        List<QueryBuilder> rewrittenFilters = new ArrayList<>(filters.size());
        boolean changed = false;
        for (QueryBuilder filter : filters) {
            QueryBuilder rewritten = filter.rewrite(context);
            changed |= rewritten != filter;
            rewrittenFilters.add(rewritten);
        }
        if (changed) {
            PqKnnQueryBuilder rewritten = copy();
            rewritten.filters = rewrittenFilters;
            return rewritten;
        }
        return this;
    }

    @Override
    protected Query doToQuery(SearchExecutionContext context, MaxClauseCountQueryVisitor visitor) throws IOException {
        Query query = buildQuery(context);
        // Elasticsearch checks that the clause count it was told about matches the query it gets
        // (and enforces the max clause count with it): account for the whole query, filters included.
        query.visit(visitor);
        return query;
    }

    private Query buildQuery(SearchExecutionContext context) throws IOException {
        if (queryVector == null) {
            throw new IllegalStateException("[" + NAME + "] [" + vectorSource.key() + "] must be resolved by a rewrite before the query is built");
        }
        MappedFieldType fieldType = context.getFieldType(fieldName);
        if (fieldType == null) {
            return new MatchNoDocsQuery("field [" + fieldName + "] is not mapped in this index");
        }
        if (fieldType instanceof PqVectorFieldType == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] queries are only supported on [pq_vector] fields, but field [" + fieldName + "] is of type ["
                    + fieldType.typeName() + "]"
            );
        }
        PqVectorFieldType pqField = (PqVectorFieldType) fieldType;
        Query filter = null;
        if (filters.isEmpty() == false) {
            BooleanQuery.Builder all = new BooleanQuery.Builder();
            for (QueryBuilder f : filters) {
                all.add(f.toQuery(context), BooleanClause.Occur.FILTER);
            }
            filter = all.build();
        }
        Query query;
        if (k != null) {
            int candidates = numCandidates != null ? numCandidates : k;
            float over = oversample != null ? oversample : PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE;
            query = new AdcExplainedQuery(pqField.topKQuery(queryVector, k, candidates, over, filter, nprobe != null ? nprobe : PqKnnQuery.FIELD_DEFAULT_NPROBE), pqField.scoringQuery(queryVector));
        } else if (filter == null) {
            query = pqField.scoringQuery(queryVector);
        } else {
            query = new BooleanQuery.Builder().add(pqField.scoringQuery(queryVector), BooleanClause.Occur.MUST)
                .add(filter, BooleanClause.Occur.FILTER)
                .build();
        }
        if (similarity != null) {
            // As knn does: the threshold in score terms, compared with scores before boost.
            query = new VectorSimilarityQuery(query, similarity, scoreOf(pqField.similarity(), similarity));
        }
        return query;
    }

    /** The score {@code knn} reports for a raw {@code similarity} (for l2_norm a distance), as Elasticsearch's dense_vector does. */
    static float scoreOf(Similarity function, float similarity) {
        return switch (function) {
            case L2_NORM -> 1f / (1f + similarity * similarity);
            case COSINE, DOT_PRODUCT -> (1f + similarity) / 2f;
        };
    }

    @Override
    protected boolean doEquals(PqKnnQueryBuilder other) {
        return fieldName.equals(other.fieldName)
            && Arrays.equals(queryVector, other.queryVector)
            && Objects.equals(vectorSource, other.vectorSource)
            && Objects.equals(resolvedVector, other.resolvedVector)
            && Objects.equals(k, other.k)
            && Objects.equals(numCandidates, other.numCandidates)
            && Objects.equals(oversample, other.oversample)
            && Objects.equals(nprobe, other.nprobe)
            && Objects.equals(similarity, other.similarity)
            && filters.equals(other.filters);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(fieldName, Arrays.hashCode(queryVector), vectorSource, resolvedVector, k, numCandidates, oversample, nprobe, similarity, filters);
    }
}
