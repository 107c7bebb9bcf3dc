package io.audiopq.elasticsearch;

import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioFormat;
import io.audiopq.audio.AudioInfo;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.elasticsearch.action.EmbedAudioAction;
import io.audiopq.elasticsearch.query.SearchCostLimits;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.ModelRegistry;
import io.audiopq.testing.TestAudio;

import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.ingest.SimulateDocumentBaseResult;
import org.elasticsearch.action.ingest.SimulatePipelineResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.core.Releasable;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.indices.breaker.CircuitBreakerService;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/**
 * The node side of "untrusted audio cannot take a node down": the {@code audio_pq} breaker, the
 * decode limiter, finite embeddings, and the per-search cost limits.
 */
public class HostileAudioSingleNodeTests extends BundleNodeTestCase {

    private static final String BUNDLE = "audiopq-default";

    @Override
    protected void writeBundles(Path models) throws IOException {
        copyBundle(Path.of("models", BUNDLE), models);
    }

    private static byte[] clip() {
        return TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 1.0), 16000);
    }

    private static RestStatus status(Exception e) {
        return ExceptionsHelper.status(ExceptionsHelper.unwrapCause(e));
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(" | ");
        }
        return b.toString();
    }

    private void setClusterSetting(String key, Object value) {
        Settings.Builder s = Settings.builder();
        if (value == null) {
            s.putNull(key);
        } else {
            s.put(key, value.toString());
        }
        clusterAdmin().prepareUpdateSettings(TimeValue.THIRTY_SECONDS, TimeValue.THIRTY_SECONDS).setPersistentSettings(s).get();
    }

    public void testBreakerTripsWith429AndReleasesItsReservation() {
        CircuitBreakerService breakers = getInstanceFromNode(CircuitBreakerService.class);
        CircuitBreaker breaker = breakers.getBreaker(AudioEmbeddingService.BREAKER_NAME);
        assertEquals(0, breaker.getUsed());
        // The breaker is full with other work: the clip would fit alone, so "later" (429).
        long taken = breaker.getLimit() - 1024;
        breaker.addEstimateBytesAndMaybeBreak(taken, "test: other audio being decoded");
        try {
            Exception e = expectThrows(Exception.class,
                () -> client().execute(EmbedAudioAction.INSTANCE, new EmbedAudioAction.Request(BUNDLE, clip())).actionGet());
            assertTrue(messages(e), ExceptionsHelper.unwrapCause(e) instanceof CircuitBreakingException);
            assertEquals(RestStatus.TOO_MANY_REQUESTS, status(e));
            assertThat(messages(e), containsString("audio_pq"));
        } finally {
            breaker.addWithoutBreaking(-taken);
        }
        assertEquals(0, breaker.getUsed());
        // A limit smaller than the clip alone needs: no retry can succeed, so a 400 naming the setting.
        setClusterSetting("breaker.audio_pq.limit", "1kb");
        try {
            Exception e = expectThrows(Exception.class,
                () -> client().execute(EmbedAudioAction.INSTANCE, new EmbedAudioAction.Request(BUNDLE, clip())).actionGet());
            assertEquals(RestStatus.BAD_REQUEST, status(e));
            assertThat(messages(e), containsString("more than breaker.audio_pq.limit"));
        } finally {
            setClusterSetting("breaker.audio_pq.limit", null);
        }
        assertEquals(0, breakers.getBreaker(AudioEmbeddingService.BREAKER_NAME).getUsed());
        EmbedAudioAction.Response ok = client().execute(EmbedAudioAction.INSTANCE, new EmbedAudioAction.Request(BUNDLE, clip())).actionGet();
        assertEquals(defaultDimensions(), ok.embedding().length);
        assertEquals(0, breakers.getBreaker(AudioEmbeddingService.BREAKER_NAME).getUsed());
    }

    public void testLimiterRejectsWhenEveryTurnIsTaken() {
        ModelRegistry registry = getInstanceFromNode(ModelRegistry.class);
        AudioEmbedderCache models = getInstanceFromNode(AudioEmbedderCache.class);
        AudioEmbeddingService one = new AudioEmbeddingService(() -> registry, models, () -> null, 1, TimeValue.timeValueMillis(50));
        AudioEmbedderCache.BundleEmbedder bundle = one.audioBundle(BUNDLE, "this test");
        try (Releasable held = one.turn("the first clip")) {
            assertEquals(1, one.active());
            EsRejectedExecutionException e = expectThrows(EsRejectedExecutionException.class,
                () -> one.embed(bundle, clip(), DecodeLimits.DEFAULTS, null, "field [audio]"));
            assertThat(e.getMessage(), containsString("audio_pq.decode.max_concurrent=1"));
            assertEquals(RestStatus.TOO_MANY_REQUESTS, ExceptionsHelper.status(e));
        }
        assertEquals(0, one.active());
        assertEquals(defaultDimensions(), one.embed(bundle, clip(), DecodeLimits.DEFAULTS, null, "field [audio]").embedding().length);
        assertEquals(0, one.active());
    }

    public void testNonFiniteEmbeddingsAreRefusedNamingTheField() {
        ModelRegistry registry = getInstanceFromNode(ModelRegistry.class);
        AudioEmbedderCache models = getInstanceFromNode(AudioEmbedderCache.class);
        AudioEmbedderCache.BundleEmbedder bundle = AudioEmbeddingService.unbounded(() -> registry, models).audioBundle(BUNDLE, "this test");
        AudioInfo info = new AudioInfo(1.0, 16000, 1, AudioFormat.WAV);
        AudioEmbeddings nanClip = new AudioEmbeddings(info, new float[] { 0.1f, Float.NaN }, null, List.of());
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
            () -> AudioEmbeddingService.checkFinite(nanClip, bundle, "field [audio]"));
        assertThat(e.getMessage(), startsWith("field [audio] could not be embedded"));
        AudioEmbeddings infSegment = new AudioEmbeddings(info, new float[] { 0.1f, 0.2f }, null,
            List.of(new SegmentEmbedding(0, 1, new float[] { Float.POSITIVE_INFINITY, 0 }, null)));
        e = expectThrows(IllegalArgumentException.class, () -> AudioEmbeddingService.checkFinite(infSegment, bundle, "field [audio]"));
        assertThat(e.getMessage(), containsString("segment 0"));
    }

    /** 32-bit float WAV samples near Float.MAX_VALUE: finite, but the power spectrum overflows. */
    private static byte[] hugeFloatWav(int rate, double seconds) {
        int n = (int) (rate * seconds);
        ByteBuffer b = ByteBuffer.allocate(44 + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 4 * n).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 3).putShort((short) 1).putInt(rate).putInt(rate * 4).putShort((short) 4)
            .putShort((short) 32);
        b.put("data".getBytes()).putInt(4 * n);
        for (int i = 0; i < n; i++) {
            b.putFloat(i % 2 == 0 ? 3e38f : -3e38f);
        }
        return b.array();
    }

    public void testBulkAndSimulateFailBadAudioNamingTheSourceField() {
        putJsonPipeline("audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}
            """.formatted(BUNDLE));
        client().admin().indices().prepareCreate("sounds")
            .setSettings(Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).put("index.codec", "default"))
            .setMapping("""
                {"properties": {"audio_embedding": {"properties": {
                  "embedding": {"type": "pq_vector", "model": "%s"}, "segments": {"type": "object", "enabled": false}}}}}
                """.formatted(BUNDLE)).get();
        String good = Base64.getEncoder().encodeToString(clip());
        String huge = Base64.getEncoder().encodeToString(hugeFloatWav(16000, 1.0));
        String corrupt = Base64.getEncoder().encodeToString("RIFF\0\0\0\0WAVEjunk".getBytes());
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        bulk.add(client().prepareIndex("sounds").setId("good").setPipeline("audio").setSource(Map.of("audio", good)));
        bulk.add(client().prepareIndex("sounds").setId("huge").setPipeline("audio").setSource(Map.of("audio", huge)));
        bulk.add(client().prepareIndex("sounds").setId("corrupt").setPipeline("audio").setSource(Map.of("audio", corrupt)));
        BulkResponse response = bulk.get();
        BulkItemResponse[] items = response.getItems();
        assertFalse(items[0].getFailureMessage(), items[0].isFailed());
        // Whatever the decoder and the model make of overflowing samples, it is never a vector error of the embedding field.
        if (items[1].isFailed()) {
            assertEquals(RestStatus.BAD_REQUEST, items[1].status());
            assertThat(items[1].getFailureMessage(), containsString("field [audio]"));
        }
        assertTrue(items[2].isFailed());
        assertEquals(RestStatus.BAD_REQUEST, items[2].status());
        assertThat(items[2].getFailureMessage(), containsString("field [audio] holds unusable audio"));

        String body = """
            {"pipeline": {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s"}}]}, "docs": [{"_source": {"audio": "%s"}}]}
            """.formatted(BUNDLE, huge);
        SimulatePipelineResponse simulated = client().admin().cluster().prepareSimulatePipeline(new BytesArray(body), XContentType.JSON).get();
        SimulateDocumentBaseResult result = (SimulateDocumentBaseResult) simulated.getResults().get(0);
        if (result.getFailure() != null) {
            assertThat(result.getFailure().getMessage(), containsString("field [audio]"));
        } else {
            @SuppressWarnings("unchecked")
            List<Number> embedding = (List<Number>) ((Map<String, Object>) result.getIngestDocument().getSource().get("audio_embedding"))
                .get("embedding");
            embedding.forEach(v -> assertTrue("simulate returned a non-finite vector: " + embedding, Double.isFinite(v.doubleValue())));
        }
    }

    private Exception searchFails(String queryJson) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, "{\"query\": " + queryJson + "}")) {
            SearchSourceBuilder source = new SearchSourceBuilder().parseXContent(parser, true, nf -> true);
            return expectThrows(Exception.class, () -> client().prepareSearch("limits").setSource(source).get().decRef());
        }
    }

    public void testSearchCostLimits() throws IOException {
        client().admin().indices().prepareCreate("limits")
            .setSettings(Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).put("index.codec", "default"))
            .setMapping("""
                {"properties": {"v": {"type": "pq_vector", "model": "%s"}}}
                """.formatted(BUNDLE)).get();
        ensureGreen("limits");
        float[] v = new float[defaultDimensions()];
        v[0] = 1;
        StringBuilder vector = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            vector.append(i == 0 ? "" : ",").append(v[i]);
        }
        vector.append(']');
        StringBuilder many = new StringBuilder("{\"bool\": {\"should\": [");
        for (int i = 0; i < 1000; i++) {
            many.append(i == 0 ? "" : ",").append("{\"pq_knn\": {\"field\": \"v\", \"query_vector\": ").append(vector).append("}}");
        }
        many.append("]}}");
        Exception e = searchFails(many.toString());
        assertEquals(RestStatus.BAD_REQUEST, status(e));
        assertThat(messages(e), containsString(SearchCostLimits.MAX_PQ_KNN_CLAUSES.getKey() + "=100"));

        String clip = Base64.getEncoder().encodeToString(clip());
        StringBuilder audio = new StringBuilder("{\"bool\": {\"should\": [");
        for (int i = 0; i < 200; i++) {
            audio.append(i == 0 ? "" : ",").append("{\"nested\": {\"path\": \"n\", \"ignore_unmapped\": true, \"query\": ")
                .append("{\"pq_knn\": {\"field\": \"v\", \"query_audio\": {\"audio\": \"").append(clip).append("\", \"model_id\": \"")
                .append(BUNDLE).append("\"}}}}}");
        }
        audio.append("]}}");
        setClusterSetting(SearchCostLimits.MAX_PQ_KNN_CLAUSES.getKey(), 1000);
        try {
            e = searchFails(audio.toString());
            assertEquals(RestStatus.BAD_REQUEST, status(e));
            assertThat(messages(e), containsString(SearchCostLimits.MAX_QUERY_AUDIO.getKey() + "=10"));
        } finally {
            setClusterSetting(SearchCostLimits.MAX_PQ_KNN_CLAUSES.getKey(), null);
        }
        assertEquals(0, getInstanceFromNode(AudioEmbeddingService.class).active());
        // Within the limits the same kind of search runs.
        client().prepareSearch("limits").setSource(new SearchSourceBuilder().size(0)).get().decRef();
    }
}
