package io.audiopq.elasticsearch.query;

import io.audiopq.testing.SoundKinds;

import io.audiopq.testing.TestAudio;

import static io.audiopq.testing.SoundKinds.hiss;
import static io.audiopq.testing.SoundKinds.ticks;
import static io.audiopq.testing.SoundKinds.tone;
import io.audiopq.elasticsearch.action.EmbedAudioAction;

import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.ingest.SimulateDocumentBaseResult;
import org.elasticsearch.action.ingest.SimulatePipelineResponse;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import io.audiopq.elasticsearch.BundleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertNoFailuresAndResponse;
import static org.hamcrest.Matchers.containsString;

/**
 * Query by sound on an in-JVM node with the shipped default bundle: clips indexed through the
 * {@code audio_embedding} pipeline, queried with new recordings of each kind of sound; the embed
 * action gives the very vector the processor writes; without {@code model} the field's bundle is
 * used (clip-level and nested segment fields), and conflicting or missing mappings are refused;
 * bad input is refused naming {@code query_audio}.
 */
public class QueryAudioSingleNodeTests extends BundleNodeTestCase {

    private static final String BUNDLE = "audiopq-default";
    private static final String INDEX = "sounds";
    @Override
    protected void writeBundles(Path models) throws IOException {
        copyBundle(Path.of("models", BUNDLE), models);
        PqTestBundles.writeAll(models.getParent().getParent()); // another bundle to map a field to (cos16)
    }

    // Three kinds of sound, each recorded twice for the index and once more (different parameters) as the query.

    static String wav(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    private void indexCorpus() {
        indexCorpus(INDEX, """
            {"properties": {"kind": {"type": "keyword"},
              "audio_embedding": {"properties": {
                "embedding": {"type": "pq_vector", "model": "%s"},
                "segments": {"type": "object", "enabled": false}}}}}
            """.formatted(BUNDLE), ALL_CLIPS);
    }

    private static final Map<String, String> ALL_CLIPS = Map.of(
        "tone-1", wav(tone(440, 0.5, 22050, 2.0), 22050),
        "tone-2", wav(tone(480, 0.3, 16000, 3.0), 16000),
        "hiss-1", wav(hiss(16000, 2.0, 1, 0.2), 16000),
        "hiss-2", wav(hiss(22050, 2.5, 2, 0.1), 22050),
        "ticks-1", wav(ticks(16000, 2.0, 4, 0.6), 16000),
        "ticks-2", wav(ticks(22050, 3.0, 5, 0.4), 22050)
    );

    /** Creates {@code index} with {@code mapping} and indexes {@code clips} (id → base64) through the {@code audio_embedding} pipeline. */
    private void indexCorpus(String index, String mapping, Map<String, String> clips) {
        putJsonPipeline("audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}
            """.formatted(BUNDLE));
        createSoundIndex(index, mapping);
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        clips.forEach((id, audio) -> bulk.add(client().prepareIndex(index).setId(id).setPipeline("audio")
            .setSource(Map.of("kind", id.substring(0, id.indexOf('-')), "audio", audio))));
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());
    }

    private void createSoundIndex(String index, String mapping) {
        client().admin().indices().prepareCreate(index)
            .setSettings(Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0))
            .setMapping(mapping).get();
        ensureGreen(index);
    }

    private List<String> searchIds(String pqKnnJson) throws IOException {
        return search("{\"pq_knn\": " + pqKnnJson + "}", INDEX).stream().map(hit -> hit.substring(0, hit.indexOf(' '))).toList();
    }

    /** The hits of {@code queryJson} on {@code indices}, each as {@code "<id> <score>"}. */
    private List<String> search(String queryJson, String... indices) throws IOException {
        List<String> hits = new ArrayList<>();
        String body = "{\"size\": 10, \"_source\": false, \"query\": " + queryJson + "}";
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, body)) {
            assertNoFailuresAndResponse(
                client().prepareSearch(indices).setSource(new SearchSourceBuilder().parseXContent(parser, true, nf -> true)),
                response -> {
                    for (SearchHit hit : response.getHits().getHits()) {
                        hits.add(hit.getId() + " " + hit.getScore());
                    }
                }
            );
        }
        return hits;
    }

    private static String queryAudio(String base64, String model, boolean topK) {
        return queryAudio("audio_embedding.embedding", base64, model, topK);
    }

    /** A {@code pq_knn} object; {@code model} null leaves it out. */
    private static String queryAudio(String field, String base64, String model, boolean topK) {
        return "{\"field\": \"" + field + "\", \"query_audio\": {\"audio\": \"" + base64 + "\""
            + (model == null ? "" : ", \"model_id\": \"" + model + "\"") + "}" + (topK ? ", \"k\": 6" : "") + "}";
    }

    public void testANewRecordingFindsItsKindFirst() throws IOException {
        indexCorpus();
        Map<String, String> queries = Map.of(
            "tone", wav(tone(455, 0.4, 44100, 2.5), 44100),
            "hiss", wav(hiss(44100, 1.5, 9, 0.15), 44100),
            "ticks", wav(ticks(44100, 2.5, 4.5, 0.5), 44100)
        );
        for (Map.Entry<String, String> q : queries.entrySet()) {
            for (boolean topK : new boolean[] { true, false }) {
                List<String> ids = searchIds(queryAudio(q.getValue(), BUNDLE, topK));
                assertEquals(q.getKey() + (topK ? " top-k: " : " scoring: ") + ids, 6, ids.size());
                assertTrue(q.getKey() + (topK ? " top-k: " : " scoring: ") + ids,
                    ids.get(0).startsWith(q.getKey() + "-") && ids.get(1).startsWith(q.getKey() + "-"));
            }
        }
    }

    public void testWithoutModelTheFieldsBundleGivesTheSameHitsAndScores() throws IOException {
        indexCorpus();
        String clip = wav(hiss(44100, 1.5, 9, 0.15), 44100);
        for (boolean topK : new boolean[] { true, false }) {
            List<String> explicit = search("{\"pq_knn\": " + queryAudio(clip, BUNDLE, topK) + "}", INDEX);
            assertEquals(explicit.toString(), 6, explicit.size());
            assertEquals(explicit, search("{\"pq_knn\": " + queryAudio(clip, null, topK) + "}", INDEX));
        }
    }

    public void testWithoutModelOnNestedSegments() throws IOException {
        indexCorpus("segmented", """
            {"properties": {"kind": {"type": "keyword"},
              "audio_embedding": {"properties": {
                "embedding": {"type": "pq_vector", "model": "%1$s"},
                "segments": {"type": "nested", "properties": {"embedding": {"type": "pq_vector", "model": "%1$s"}}}}}}}
            """.formatted(BUNDLE), Map.of("tone-1", ALL_CLIPS.get("tone-1"), "hiss-1", ALL_CLIPS.get("hiss-1")));
        String clip = wav(tone(455, 0.4, 16000, 1.0), 16000);
        String nested = """
            {"nested": {"path": "audio_embedding.segments", "score_mode": "max", "query": {"pq_knn": %s}}}""";
        List<String> explicit = search(nested.formatted(queryAudio("audio_embedding.segments.embedding", clip, BUNDLE, true)), "segmented");
        assertEquals(explicit.toString(), 2, explicit.size());
        assertTrue(explicit.toString(), explicit.get(0).startsWith("tone-1 "));
        assertEquals(explicit, search(nested.formatted(queryAudio("audio_embedding.segments.embedding", clip, null, true)), "segmented"));
    }

    public void testWithoutModelConflictingOrMissingFieldsAreRefused() throws IOException {
        indexCorpus();
        createSoundIndex("vectors", """
            {"properties": {"audio_embedding": {"properties": {"embedding": {"type": "pq_vector", "model": "%s"}}}}}
            """.formatted(PqTestBundles.COSINE));
        String clip = wav(tone(440, 0.5, 16000, 1.0), 16000);

        Exception conflict = expectThrows(Exception.class, () -> search("{\"pq_knn\": " + queryAudio(clip, null, true) + "}", INDEX, "vectors"));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(conflict));
        assertThat(messages(conflict), containsString("[pq_knn] [query_audio] has no [model_id] and field [audio_embedding.embedding] is mapped "
            + "to different bundles in the targeted indices: [" + BUNDLE + "] in [" + INDEX + "], [" + PqTestBundles.COSINE
            + "] in [vectors]; pass [model_id]"));

        Exception missing = expectThrows(Exception.class,
            () -> search("{\"pq_knn\": " + queryAudio("audio_embedding.nothing", clip, null, true) + "}", INDEX, "vectors"));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(missing));
        assertThat(messages(missing), containsString("[pq_knn] [query_audio] has no [model_id] and field [audio_embedding.nothing] is not a "
            + "[pq_vector] field in any targeted index: query a [pq_vector] field, whose mapping names its bundle, or pass [model_id]"));

        Exception keyword = expectThrows(Exception.class, () -> search("{\"pq_knn\": " + queryAudio("kind", clip, null, false) + "}", INDEX));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(keyword));
        assertThat(messages(keyword), containsString("field [kind] is not a [pq_vector] field in any targeted index ([sounds] maps it as [keyword])"));
    }

    public void testTheEmbedActionGivesTheVectorTheProcessorWrites() {
        byte[] clip = TestAudio.wav16(tone(440, 0.5, 22050, 2.0), 22050);
        EmbedAudioAction.Response response = client().execute(EmbedAudioAction.INSTANCE, new EmbedAudioAction.Request(BUNDLE, clip)).actionGet();
        assertEquals(BUNDLE, response.model());
        assertEquals(2.0, response.audio().durationSeconds(), 1e-9);
        assertEquals(22050, response.audio().sampleRate());
        assertEquals(defaultDimensions(), response.embedding().length);

        String body = """
            {"pipeline": {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s"}}]}, "docs": [{"_source": {"audio": "%s"}}]}
            """.formatted(BUNDLE, Base64.getEncoder().encodeToString(clip));
        SimulatePipelineResponse simulated = client().admin().cluster().prepareSimulatePipeline(new BytesArray(body), XContentType.JSON).get();
        SimulateDocumentBaseResult result = (SimulateDocumentBaseResult) simulated.getResults().get(0);
        assertNull(result.getFailure());
        @SuppressWarnings("unchecked")
        List<Number> written = (List<Number>) ((Map<String, Object>) result.getIngestDocument().getSource().get("audio_embedding")).get("embedding");
        assertEquals(defaultDimensions(), written.size());
        for (int i = 0; i < written.size(); i++) {
            assertEquals("dimension " + i, written.get(i).floatValue(), response.embedding()[i], 0f);
        }
    }

    public void testBadInputIsRefusedNamingQueryAudio() throws IOException {
        indexCorpus();
        Exception badBase64 = expectThrows(Exception.class, () -> searchIds(queryAudio("@@@ not base64", BUNDLE, true)));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(badBase64));
        assertThat(messages(badBase64), containsString("[pq_knn] [query_audio] [audio] is not valid base64"));

        String notAudio = Base64.getEncoder().encodeToString("RIFF\0\0\0\0WAVEjunk".getBytes(StandardCharsets.US_ASCII));
        Exception corrupt = expectThrows(Exception.class, () -> searchIds(queryAudio(notAudio, BUNDLE, true)));
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(ExceptionsHelper.unwrapCause(corrupt)));
        assertThat(messages(corrupt), containsString("[pq_knn] [query_audio] [audio] holds unusable audio ("));

        String text = Base64.getEncoder().encodeToString("just some text, no audio".getBytes(StandardCharsets.US_ASCII));
        Exception unsupported = expectThrows(Exception.class, () -> searchIds(queryAudio(text, BUNDLE, false)));
        assertThat(messages(unsupported), containsString("[pq_knn] [query_audio] [audio] holds unusable audio (unsupported_format)"));

        String clip = wav(tone(440, 0.5, 16000, 1.0), 16000);
        Exception unknown = expectThrows(Exception.class, () -> searchIds(queryAudio(clip, "no-such-bundle", true)));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status(ExceptionsHelper.unwrapCause(unknown)));
        assertThat(messages(unknown), containsString("[pq_knn] [query_audio] model bundle [no-such-bundle] is not installed"));
        assertThat(messages(unknown), containsString("bundles here: [" + BUNDLE));
    }

    private static String messages(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append(" / ");
        }
        return out.toString();
    }
}
