package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import io.audiopq.testing.SoundKinds;

import io.audiopq.testing.TestAudio;

import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.audiopq.testing.SoundKinds.hiss;
import static io.audiopq.testing.SoundKinds.ticks;
import static io.audiopq.testing.SoundKinds.tone;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Query by sound on the real node over HTTP: clips indexed through the {@code audio_embedding}
 * pipeline with the default bundle into a {@code pq_vector} field, then {@code pq_knn} with
 * {@code query_audio} (ONNX Runtime on the coordinating node's search pool, under the
 * distribution's entitlements), with {@code model} and without it (the field's bundle); bad input
 * is a 400 naming {@code query_audio}; the {@code _embed} endpoint.
 */
public class QueryAudioIT {

    private static final String BUNDLE = "audiopq-default";
    private static final String INDEX = "query-audio";
    private final RealNode node = RealNode.fromBuild();

    private static String wav(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    private synchronized void indexCorpusOnce() {
        if (node.get("/" + INDEX).status() == 200) {
            return;
        }
        RealNode.Response pipeline = node.put("/_ingest/pipeline/query-audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}
            """.formatted(BUNDLE));
        assertEquals(pipeline.body(), 200, pipeline.status());
        RealNode.Response created = node.put("/" + INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"kind": {"type": "keyword"},
               "audio_embedding": {"properties": {"embedding": {"type": "pq_vector", "model": "%s"},
                                                  "segments": {"type": "object", "enabled": false}}}}}}
            """.formatted(BUNDLE));
        assertEquals(created.body(), 200, created.status());
        Map<String, String> clips = new LinkedHashMap<>();
        clips.put("tone-1", wav(tone(440, 0.5, 22050, 2.0), 22050));
        clips.put("tone-2", wav(tone(480, 0.3, 16000, 3.0), 16000));
        clips.put("hiss-1", wav(hiss(16000, 2.0, 1, 0.2), 16000));
        clips.put("hiss-2", wav(hiss(22050, 2.5, 2, 0.1), 22050));
        clips.put("ticks-1", wav(ticks(16000, 2.0, 4, 0.6), 16000));
        clips.put("ticks-2", wav(ticks(22050, 3.0, 5, 0.4), 22050));
        StringBuilder bulk = new StringBuilder();
        clips.forEach((id, audio) -> bulk.append("{\"index\": {\"_id\": \"").append(id).append("\"}}\n")
            .append("{\"kind\": \"").append(id, 0, id.indexOf('-')).append("\", \"audio\": \"").append(audio).append("\"}\n"));
        RealNode.Response r = node.bulk("/" + INDEX + "/_bulk?pipeline=query-audio&refresh=true", bulk.toString());
        assertEquals(r.body(), 200, r.status());
        assertEquals(r.body(), false, r.json().get("errors"));
    }

    /** {@code model} null leaves it out: the field's mapping names the bundle. */
    private RealNode.Response search(String audioBase64, String model) {
        String modelOption = model == null ? "" : ", \"model_id\": \"" + model + "\"";
        return node.post("/" + INDEX + "/_search", """
            {"_source": false, "query": {"pq_knn": {"field": "audio_embedding.embedding", "k": 6,
                "query_audio": {"audio": "%s"%s}}}}
            """.formatted(audioBase64, modelOption));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(RealNode.Response r) {
        assertEquals(r.body(), 200, r.status());
        return (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
    }

    @SuppressWarnings("unchecked")
    private static String reason(RealNode.Response r) {
        return ((Map<String, Object>) r.json().get("error")).get("reason") + " " + r.body();
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aNewRecordingFindsItsKindFirst() {
        indexCorpusOnce();
        Map<String, String> queries = Map.of(
            "tone", wav(tone(455, 0.4, 44100, 2.5), 44100),
            "hiss", wav(hiss(44100, 1.5, 9, 0.15), 44100),
            "ticks", wav(ticks(44100, 2.5, 4.5, 0.5), 44100)
        );
        for (Map.Entry<String, String> q : queries.entrySet()) {
            RealNode.Response r = search(q.getValue(), BUNDLE);
            assertEquals(r.body(), 200, r.status());
            List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
            List<Object> ids = hits.stream().map(h -> h.get("_id")).toList();
            assertEquals(ids.toString(), 6, ids.size());
            assertTrue(q.getKey() + ": " + ids, ids.get(0).toString().startsWith(q.getKey() + "-") && ids.get(1).toString().startsWith(q.getKey() + "-"));
        }
    }

    @Test
    public void withoutModelTheFieldsBundleIsUsed() {
        indexCorpusOnce();
        String clip = wav(ticks(44100, 2.5, 4.5, 0.5), 44100);
        List<Map<String, Object>> explicit = hits(search(clip, BUNDLE));
        assertEquals(explicit.toString(), 6, explicit.size());
        assertEquals(explicit, hits(search(clip, null)));

        RealNode.Response unmapped = node.post("/" + INDEX + "/_search", """
            {"query": {"pq_knn": {"field": "no_such_field", "k": 6, "query_audio": {"audio": "%s"}}}}""".formatted(clip));
        assertEquals(unmapped.body(), 400, unmapped.status());
        assertTrue(reason(unmapped), reason(unmapped).contains(
            "[pq_knn] [query_audio] has no [model_id] and field [no_such_field] is not a [pq_vector] field in any targeted index"));
    }

    @Test
    public void badInputIsA400NamingQueryAudio() {
        indexCorpusOnce();
        RealNode.Response notBase64 = search("@@@ not base64", BUNDLE);
        assertEquals(notBase64.body(), 400, notBase64.status());
        assertTrue(notBase64.body(), notBase64.body().contains("[pq_knn] [query_audio] [audio] is not valid base64"));

        String junk = Base64.getEncoder().encodeToString("RIFF\u0000\u0000\u0000\u0000WAVEjunk".getBytes(StandardCharsets.ISO_8859_1));
        RealNode.Response corrupt = search(junk, BUNDLE);
        assertEquals(corrupt.body(), 400, corrupt.status());
        assertTrue(reason(corrupt), reason(corrupt).contains("[pq_knn] [query_audio] [audio] holds unusable audio ("));

        RealNode.Response unknown = search(wav(tone(440, 0.5, 16000, 1.0), 16000), "no-such-bundle");
        assertEquals(unknown.body(), 404, unknown.status());
        assertTrue(reason(unknown), reason(unknown).contains("[pq_knn] [query_audio] model bundle [no-such-bundle] is not installed"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void embedEndpointReturnsTheClipEmbedding() {
        RealNode.Response r = node.post("/_audio_pq/models/" + BUNDLE + "/_embed", """
            {"audio": "%s"}""".formatted(wav(tone(440, 0.5, 22050, 2.0), 22050)));
        assertEquals(r.body(), 200, r.status());
        Map<String, Object> body = r.json();
        assertEquals(BUNDLE, body.get("model"));
        assertEquals(DefaultBundle.dimensions(), body.get("dimensions"));
        assertEquals(DefaultBundle.dimensions(), ((List<?>) body.get("embedding")).size());
        assertEquals(Map.of("duration", 2.0, "sample_rate", 22050, "channels", 1, "format", "wav"), body.get("audio"));

        RealNode.Response bad = node.post("/_audio_pq/models/" + BUNDLE + "/_embed", "{\"audio\": \"@@@\"}");
        assertEquals(bad.body(), 400, bad.status());
        assertTrue(bad.body(), bad.body().contains("[audio] is not valid base64"));
        RealNode.Response missing = node.post("/_audio_pq/models/nope/_embed", """
            {"audio": "%s"}""".formatted(wav(tone(440, 0.5, 16000, 1.0), 16000)));
        assertEquals(missing.body(), 404, missing.status());
    }
}
