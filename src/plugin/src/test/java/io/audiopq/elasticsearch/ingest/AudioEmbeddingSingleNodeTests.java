package io.audiopq.elasticsearch.ingest;

import io.audiopq.testing.TestAudio;
import io.audiopq.model.AudioBundleFixtures;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.ingest.SimulateDocumentBaseResult;
import org.elasticsearch.action.ingest.SimulatePipelineResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.bytes.BytesArray;
import io.audiopq.elasticsearch.BundleNodeTestCase;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.containsString;

/**
 * An in-JVM node with the project's default bundle (models/audiopq-default, as shipped) and a
 * broken audio bundle: pipelines with the processor index generated audio, a corrupt document
 * fails alone, and simulate shows the output.
 */
public class AudioEmbeddingSingleNodeTests extends BundleNodeTestCase {

    private static final String DEFAULT_BUNDLE = "audiopq-default";
    @Override
    protected void writeBundles(Path models) throws IOException {
        copyBundle(Path.of("models", DEFAULT_BUNDLE), models);
        Path broken = AudioBundleFixtures.statisticsBundle(models, "broken-audio");
        Files.writeString(broken.resolve("backbone.onnx"), "not a model");
    }

    private static String pipeline(String model) {
        return """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true, "tag": "embed"}}]}
            """.formatted(model);
    }

    static String wavBase64(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    static float[] noise(int rate, double seconds, long seed) {
        Random random = new Random(seed);
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 0.2);
        }
        return x;
    }

    public void testBundlesLoadedAtNodeStart() {
        ModelRegistry registry = getInstanceFromNode(ModelRegistry.class);
        assertEquals(ModelEntry.Status.LOADED, registry.get(DEFAULT_BUNDLE).orElseThrow().status());
        ModelEntry broken = registry.get("broken-audio").orElseThrow();
        assertEquals(ModelEntry.Status.FAILED, broken.status());
        assertThat(broken.error(), containsString("key [audio.backbone.model]: ONNX Runtime cannot load model"));
    }

    @SuppressWarnings("unchecked")
    public void testBulkIndexesGoodAudioAndFailsOnlyTheCorruptDocument() {
        putJsonPipeline("audio", pipeline(DEFAULT_BUNDLE));
        client().admin().indices().prepareCreate("sounds").setMapping("""
            {"properties": {"audio_embedding": {"type": "object", "enabled": false}}}
            """).get();
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        bulk.add(client().prepareIndex("sounds").setId("sine").setPipeline("audio")
            .setSource(Map.of("title", "a tone", "audio", wavBase64(TestAudio.sine(440, 0.5, 22050, 2.5), 22050))));
        bulk.add(client().prepareIndex("sounds").setId("corrupt").setPipeline("audio")
            .setSource(Map.of("title", "broken", "audio", Base64.getEncoder().encodeToString("RIFF\0\0\0\0WAVEjunk".getBytes(StandardCharsets.US_ASCII)))));
        bulk.add(client().prepareIndex("sounds").setId("noise").setPipeline("audio")
            .setSource(Map.of("title", "hiss", "audio", wavBase64(noise(16000, 1.5, 1), 16000))));
        BulkResponse response = bulk.get();
        assertTrue(response.hasFailures());
        BulkItemResponse[] items = response.getItems();
        assertFalse(items[0].getFailureMessage(), items[0].isFailed());
        assertTrue(items[1].isFailed());
        assertThat(items[1].getFailureMessage(), containsString("field [audio] holds unusable audio"));
        assertFalse(items[2].getFailureMessage(), items[2].isFailed());

        Map<String, Object> sine = client().prepareGet("sounds", "sine").get().getSourceAsMap();
        assertNull("remove_binary dropped the audio", sine.get("audio"));
        assertEquals("a tone", sine.get("title"));
        Map<String, Object> out = (Map<String, Object>) sine.get("audio_embedding");
        assertEquals(defaultDimensions(), ((List<?>) out.get("embedding")).size());
        assertEquals(Map.of("duration", 2.5, "sample_rate", 22050, "channels", 1, "format", "wav"), out.get("audio"));
        List<Map<String, Object>> segments = (List<Map<String, Object>>) out.get("segments");
        assertEquals(4, segments.size());
        assertEquals(defaultDimensions(), ((List<?>) segments.get(0).get("embedding")).size());
        assertEquals(DEFAULT_BUNDLE, out.get("model"));
        assertFalse(client().prepareGet("sounds", "corrupt").get().isExists());
        Map<String, Object> noise = (Map<String, Object>) client().prepareGet("sounds", "noise").get().getSourceAsMap().get("audio_embedding");
        assertNotEquals(out.get("embedding"), noise.get("embedding"));
    }

    public void testSimulate() {
        String body = """
            {"pipeline": %s, "docs": [{"_source": {"audio": "%s"}}, {"_source": {"audio": "bm90IGF1ZGlv"}}]}
            """.formatted(pipeline(DEFAULT_BUNDLE), wavBase64(noise(8000, 1.0, 2), 8000));
        SimulatePipelineResponse response = client().admin().cluster()
            .prepareSimulatePipeline(new BytesArray(body), XContentType.JSON).get();
        SimulateDocumentBaseResult ok = (SimulateDocumentBaseResult) response.getResults().get(0);
        assertNull(ok.getFailure());
        Map<String, Object> source = ok.getIngestDocument().getSource();
        assertFalse(source.containsKey("audio"));
        assertTrue(source.containsKey("audio_embedding"));
        SimulateDocumentBaseResult bad = (SimulateDocumentBaseResult) response.getResults().get(1);
        assertThat(bad.getFailure().getMessage(), containsString("field [audio] holds unusable audio (unsupported_format)"));
    }

    public void testPipelineWithAFailedOrMissingBundleIsRejected() {
        assertThat(messages(expectThrows(Throwable.class, () -> putJsonPipeline("bad", pipeline("broken-audio")))),
            containsString("[model_id] model bundle [broken-audio] failed to load on this node"));
        assertThat(messages(expectThrows(Throwable.class, () -> putJsonPipeline("missing", pipeline("nope")))),
            containsString("[model_id] model bundle [nope] is not installed"));
    }

    /** The messages of an exception and its causes (the test helper wraps the node's error). */
    private static String messages(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append(" / ");
        }
        return out.toString();
    }
}
