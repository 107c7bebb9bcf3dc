package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioPqPlugin;

import org.elasticsearch.common.ParsingException;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchModule;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/** {@code pq_knn} with {@code query_audio}: wire and JSON (and CBOR) round trips, and what a malformed input is told. */
public class AudioQueryTests extends ESTestCase {

    private final SearchModule searchModule = new SearchModule(Settings.EMPTY, List.of(new AudioPqPlugin(Settings.EMPTY, null)));
    private final NamedWriteableRegistry writeables;
    private final NamedXContentRegistry xContents = new NamedXContentRegistry(searchModule.getNamedXContents());

    public AudioQueryTests() {
        List<NamedWriteableRegistry.Entry> entries = new ArrayList<>(searchModule.getNamedWriteables());
        entries.addAll(new AudioPqPlugin(Settings.EMPTY, null).getNamedWriteables());
        writeables = new NamedWriteableRegistry(entries);
    }

    @Override
    protected NamedXContentRegistry xContentRegistry() {
        return xContents;
    }

    private PqKnnQueryBuilder randomBuilder() {
        PqKnnQueryBuilder builder = new PqKnnQueryBuilder(randomAlphaOfLength(6), new AudioQuery(randomByteArrayOfLength(randomIntBetween(1, 300)),
            randomAlphaOfLength(8)));
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
            {"pq_knn": {"field": "clip.embedding", "query_audio": {"audio": "%s", "model": "audiopq-default"}, "k": 5}}""".formatted(wrapped));
        assertEquals(new AudioQuery(wav, "audiopq-default"), query.vectorSource());
        assertNull("resolved by the rewrite", query.queryVector());
        assertEquals(Integer.valueOf(5), query.k());
        String json = Strings.toString(query);
        assertThat(json, containsString("\"query_audio\":{\"audio\":\"" + base64 + "\",\"model\":\"audiopq-default\"}"));
    }

    public void testMalformedQueryAudioIsRejectedNamingIt() {
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"@@not base64@@\", \"model\": \"m\"}}}",
            "[pq_knn] [query_audio] [audio] is not valid base64");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": 42, \"model\": \"m\"}}}",
            "[pq_knn] [query_audio] [audio] must hold base64-encoded audio as a string, found integer");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"\", \"model\": \"m\"}}}",
            "[pq_knn] [query_audio] requires [audio]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"UklGRg==\"}}}",
            "[pq_knn] [query_audio] requires [model]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_audio\": {\"audio\": \"UklGRg==\", \"model\": \"m\", \"rate\": 1}}}",
            "unknown field [rate]");
        assertParseError("{\"pq_knn\": {\"field\": \"f\", \"query_vector\": [1], \"query_audio\": {\"audio\": \"UklGRg==\", \"model\": \"m\"}}}",
            "The following fields are not allowed together: [query_vector, query_audio]");
    }

    private QueryBuilder parse(String json) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, json)) {
            return AbstractQueryBuilder.parseTopLevelQuery(parser);
        }
    }

    private void assertParseError(String json, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(json));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertThat(json, all.toString(), containsString(message));
        assertTrue(json + ": " + e, e instanceof ParsingException || e.getCause() instanceof ParsingException || e instanceof IllegalArgumentException);
    }
}
