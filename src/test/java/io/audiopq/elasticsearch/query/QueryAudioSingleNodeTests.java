package io.audiopq.elasticsearch.query;

import io.audiopq.audio.TestAudio;

import static io.audiopq.audio.SoundKinds.hiss;
import static io.audiopq.audio.SoundKinds.ticks;
import static io.audiopq.audio.SoundKinds.tone;
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
 * action gives the very vector the processor writes; bad input is refused naming
 * {@code query_audio}.
 */
public class QueryAudioSingleNodeTests extends BundleNodeTestCase {

    private static final String BUNDLE = "audiopq-default";
    private static final String INDEX = "sounds";
    @Override
    protected void writeBundles(Path models) throws IOException {
        copyBundle(Path.of("models", BUNDLE), models);
    }

    // Three kinds of sound, each recorded twice for the index and once more (different parameters) as the query.

    static String wav(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    private void indexCorpus() {
        putJsonPipeline("audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model": "%s", "remove_binary": true}}]}
            """.formatted(BUNDLE));
        client().admin().indices().prepareCreate(INDEX)
            .setSettings(Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0))
            .setMapping("""
                {"properties": {"kind": {"type": "keyword"},
                  "audio_embedding": {"properties": {
                    "embedding": {"type": "pq_vector", "model": "%s"},
                    "segments": {"type": "object", "enabled": false}}}}}
                """.formatted(BUNDLE)).get();
        ensureGreen(INDEX);
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        Map<String, String> clips = Map.of(
            "tone-1", wav(tone(440, 0.5, 22050, 2.0), 22050),
            "tone-2", wav(tone(480, 0.3, 16000, 3.0), 16000),
            "hiss-1", wav(hiss(16000, 2.0, 1, 0.2), 16000),
            "hiss-2", wav(hiss(22050, 2.5, 2, 0.1), 22050),
            "ticks-1", wav(ticks(16000, 2.0, 4, 0.6), 16000),
            "ticks-2", wav(ticks(22050, 3.0, 5, 0.4), 22050)
        );
        clips.forEach((id, audio) -> bulk.add(client().prepareIndex(INDEX).setId(id).setPipeline("audio")
            .setSource(Map.of("kind", id.substring(0, id.indexOf('-')), "audio", audio))));
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());
    }

    private List<String> searchIds(String pqKnnJson) throws IOException {
        List<String> ids = new ArrayList<>();
        String body = "{\"size\": 10, \"_source\": false, \"query\": {\"pq_knn\": " + pqKnnJson + "}}";
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, body)) {
            assertNoFailuresAndResponse(
                client().prepareSearch(INDEX).setSource(new SearchSourceBuilder().parseXContent(parser, true, nf -> true)),
                response -> {
                    for (SearchHit hit : response.getHits().getHits()) {
                        ids.add(hit.getId());
                    }
                }
            );
        }
        return ids;
    }

    private static String queryAudio(String base64, String model, boolean topK) {
        return "{\"field\": \"audio_embedding.embedding\", \"query_audio\": {\"audio\": \"" + base64 + "\", \"model\": \"" + model + "\"}"
            + (topK ? ", \"k\": 6" : "") + "}";
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

    public void testTheEmbedActionGivesTheVectorTheProcessorWrites() {
        byte[] clip = TestAudio.wav16(tone(440, 0.5, 22050, 2.0), 22050);
        EmbedAudioAction.Response response = client().execute(EmbedAudioAction.INSTANCE, new EmbedAudioAction.Request(BUNDLE, clip)).actionGet();
        assertEquals(BUNDLE, response.model());
        assertEquals(2.0, response.audio().durationSeconds(), 1e-9);
        assertEquals(22050, response.audio().sampleRate());
        assertEquals(defaultDimensions(), response.embedding().length);

        String body = """
            {"pipeline": {"processors": [{"audio_embedding": {"field": "audio", "model": "%s"}}]}, "docs": [{"_source": {"audio": "%s"}}]}
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
