package io.audiopq.elasticsearch.query;


import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/**
 * Wire layouts and documented JSON forms of {@code pq_knn}, its validation, and the rewrite that
 * resolves a query input into a vector (the inherited round trips are in {@link PqKnnQueryBuilderTests}).
 */
public class PqKnnQueryParsingTests extends PqKnnQueryTestCase {

    private PqKnnQueryBuilder randomBuilder() {
        PqKnnQueryBuilder builder;
        if (randomBoolean()) {
            float[] vector = new float[randomIntBetween(1, 32)];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = randomFloat() * 2 - 1;
            }
            builder = new PqKnnQueryBuilder(randomAlphaOfLength(6), vector);
        } else {
            builder = new PqKnnQueryBuilder(
                randomAlphaOfLength(6),
                new LikeDocument(randomAlphaOfLength(5).toLowerCase(java.util.Locale.ROOT), randomAlphaOfLength(8), randomBoolean() ? null : randomAlphaOfLength(3))
            );
        }
        if (randomBoolean()) {
            int k = randomIntBetween(1, 100);
            builder.k(k);
            if (randomBoolean()) {
                builder.numCandidates(randomIntBetween(k, 1000));
            }
            if (randomBoolean()) {
                builder.oversample(randomBoolean() ? 0f : randomFloatBetween(1f, 100f, true));
            }
            if (randomBoolean()) {
                builder.nprobe(randomIntBetween(1, 1 << 16));
            }
        }
        if (randomBoolean()) {
            builder.similarity(randomFloatBetween(-1f, 1f, true));
        }
        for (int i = randomIntBetween(0, 2); i > 0; i--) {
            builder.addFilter(QueryBuilders.termQuery(randomAlphaOfLength(4), randomAlphaOfLength(4)));
        }
        if (randomBoolean()) {
            builder.boost(randomFloatBetween(0.1f, 10f, true));
        }
        if (randomBoolean()) {
            builder.queryName(randomAlphaOfLength(5));
        }
        return builder;
    }

    public void testStreamRoundTrip() throws IOException {
        for (int i = 0; i < 50; i++) {
            PqKnnQueryBuilder original = randomBuilder();
            QueryBuilder copy = copyWriteable(original, writeables, PqKnnQueryBuilder::new);
            assertEquals(original, copy);
            assertEquals(original.hashCode(), copy.hashCode());
            assertNotSame(original, copy);
        }
    }

    public void testXContentRoundTrip() throws IOException {
        for (int i = 0; i < 50; i++) {
            PqKnnQueryBuilder original = randomBuilder();
            XContentBuilder json = JsonXContent.contentBuilder();
            original.toXContent(json, org.elasticsearch.xcontent.ToXContent.EMPTY_PARAMS);
            try (XContentParser parser = createParser(json)) {
                QueryBuilder parsed = org.elasticsearch.index.query.AbstractQueryBuilder.parseTopLevelQuery(parser);
                assertEquals(Strings.toString(json), original, parsed);
            }
        }
    }

    public void testParsesTheDocumentedForm() throws IOException {
        String json = """
            {"pq_knn": {"field": "emb", "query_vector": [0.5, -1, 2], "k": 10, "num_candidates": 40,
                        "rescore_vector": {"oversample": 3}, "filter": {"term": {"genre": "jazz"}}, "boost": 2, "_name": "sound"}}""";
        PqKnnQueryBuilder expected = new PqKnnQueryBuilder("emb", new float[] { 0.5f, -1f, 2f }).k(10).numCandidates(40).oversample(3f);
        expected.addFilter(QueryBuilders.termQuery("genre", "jazz")).boost(2f).queryName("sound");
        assertEquals(expected, parse(json));

        PqKnnQueryBuilder like = (PqKnnQueryBuilder) parse("{\"pq_knn\": {\"field\": \"emb\", \"like\": {\"index\": \"sounds\", \"id\": \"42\"}}}");
        assertEquals(new LikeDocument("sounds", "42", null), like.vectorSource());
        assertNull(like.queryVector());
        assertNull("no k: scoring mode", like.k());
    }

    public void testInvalidQueriesAreRejectedWithTheOptionNamed() {
        assertParseError("{\"pq_knn\": {\"query_vector\": [1]}}", "[pq_knn] requires [field]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\"}}", "requires exactly one of [query_vector], [like] and [query_audio]");
        assertParseError(
            "{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"like\": {\"index\": \"i\", \"id\": \"1\"}}}",
            "The following fields are not allowed together: [query_vector, like]"
        );
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"k\": 0}}", "[k] must be in [1, 10000], got [0]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"k\": 3, \"num_candidates\": 2}}", "[num_candidates] must be in [k=3, 10000], got [2]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"rescore_vector\": {\"oversample\": 2}}}", "[rescore_vector] applies to top-k mode only");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"nprobe\": 8}}", "[nprobe] applies to top-k mode only: set [k]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"k\": 5, \"nprobe\": 0}}", "[nprobe] must be >= 1, got [0]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"similarity\": \"NaN\"}}", "[similarity] must be a finite number, got [NaN]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"nearest\": 3}}", "unknown field [nearest]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"like\": {\"index\": \"i\"}}}", "Required [id]");
    }

    public void testRescoreVectorAndSimilarityAreParsedAndPrinted() throws IOException {
        PqKnnQueryBuilder parsed = (PqKnnQueryBuilder) parse("""
            {"pq_knn": {"field": "emb", "query_vector": [1, 2], "k": 5, "rescore_vector": {"oversample": 2.5}, "similarity": 0.75}}""");
        assertEquals(new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).oversample(2.5f).similarity(0.75f), parsed);
        assertThat(Strings.toString(parsed), containsString("\"rescore_vector\":{\"oversample\":2.5},\"similarity\":0.75"));
        assertNotEquals(new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).oversample(2.5f).similarity(0.5f), parsed);
    }

    public void testRescoreIsADeprecatedAliasOfRescoreVector() throws IOException {
        PqKnnQueryBuilder parsed = (PqKnnQueryBuilder) parse("""
            {"pq_knn": {"field": "emb", "query_vector": [1, 2], "k": 5, "rescore": {"oversample": 3}}}""");
        assertEquals(Float.valueOf(3f), parsed.oversample());
        assertWarnings("Deprecated field [rescore] used, expected [rescore_vector] instead");
        assertThat(Strings.toString(parsed), containsString("\"rescore_vector\":{\"oversample\":3.0}"));
    }

    /** {@code similarity} in the score space: the score knn reports for a raw similarity, per function. */
    public void testSimilarityThresholdInScoreTerms() {
        assertEquals(0.5f, PqKnnQueryBuilder.scoreOf(io.audiopq.model.Similarity.L2_NORM, 1f), 0f);
        assertEquals(1f, PqKnnQueryBuilder.scoreOf(io.audiopq.model.Similarity.L2_NORM, 0f), 0f);
        assertEquals(0.9f, PqKnnQueryBuilder.scoreOf(io.audiopq.model.Similarity.COSINE, 0.8f), 1e-6f);
        assertEquals(0.25f, PqKnnQueryBuilder.scoreOf(io.audiopq.model.Similarity.DOT_PRODUCT, -0.5f), 0f);
    }

    public void testNprobeIsParsedAndPrinted() throws IOException {
        PqKnnQueryBuilder parsed = (PqKnnQueryBuilder) parse("{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": [1, 2], \"k\": 5, \"nprobe\": 3}}");
        assertEquals(Integer.valueOf(3), parsed.nprobe());
        assertEquals(new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).nprobe(3), parsed);
        assertNotEquals(new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).nprobe(4), parsed);
        assertThat(Strings.toString(parsed), containsString("\"nprobe\":3"));
        assertNull(((PqKnnQueryBuilder) parse("{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": [1], \"k\": 5}}")).nprobe());
    }

    /**
     * A query without nprobe or similarity keeps the first wire layout (version 1, exactly the
     * bytes an older plugin writes and reads); one with nprobe is written as version 2, one with
     * similarity as version 3, and all are read back.
     */
    public void testWireLayoutStaysVersion1WithoutNprobe() throws IOException {
        PqKnnQueryBuilder plain = new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).numCandidates(7);
        PqKnnQueryBuilder probing = new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).numCandidates(7).nprobe(3);
        PqKnnQueryBuilder thresholded = new PqKnnQueryBuilder("emb", new float[] { 1f, 2f }).k(5).similarity(0.5f);
        assertEquals(PqKnnQueryBuilder.WIRE_VERSION_BEFORE_NPROBE, wireVersionOf(plain));
        assertEquals(PqKnnQueryBuilder.WIRE_VERSION_BEFORE_SIMILARITY, wireVersionOf(probing));
        assertEquals(PqKnnQueryBuilder.WIRE_VERSION, wireVersionOf(thresholded));
        assertEquals(plain, copyWriteable(plain, writeables, PqKnnQueryBuilder::new));
        assertEquals(probing, copyWriteable(probing, writeables, PqKnnQueryBuilder::new));
        assertEquals(thresholded, copyWriteable(thresholded, writeables, PqKnnQueryBuilder::new));

        // A version-1 stream (as an older node writes it) is read, with no nprobe.
        try (org.elasticsearch.common.io.stream.BytesStreamOutput out = new org.elasticsearch.common.io.stream.BytesStreamOutput()) {
            writeVersion1(out, plain);
            try (org.elasticsearch.common.io.stream.StreamInput in = new org.elasticsearch.common.io.stream.NamedWriteableAwareStreamInput(out.bytes().streamInput(), writeables)) {
                PqKnnQueryBuilder read = new PqKnnQueryBuilder(in);
                assertEquals(plain, read);
                assertNull(read.nprobe());
            }
        }
    }

    /** The wire version byte of {@code builder}: the first value after the standard boost and name. */
    private int wireVersionOf(PqKnnQueryBuilder builder) throws IOException {
        try (org.elasticsearch.common.io.stream.BytesStreamOutput out = new org.elasticsearch.common.io.stream.BytesStreamOutput()) {
            builder.writeTo(out);
            org.elasticsearch.common.io.stream.StreamInput in = out.bytes().streamInput();
            in.readFloat(); // boost
            in.readOptionalString(); // _name
            return in.readVInt();
        }
    }

    /** What the plugin wrote before nprobe existed, field by field. */
    private static void writeVersion1(StreamOutput out, PqKnnQueryBuilder b) throws IOException {
        out.writeFloat(b.boost());
        out.writeOptionalString(b.queryName());
        out.writeVInt(1);
        out.writeString(b.fieldName());
        out.writeOptionalFloatArray(b.queryVector());
        out.writeOptionalNamedWriteable(b.vectorSource());
        out.writeOptionalVInt(b.k());
        out.writeOptionalVInt(b.numCandidates());
        out.writeOptionalFloat(b.oversample());
        out.writeNamedWriteableCollection(b.filters());
    }

    public void testALikeQueryIsResolvedToAVectorByTheRewrite() throws IOException {
        float[] vector = { 0.25f, 0.5f, -1f };
        QueryVectorSource source = new FixedSource(vector);
        PqKnnQueryBuilder original = new PqKnnQueryBuilder("emb", source).k(5).oversample(0f);
        original.addFilter(QueryBuilders.termQuery("genre", "jazz"));
        QueryRewriteContext context = new QueryRewriteContext(XContentParserConfiguration.EMPTY, null, () -> 0L);

        QueryBuilder pending = original.rewrite(context);
        assertNotSame(original, pending);
        assertTrue("the input is fetched asynchronously, once", context.hasAsyncActions());
        assertEquals(0, ((FixedSource) source).calls);
        expectThrows(IllegalStateException.class, () -> copyWriteable(pending, writeables, PqKnnQueryBuilder::new));
        assertSame("not fetched yet", pending, pending.rewrite(new QueryRewriteContext(XContentParserConfiguration.EMPTY, null, () -> 0L)));

        PlainActionFuture<Void> done = new PlainActionFuture<>();
        context.executeAsyncActions(done);
        done.actionGet();
        assertEquals(1, ((FixedSource) source).calls);

        QueryBuilder resolved = pending.rewrite(context);
        PqKnnQueryBuilder expected = new PqKnnQueryBuilder("emb", vector).k(5).oversample(0f);
        expected.addFilter(QueryBuilders.termQuery("genre", "jazz"));
        assertEquals(expected, resolved);
        // What goes to the shards: a plain vector, serialisable.
        assertEquals(expected, copyWriteable(resolved, writeables, PqKnnQueryBuilder::new));
    }

    public void testLikeReadsTheVectorFromTheSource() {
        LikeDocument like = new LikeDocument("i", "7", null);
        assertArrayEquals(new float[] { 1f, 2.5f }, like.vectorOf("a.b", java.util.Map.of("a", java.util.Map.of("b", List.of(1, 2.5)))), 0f);
        IllegalArgumentException nested = expectThrows(
            IllegalArgumentException.class,
            () -> like.vectorOf("segs.emb", java.util.Map.of("segs", List.of(java.util.Map.of("emb", List.of(1, 2)), java.util.Map.of("emb", List.of(3, 4)))))
        );
        assertThat(nested.getMessage(), containsString("has 2 vectors in field [segs.emb] (one per object of [segs])"));
        IllegalArgumentException notNumbers = expectThrows(IllegalArgumentException.class, () -> like.vectorOf("f", java.util.Map.of("f", "text")));
        assertThat(notNumbers.getMessage(), containsString("field [f] is not an array of numbers"));
    }

    /** A query input resolved without I/O, standing in for a future {@code query_audio}. */
    private static final class FixedSource implements QueryVectorSource {
        private final float[] vector;
        int calls;

        FixedSource(float[] vector) {
            this.vector = vector;
        }

        @Override
        public String key() {
            return "fixed";
        }

        @Override
        public void resolve(String field, Client client, ActionListener<float[]> listener) {
            calls++;
            listener.onResponse(vector.clone());
        }

        @Override
        public String getWriteableName() {
            return "fixed";
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new UnsupportedOperationException();
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.field("fixed", true);
        }
    }
}
