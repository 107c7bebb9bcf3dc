package io.audiopq.elasticsearch.ingest;

import io.audiopq.elasticsearch.IngestTimings;
import io.audiopq.audio.StageTimer;
import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.testing.TestAudio;
import io.audiopq.model.AudioBundleFixtures;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.BundleFixtures;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.ElasticsearchException;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.RandomDocumentPicks;
import org.elasticsearch.test.ESTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.containsString;

/**
 * The processor with real decoders on generated audio and a real (statistics) ONNX backbone:
 * option validation, output shape, and one clear error per kind of bad input.
 */
public class AudioEmbeddingProcessorTests extends ESTestCase {

    private static AudioEmbedderCache models;
    private static AudioEmbeddingProcessorFactory factory;
    private static AudioEmbeddingService service;

    @BeforeClass
    public static void setUpBundles() throws Exception {
        Path dir = Files.createTempDirectory("audio-processor-bundles");
        AudioBundleFixtures.statisticsBundle(dir, "stats");
        BundleFixtures.validBundle(dir, "vecs");
        Path broken = AudioBundleFixtures.statisticsBundle(dir, "broken");
        Files.writeString(broken.resolve("backbone.onnx"), "not a model");
        models = new AudioEmbedderCache(1);
        ModelRegistry registry = ModelRegistry.load(dir, ModelRegistry.Listener.NONE, models::check);
        service = AudioEmbeddingService.unbounded(() -> registry, models);
        factory = new AudioEmbeddingProcessorFactory(service);
    }

    @AfterClass
    public static void closeModels() {
        models.close();
        models = null;
        factory = null;
        service = null;
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** 2.2 s stereo 24-bit WAV at 44.1 kHz: a 440 Hz tone left, 880 Hz right. */
    static byte[] stereoWav() {
        float[][] planar = { TestAudio.sine(440, 0.4, 44100, 2.2), TestAudio.sine(880, 0.4, 44100, 2.2) };
        return TestAudio.wav(planar, 44100, TestAudio.WavEncoding.PCM24, false);
    }

    private AudioEmbeddingProcessor processor(Object... options) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put("field", "audio");
        config.put("model_id", "stats");
        for (int i = 0; i < options.length; i += 2) {
            if (options[i + 1] == null) {
                config.remove(options[i]);
            } else {
                config.put((String) options[i], options[i + 1]);
            }
        }
        AudioEmbeddingProcessor p = factory.create(null, "t1", null, config, null);
        assertTrue("unconsumed options: " + config, config.isEmpty());
        return p;
    }

    private static IngestDocument document(Object audio) {
        Map<String, Object> source = new HashMap<>();
        source.put("title", "a clip");
        if (audio != null) {
            source.put("audio", audio);
        }
        return RandomDocumentPicks.randomIngestDocument(random(), source);
    }

    @SuppressWarnings("unchecked")
    public void testOutputShape() throws Exception {
        IngestDocument doc = document(base64(stereoWav()));
        processor().execute(doc);
        Map<String, Object> out = doc.getFieldValue("audio_embedding", Map.class);
        assertEquals(List.of("embedding", "segments", "audio", "model"), new ArrayList<>(out.keySet()));
        assertEquals(AudioBundleFixtures.STATISTICS_DIMENSIONS, ((List<Float>) out.get("embedding")).size());
        assertEquals(Map.of("duration", 2.2, "sample_rate", 44100, "channels", 2, "format", "wav"), out.get("audio"));
        assertEquals("stats", out.get("model"));
        List<Map<String, Object>> segments = (List<Map<String, Object>>) out.get("segments");
        // The bundle's default segments: 1 s every 0.5 s, the last aligned to the end of the clip.
        assertEquals(4, segments.size());
        assertEquals(0.0, segments.get(0).get("start"));
        assertEquals(1.0, segments.get(0).get("end"));
        assertEquals(0.5, segments.get(1).get("start"));
        // Without centre padding (YAMNet-style framing) the last full frame ends up to 2 hops before the clip's end.
        assertEquals(2.2, (Double) segments.get(3).get("end"), 0.025);
        for (Map<String, Object> s : segments) {
            assertEquals(AudioBundleFixtures.STATISTICS_DIMENSIONS, ((List<Float>) s.get("embedding")).size());
        }
        assertTrue("source kept by default", doc.hasField("audio"));
        assertEquals("a clip", doc.getFieldValue("title", String.class));
    }

    public void testStageTimingsMoveWithEveryDocument() throws Exception {
        IngestTimings.Model timings = service.ingestTimings().forModel("stats");
        long documents = timings.documents();
        double seconds = timings.audioSeconds();
        long[] nanos = new long[StageTimer.Stage.values().length];
        for (StageTimer.Stage stage : StageTimer.Stage.values()) {
            nanos[stage.ordinal()] = timings.nanos(stage);
        }
        // 44.1 kHz: the bundle's front end runs at 16 kHz, so the clip is resampled too.
        processor().execute(document(base64(stereoWav())));
        assertEquals(documents + 1, timings.documents());
        assertEquals(seconds + 2.2, timings.audioSeconds(), 1e-9);
        for (StageTimer.Stage stage : StageTimer.Stage.values()) {
            assertTrue(stage + " did not move", timings.nanos(stage) > nanos[stage.ordinal()]);
        }
        // A document that fails is not counted.
        expectThrows(IllegalArgumentException.class, () -> processor().execute(document(base64(new byte[] { 1, 2, 3 }))));
        assertEquals(documents + 1, timings.documents());
    }

    public void testSameAudioInEveryFormatGivesTheSameEmbedding() throws Exception {
        float[] tone = TestAudio.sine(440, 0.5, 16000, 1.5);
        AudioEmbeddingProcessor p = processor("include_segments", false);
        float[] wav16 = clipEmbedding(p, TestAudio.wav16(tone, 16000));
        // FLAC is lossless: the same 16-bit samples, the same embedding.
        float[] flac = clipEmbedding(p, TestAudio.flac(new float[][] { tone }, 16000, 16,
            net.sourceforge.javaflacencoder.EncodingConfiguration.ChannelConfig.INDEPENDENT));
        assertArrayEquals(wav16, flac, 0f);
        // Float samples differ from 16-bit ones only by quantisation noise (which shows in near-silent bands).
        float[] float32 = clipEmbedding(p, TestAudio.wav(new float[][] { tone }, 16000, TestAudio.WavEncoding.FLOAT32, true));
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < wav16.length; i++) {
            dot += wav16[i] * float32[i];
            a += wav16[i] * wav16[i];
            b += float32[i] * float32[i];
        }
        assertTrue("cosine " + dot / Math.sqrt(a * b), dot / Math.sqrt(a * b) > 0.99);
    }

    private static float[] clipEmbedding(AudioEmbeddingProcessor p, byte[] audio) throws Exception {
        IngestDocument doc = document(base64(audio));
        p.execute(doc);
        assertFalse(doc.hasField("audio_embedding.segments"));
        @SuppressWarnings("unchecked")
        List<Float> e = doc.getFieldValue("audio_embedding.embedding", List.class);
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = e.get(i);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    public void testTargetFieldSegmentsAndRemoveBinary() throws Exception {
        IngestDocument doc = document(base64(stereoWav()));
        processor("target_field", "sound.vectors", "segment_window", "500ms", "segment_hop", 0.25, "remove_binary", true).execute(doc);
        assertFalse(doc.hasField("audio"));
        List<Map<String, Object>> segments = doc.getFieldValue("sound.vectors.segments", List.class);
        assertEquals(0.0, segments.get(0).get("start"));
        assertEquals(0.5, segments.get(0).get("end"));
        assertEquals(0.25, segments.get(1).get("start"));
        assertEquals(2.2, (Double) segments.get(segments.size() - 1).get("end"), 0.025);
        assertTrue(segments.size() >= 8);
    }

    public void testBase64WithLineBreaksAndRawBytes() throws Exception {
        byte[] wav = TestAudio.wav16(TestAudio.sine(300, 0.5, 8000, 1.0), 8000);
        String mime = Base64.getMimeEncoder().encodeToString(wav);
        assertTrue(mime.contains("\r\n"));
        IngestDocument fromMime = document(mime);
        processor().execute(fromMime);
        IngestDocument fromBytes = document(wav);
        processor().execute(fromBytes);
        assertEquals(fromMime.getFieldValue("audio_embedding.embedding", List.class), fromBytes.getFieldValue("audio_embedding.embedding", List.class));
    }

    public void testMissingField() throws Exception {
        IngestDocument doc = document(null);
        Map<String, Object> before = new HashMap<>(doc.getSource());
        processor("ignore_missing", true).execute(doc);
        assertEquals(before, doc.getSource());
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> processor().execute(document(null)));
        assertThat(e.getMessage(), containsString("[audio]"));
        IngestDocument nullValue = document(null);
        nullValue.setFieldValue("audio", (Object) null);
        e = expectThrows(IllegalArgumentException.class, () -> processor().execute(nullValue));
        assertThat(e.getMessage(), containsString("field [audio] is null"));
    }

    public void testEachKindOfBadInputFailsWithAClearError() throws Exception {
        byte[] good = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 2.0), 16000);
        byte[] noChannels = good.clone();
        ByteBuffer.wrap(noChannels).order(ByteOrder.LITTLE_ENDIAN).putShort(22, (short) 0);
        byte[] corrupt = good.clone();
        Arrays.fill(corrupt, 12, 40, (byte) 0x55);
        byte[] aiff = "FORM\0\0\0\0AIFFCOMM".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertBad(processor(), "%%% not base64 %%%", "field [audio] is not valid base64");
        assertBad(processor(), "", "field [audio] holds unusable audio (empty)");
        assertBad(processor(), base64(Arrays.copyOf(good, good.length / 2)), "field [audio] holds unusable audio (truncated)");
        assertBad(processor(), base64(noChannels), "field [audio] holds unusable audio (invalid_header): wav header declares 0 channels");
        assertBad(processor(), base64(corrupt), "field [audio] holds unusable audio (");
        assertBad(processor(), base64(aiff), "field [audio] holds unusable audio (unsupported_format): unsupported audio format: AIFF");
        assertBad(processor(), base64("just some text, not audio".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            "unsupported audio format: no known audio format");
        assertBad(processor("max_duration", 1), base64(good), "field [audio] holds unusable audio (too_long)");
        assertBad(processor("max_bytes", "10kb"), base64(good), "field [audio] holds unusable audio (too_large)");
        assertBad(processor("max_bytes", 1000), good, "field [audio] holds unusable audio (too_large)");
        assertBad(processor(), 42, "field [audio] must hold base64-encoded audio as a string, found integer");
        assertBad(processor(), List.of("a"), "field [audio] must hold base64-encoded audio as a string");
    }

    public void testCorruptOggFromEsc10FailsAndRealOggWorks() throws Exception {
        Path esc10 = TestAudio.requireShared("data/esc10");
        Path clip;
        try (Stream<Path> files = Files.walk(esc10)) {
            clip = files.filter(f -> f.toString().endsWith(".ogg")).sorted().findFirst().orElseThrow();
        }
        byte[] ogg = Files.readAllBytes(clip);
        IngestDocument doc = document(base64(ogg));
        processor().execute(doc);
        assertEquals("ogg_vorbis", doc.getFieldValue("audio_embedding.audio.format", String.class));
        assertEquals(5.0, doc.getFieldValue("audio_embedding.audio.duration", Double.class), 0.05);
        assertBad(processor(), base64(Arrays.copyOf(ogg, 300)), "field [audio] holds unusable audio (");
    }

    private static void assertBad(AudioEmbeddingProcessor processor, Object value, String message) {
        IngestDocument doc = document(value);
        Exception e = expectThrows(IllegalArgumentException.class, () -> processor.execute(doc));
        assertThat(e.getMessage(), containsString(message));
        assertFalse("nothing written on failure", doc.hasField("audio_embedding"));
    }

    public void testOptionValidation() {
        assertConfigError("field", "[field] required property is missing", "field", null);
        assertConfigError("model_id", "[model_id] required property is missing", "model_id", null);
        assertConfigError("model_id", "model bundle [nope] is not installed", "model_id", "nope");
        assertConfigError("model_id", "bundles here: [broken, stats, vecs]", "model_id", "nope");
        assertConfigError("model_id", "model bundle [broken] failed to load on this node: model bundle [broken]: key [audio.backbone.model]",
            "model_id", "broken");
        assertConfigError("model_id", "is of kind [vectors]; this processor needs a bundle of kind [audio]", "model_id", "vecs");
        assertConfigError("model", "is a deprecated alias of [model_id]: set only [model_id]", "model", "stats");
        assertConfigError("segment_window", "must be > 0 and at most 3600.0 seconds, got [0]", "segment_window", 0);
        assertConfigError("segment_window", "must be a number of seconds or a time value such as \"90s\", got [long]", "segment_window", "long");
        assertConfigError("segment_hop", "longer than segment_window", "segment_window", 1, "segment_hop", 2);
        assertConfigError("max_duration", "must be > 0 and at most 3600.0 seconds", "max_duration", 7200);
        assertConfigError("max_bytes", "must be > 0 and at most 512mb, got [1gb]", "max_bytes", "1gb");
        assertConfigError("max_bytes", "must be a number of bytes or a size such as \"20mb\", got [lots]", "max_bytes", "lots");
        assertConfigError("top_tags", "has no classifier", "top_tags", 3);
        assertConfigError("top_tags", "must be an integer", "top_tags", "three");
        assertConfigError("min_tag_score", "must be a number between 0 and 1", "min_tag_score", 2);
        assertConfigError("target_field", "must differ from field [audio]", "target_field", "audio");
        assertConfigError("remove_binary", "[remove_binary] property isn't a boolean", "remove_binary", "maybe");
    }

    private void assertConfigError(String property, String message, Object... options) {
        ElasticsearchException e = expectThrows(ElasticsearchException.class, () -> processor(options));
        assertThat(e.getMessage(), containsString(message));
        assertEquals(List.of(property), e.getMetadata("es.property_name"));
        assertEquals(List.of(AudioEmbeddingProcessor.TYPE), e.getMetadata("es.processor_type"));
        assertEquals(List.of("t1"), e.getMetadata("es.processor_tag"));
    }

    public void testModelIsADeprecatedAliasOfModelId() throws Exception {
        AudioEmbeddingProcessor p = processor("model_id", null, "model", "stats");
        assertEquals("stats", p.model().bundle().name());
        assertWarnings("[audio_embedding] processor option [model] is deprecated, use [model_id]");
    }

    public void testOptionsAreRead() throws Exception {
        AudioEmbeddingProcessor p = processor("target_field", "x", "segment_window", 2.0, "max_duration", "2m", "max_bytes", 12345,
            "remove_binary", true, "ignore_missing", true, "include_segments", false, "top_tags", 0);
        assertEquals("audio", p.field());
        assertEquals("x", p.targetField());
        assertEquals(2.0, p.segments().windowSeconds(), 0);
        assertEquals(0.5, p.segments().hopSeconds(), 0); // the bundle's hop, below the new window
        assertEquals(120, p.limits().maxDurationSeconds(), 0);
        assertEquals(12345, p.limits().maxBytes());
        assertTrue(p.removeBinary());
        assertTrue(p.ignoreMissing());
        assertFalse(p.includeSegments());
        assertEquals(0, p.topTags());
        AudioEmbeddingProcessor defaults = processor();
        assertEquals("audio_embedding", defaults.targetField());
        assertEquals(AudioEmbeddingProcessorFactory.DEFAULT_MAX_DURATION_SECONDS, defaults.limits().maxDurationSeconds(), 0);
        assertEquals(AudioEmbeddingProcessorFactory.DEFAULT_MAX_BYTES.getBytes(), defaults.limits().maxBytes());
        assertSame("processors share the bundle's embedder", p.model(), defaults.model());
        assertEquals(AudioEmbeddingProcessor.TYPE, defaults.getType());
    }
}
