package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import io.audiopq.testing.TestAudio;

import org.junit.Assume;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * The {@code audio_embedding} processor on the real node: the default bundle (models/) and, with
 * ../shared, the ITs' mn04 bundle. Running ONNX Runtime here proves the
 * {@code load_native_libraries} entitlement; a corrupt document in a bulk fails alone and the node
 * stays healthy.
 */
public class AudioEmbeddingIT {

    private static final String DEFAULT_BUNDLE = "audiopq-default";
    private final RealNode node = RealNode.fromBuild();
    private final Path integBundles = Path.of(System.getProperty("audiopq.integ.bundles", "target/integ-bundles"));

    private static String wav(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    private static float[] noise(int rate, double seconds, long seed) {
        Random random = new Random(seed);
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 0.2);
        }
        return x;
    }

    private void putPipeline(String id, String model) {
        RealNode.Response r = node.put("/_ingest/pipeline/" + id, """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}
            """.formatted(model));
        assertEquals(r.body(), 200, r.status());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void defaultBundleIsListedWithItsAudioSection() {
        RealNode.Response r = node.get("/_audio_pq/models/" + DEFAULT_BUNDLE);
        assertEquals(r.body(), 200, r.status());
        Map<String, Object> bundle = (Map<String, Object>) ((Map<String, Object>) r.json().get("models")).get(DEFAULT_BUNDLE);
        assertEquals(bundle.toString(), "loaded", bundle.get("status"));
        assertEquals("audio", bundle.get("kind"));
        assertEquals(DefaultBundle.dimensions(), bundle.get("dimensions"));
        Map<String, Object> audio = (Map<String, Object>) bundle.get("audio");
        assertEquals(16000, ((Map<String, Object>) audio.get("front_end")).get("sample_rate"));
        assertEquals("backbone.onnx", ((Map<String, Object>) audio.get("backbone")).get("model"));
        assertTrue(((Map<String, Object>) bundle.get("files")).containsKey("backbone.onnx"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void bulkWithTheDefaultBundleIndexesGoodAudioAndRejectsOnlyTheCorruptDocument() {
        putPipeline("audio-default", DEFAULT_BUNDLE);
        RealNode.Response created = node.put("/sounds-default", """
            {"mappings": {"properties": {"title": {"type": "text"}, "audio_embedding": {"type": "object", "enabled": false}}}}
            """);
        assertEquals(created.body(), 200, created.status());
        String corrupt = Base64.getEncoder().encodeToString("RIFF\u0000\u0000\u0000\u0000WAVEnot really".getBytes(StandardCharsets.ISO_8859_1));
        String bulk = String.join("\n",
            "{\"index\": {\"_id\": \"sine\"}}",
            "{\"title\": \"tone\", \"audio\": \"" + wav(TestAudio.sine(440, 0.5, 44100, 3.0), 44100) + "\"}",
            "{\"index\": {\"_id\": \"corrupt\"}}",
            "{\"title\": \"broken\", \"audio\": \"" + corrupt + "\"}",
            "{\"index\": {\"_id\": \"noise\"}}",
            "{\"title\": \"hiss\", \"audio\": \"" + wav(noise(16000, 2.0, 3), 16000) + "\"}",
            "{\"index\": {\"_id\": \"not-base64\"}}",
            "{\"title\": \"typo\", \"audio\": \"@@@\"}",
            "");
        RealNode.Response r = node.bulk("/sounds-default/_bulk?pipeline=audio-default&refresh=true", bulk);
        assertEquals(r.body(), 200, r.status());
        List<Map<String, Object>> items = (List<Map<String, Object>>) r.json().get("items");
        Map<String, Object> sine = (Map<String, Object>) items.get(0).get("index");
        Map<String, Object> bad = (Map<String, Object>) items.get(1).get("index");
        Map<String, Object> noise = (Map<String, Object>) items.get(2).get("index");
        Map<String, Object> notBase64 = (Map<String, Object>) items.get(3).get("index");
        assertEquals(sine.toString(), 201, sine.get("status"));
        assertEquals(noise.toString(), 201, noise.get("status"));
        assertEquals(bad.toString(), 400, bad.get("status"));
        assertTrue(bad.toString(), ((Map<String, Object>) bad.get("error")).get("reason").toString().contains("field [audio] holds unusable audio"));
        assertEquals(notBase64.toString(), 400, notBase64.get("status"));
        assertTrue(notBase64.toString(), ((Map<String, Object>) notBase64.get("error")).get("reason").toString().contains("field [audio] is not valid base64"));

        Map<String, Object> doc = (Map<String, Object>) node.get("/sounds-default/_doc/sine").json().get("_source");
        assertNull("remove_binary", doc.get("audio"));
        Map<String, Object> out = (Map<String, Object>) doc.get("audio_embedding");
        assertEquals(DefaultBundle.dimensions(), ((List<?>) out.get("embedding")).size());
        assertEquals(Map.of("duration", 3.0, "sample_rate", 44100, "channels", 1, "format", "wav"), out.get("audio"));
        List<Map<String, Object>> segments = (List<Map<String, Object>>) out.get("segments");
        assertEquals(5, segments.size());
        assertEquals(0.5, ((Number) segments.get(1).get("start")).doubleValue(), 0);
        Map<String, Object> noiseDoc = (Map<String, Object>) ((Map<String, Object>) node.get("/sounds-default/_doc/noise").json().get("_source"))
            .get("audio_embedding");
        assertNotEquals(out.get("embedding"), noiseDoc.get("embedding"));
        assertEquals(404, node.get("/sounds-default/_doc/corrupt").status());
        Map<String, Object> health = node.get("/_cluster/health").json();
        assertFalse(health.toString(), "red".equals(health.get("status")));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void mn04TagsASineAsSineWave() {
        Assume.assumeTrue("no integ-mn04 bundle (../shared absent when the build made the ITs' bundles): skipping",
            Files.isDirectory(integBundles.resolve("integ-mn04")));
        putPipeline("audio-mn04", "integ-mn04");
        String body = """
            {"docs": [{"_source": {"audio": "%s"}}]}
            """.formatted(wav(TestAudio.sine(440, 0.5, 32000, 3.0), 32000));
        RealNode.Response r = node.post("/_ingest/pipeline/audio-mn04/_simulate", body);
        assertEquals(r.body(), 200, r.status());
        Map<String, Object> result = ((List<Map<String, Object>>) r.json().get("docs")).get(0);
        Map<String, Object> source = (Map<String, Object>) ((Map<String, Object>) result.get("doc")).get("_source");
        Map<String, Object> out = (Map<String, Object>) source.get("audio_embedding");
        assertEquals(384, ((List<?>) out.get("embedding")).size());
        List<Map<String, Object>> tags = (List<Map<String, Object>>) out.get("tags");
        assertEquals(tags.toString(), "Sine wave", tags.get(0).get("label"));
    }
}
