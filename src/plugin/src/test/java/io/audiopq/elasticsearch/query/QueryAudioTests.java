package io.audiopq.elasticsearch.query;


import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.OriginalIndices;
import org.elasticsearch.action.ResolvedIndices;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.common.ParsingException;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.index.Index;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/**
 * {@code pq_knn} with {@code query_audio}: wire and JSON (and CBOR) round trips, with and without
 * {@code model}; the model taken from the targeted indices' mappings; what a malformed input is told.
 */
public class QueryAudioTests extends PqKnnQueryTestCase {

    private PqKnnQueryBuilder randomBuilder() {
        PqKnnQueryBuilder builder = new PqKnnQueryBuilder(randomAlphaOfLength(6), new QueryAudio(randomByteArrayOfLength(randomIntBetween(1, 300)),
            randomBoolean() ? randomAlphaOfLength(8) : null));
        if (randomBoolean()) {
            builder.k(randomIntBetween(1, 100));
        }
        if (randomBoolean()) {
            builder.addFilter(QueryBuilders.termQuery(randomAlphaOfLength(4), randomAlphaOfLength(4)));
        }
        if (randomBoolean()) {
            builder.boost(randomFloatBetween(0.1f, 10f, true));
        }
        return builder;
    }

    public void testStreamRoundTrip() throws IOException {
        for (int i = 0; i < 30; i++) {
            PqKnnQueryBuilder original = randomBuilder();
            QueryBuilder copy = copyWriteable(original, writeables, PqKnnQueryBuilder::new);
            assertEquals(original, copy);
            assertEquals(original.hashCode(), copy.hashCode());
        }
    }

    public void testXContentRoundTrip() throws IOException {
        for (int i = 0; i < 30; i++) {
            PqKnnQueryBuilder original = randomBuilder();
            // JSON carries the audio as base64; CBOR and SMILE as binary values.
            XContentType type = randomFrom(XContentType.JSON, XContentType.CBOR, XContentType.SMILE);
            XContentBuilder out = XContentBuilder.builder(type.xContent());
            original.toXContent(out, ToXContent.EMPTY_PARAMS);
            try (XContentParser parser = createParser(out)) {
                assertEquals(original, AbstractQueryBuilder.parseTopLevelQuery(parser));
            }
        }
    }

    public void testParsesTheDocumentedForm() throws IOException {
        byte[] wav = "RIFF....WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        String base64 = Base64.getEncoder().encodeToString(wav);
        // MIME line breaks in the base64 are allowed, as in the ingest processor.
        String wrapped = base64.substring(0, 8) + "\\r\\n" + base64.substring(8);
        PqKnnQueryBuilder query = (PqKnnQueryBuilder) parse("""
            {"pq_knn": {"field": "clip.embedding", "query_audio": {"audio": "%s", "model_id": "audiopq-default"}, "k": 5}}""".formatted(wrapped));
        assertEquals(new QueryAudio(wav, "audiopq-default"), query.vectorSource());
        assertNull("resolved by the rewrite", query.queryVector());
        assertEquals(Integer.valueOf(5), query.k());
        String json = Strings.toString(query);
        assertThat(json, containsString("\"query_audio\":{\"audio\":\"" + base64 + "\",\"model_id\":\"audiopq-default\"}"));
    }

    public void testModelMayBeLeftOut() throws IOException {
        byte[] wav = "RIFF....WAVEfmt ".getBytes(StandardCharsets.US_ASCII);
        String base64 = Base64.getEncoder().encodeToString(wav);
        PqKnnQueryBuilder query = (PqKnnQueryBuilder) parse("""
            {"pq_knn": {"field": "clip.embedding", "query_audio": {"audio": "%s"}, "k": 5}}""".formatted(base64));
        assertEquals(new QueryAudio(wav, null), query.vectorSource());
        assertNull(((QueryAudio) query.vectorSource()).model());
        assertThat(Strings.toString(query), containsString("\"query_audio\":{\"audio\":\"" + base64 + "\"}"));
        assertNotEquals(new QueryAudio(wav, null), new QueryAudio(wav, "m"));
    }

    public void testWireLayoutIsThatOfVersionsThatRequiredModel() throws IOException {
        byte[] clip = randomByteArrayOfLength(20);
        // What earlier plugin versions wrote (and read): the clip, then the model.
        BytesStreamOutput old = new BytesStreamOutput();
        old.writeByteArray(clip);
        old.writeString("audiopq-default");
        BytesStreamOutput now = new BytesStreamOutput();
        new QueryAudio(clip, "audiopq-default").writeTo(now);
        assertEquals(old.bytes(), now.bytes());
        assertEquals(new QueryAudio(clip, "audiopq-default"), new QueryAudio(old.bytes().streamInput()));

        // Without a model, "": an earlier version reads it as an empty model, which it refuses as missing [model].
        BytesStreamOutput withoutModel = new BytesStreamOutput();
        new QueryAudio(clip, null).writeTo(withoutModel);
        StreamInput in = withoutModel.bytes().streamInput();
        assertArrayEquals(clip, in.readByteArray());
        assertEquals("", in.readString());
        assertEquals(new QueryAudio(clip, null), new QueryAudio(withoutModel.bytes().streamInput()));
    }

    public void testCompletesTheModelFromTheMappings() {
        String mapped = """
            {"_doc": {"properties": {
              "clip": {"properties": {"embedding": {"type": "pq_vector", "model": "%s"}}},
              "segments": {"type": "nested", "properties": {"embedding": {"type": "pq_vector", "model": "%s"}}},
              "flat": {"subobjects": false, "properties": {"a.emb": {"type": "pq_vector", "model": "%s"}}},
              "clip_alias": {"type": "alias", "path": "clip.embedding"},
              "kind": {"type": "keyword"}}}}""";
        IndexMetadata a = index("a", mapped.formatted("bundle-a", "seg-a", "flat-a"));
        IndexMetadata b = index("b", mapped.formatted("bundle-b", "seg-a", "flat-a"));
        IndexMetadata unmapped = index("c", "{\"_doc\": {\"properties\": {\"other\": {\"type\": \"keyword\"}}}}");
        QueryAudio query = new QueryAudio(new byte[] { 1 }, null);

        assertEquals("bundle-a", model(query.complete("clip.embedding", context(Map.of(), a, unmapped))));
        assertEquals("bundle-a", model(query.complete("clip_alias", context(Map.of(), a))));
        assertEquals("seg-a", model(query.complete("segments.embedding", context(Map.of(), a, b))));
        assertEquals("flat-a", model(query.complete("flat.a.emb", context(Map.of(), a, b))));
        // An explicit model wins without looking at the mappings.
        QueryAudio explicit = new QueryAudio(new byte[] { 1 }, "mine");
        assertSame(explicit, explicit.complete("clip.embedding", context(Map.of(), a, b)));
        assertSame(explicit, explicit.complete("clip.embedding", new QueryRewriteContext(null, null, () -> 0L)));

        IllegalArgumentException conflict = expectThrows(IllegalArgumentException.class,
            () -> query.complete("clip.embedding", context(Map.of(), a, b, unmapped)));
        assertEquals("[pq_knn] [query_audio] has no [model_id] and field [clip.embedding] is mapped to different bundles in the targeted "
            + "indices: [bundle-a] in [a], [bundle-b] in [b]; pass [model_id] (the bundle that embedded the indexed audio) or search "
            + "fewer indices", conflict.getMessage());

        IllegalArgumentException missing = expectThrows(IllegalArgumentException.class,
            () -> query.complete("clip.nothing", context(Map.of(), a, unmapped)));
        assertEquals("[pq_knn] [query_audio] has no [model_id] and field [clip.nothing] is not a [pq_vector] field in any targeted index: "
            + "query a [pq_vector] field, whose mapping names its bundle, or pass [model_id]", missing.getMessage());
        IllegalArgumentException wrongType = expectThrows(IllegalArgumentException.class,
            () -> query.complete("kind", context(Map.of(), a)));
        assertThat(wrongType.getMessage(), containsString("field [kind] is not a [pq_vector] field in any targeted index ([a] maps it as [keyword])"));
        IllegalArgumentException object = expectThrows(IllegalArgumentException.class,
            () -> query.complete("clip", context(Map.of(), a)));
        assertThat(object.getMessage(), containsString("([a] maps it as [object])"));

        IllegalArgumentException remote = expectThrows(IllegalArgumentException.class, () -> query.complete("clip.embedding",
            context(Map.of("eu", new OriginalIndices(new String[] { "sounds" }, IndicesOptions.strictExpandOpen())), a)));
        assertEquals("[pq_knn] [query_audio] requires [model_id] when the search targets remote clusters [eu]: their mappings are not "
            + "known on this node; pass the bundle of field [clip.embedding]", remote.getMessage());

        IllegalArgumentException noIndices = expectThrows(IllegalArgumentException.class,
            () -> query.complete("clip.embedding", new QueryRewriteContext(null, null, () -> 0L)));
        assertThat(noIndices.getMessage(), containsString("[pq_knn] [query_audio] requires [model_id] here: the bundle of field [clip.embedding]"));
    }

    private static String model(QueryVectorSource source) {
        return ((QueryAudio) source).model();
    }

    private static IndexMetadata index(String name, String mapping) {
        return IndexMetadata.builder(name).settings(indexSettings(IndexVersion.current(), 1, 0)).putMapping(mapping).build();
    }

    /** A coordinating node's rewrite context for a search of {@code local} indices (and {@code remote} ones). */
    private static QueryRewriteContext context(Map<String, OriginalIndices> remote, IndexMetadata... local) {
        Map<Index, IndexMetadata> metadata = new LinkedHashMap<>();
        for (IndexMetadata index : local) {
            metadata.put(index.getIndex(), index);
        }
        String[] names = metadata.keySet().stream().map(Index::getName).toArray(String[]::new);
        ResolvedIndices resolved = new ResolvedIndices(remote, new OriginalIndices(names, IndicesOptions.strictExpandOpen()), metadata);
        return new QueryRewriteContext(null, null, () -> 0L, TransportVersion.current(), null, resolved, null, null, null);
    }

    public void testModelIsADeprecatedAliasOfModelId() throws IOException {
        PqKnnQueryBuilder query = (PqKnnQueryBuilder) parse("""
            {"pq_knn": {"field": "f", "query_audio": {"audio": "UklGRg==", "model": "audiopq-default"}}}""");
        assertEquals(new QueryAudio(Base64.getDecoder().decode("UklGRg=="), "audiopq-default"), query.vectorSource());
        assertWarnings("Deprecated field [model] used, expected [model_id] instead");
    }

    /** Bad clips are the parse error itself (the reason users read in the 400), not the cause of a "failed to parse field" wrapper. */
    public void testAudioErrorsAreTheTopLevelReason() {
        String[][] cases = {
            { "\"@@not base64@@\"", "[pq_knn] [query_audio] [audio] is not valid base64: " },
            { "\"\"", "[pq_knn] [query_audio] requires [audio]: base64-encoded audio" },
            { "42", "[pq_knn] [query_audio] [audio] must hold base64-encoded audio as a string, found integer" },
            { "true", "[pq_knn] [query_audio] [audio] must hold base64-encoded audio as a string, found boolean" } };
        for (String[] c : cases) {
            ParsingException e = expectThrows(ParsingException.class,
                () -> parse("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": " + c[0] + "}}}"));
            assertThat(c[0], e.getMessage(), startsWith(c[1]));
            assertEquals(RestStatus.BAD_REQUEST, e.status());
        }
    }

    public void testMalformedQueryAudioIsRejectedNamingIt() {
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"@@not base64@@\", \"model_id\": \"m\"}}}",
            "[pq_knn] [query_audio] [audio] is not valid base64");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": 42, \"model_id\": \"m\"}}}",
            "[pq_knn] [query_audio] [audio] must hold base64-encoded audio as a string, found integer");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"\", \"model_id\": \"m\"}}}",
            "[pq_knn] [query_audio] requires [audio]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"UklGRg==\", \"model_id\": \"\"}}}",
            "[pq_knn] [query_audio] [model_id] must not be empty: name the audio bundle that embedded the indexed audio, or leave [model_id] out");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"UklGRg==\", \"model_id\": \"m\", \"rate\": 1}}}",
            "unknown field [rate]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"query_audio\": {\"audio\": \"UklGRg==\", \"model_id\": \"m\"}}}",
            "The following fields are not allowed together: [query_vector, query_audio]");
    }
}
