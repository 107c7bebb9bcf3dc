package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import org.apache.lucene.tests.util.LuceneTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The whole pipeline with the real EfficientAT mn04 model from ../shared (skipped when absent). */
public class Mn04Tests extends LuceneTestCase {

    private static OnnxModelCache cache;
    private static AudioEmbedder embedder;
    private static ClassifierLabels labels;

    @BeforeClass
    public static void loadModel() throws IOException {
        Path model = TestAudio.requireMn04();
        cache = new OnnxModelCache();
        embedder = new AudioEmbedder(LogMelConfig.efficientAt(), new SegmentSpec(1.0, 0.5), cache.get(model, 1), BackboneSpec.efficientAt(),
            null, null);
        labels = ClassifierLabels.readCsv(model.resolveSibling("class_labels_indices.csv"));
    }

    @AfterClass
    public static void closeModel() {
        if (cache != null) {
            cache.close();
        }
        cache = null;
        embedder = null;
        labels = null;
    }

    public void testSineIsTaggedSineWave() {
        // 440 Hz at 44.1 kHz in a WAV: exercises decode and resample too.
        byte[] wav = TestAudio.wav16(TestAudio.sine(440, 0.5, 44100, 3.0), 44100);
        AudioEmbeddings out = embedder.embed(new AudioDecoder().decode(wav, new DecodeLimits(10_000_000, 60)));
        List<ClassifierLabels.Tag> top = labels.top(out.logits(), 3, 0f);
        assertEquals("top tags: " + top, 501, top.get(0).index());
        assertEquals("Sine wave", top.get(0).label());
        assertEquals(384, out.embedding().length);
        assertEquals(527, out.logits().length);
    }

    public void testSilenceIsTaggedSilence() {
        DecodedAudio silence = new DecodedAudio(new float[32000 * 3], 32000, 1, AudioFormat.WAV);
        List<ClassifierLabels.Tag> top = labels.top(embedder.embedClip(silence).logits(), 3, 0f);
        assertEquals("top tags: " + top, 500, top.get(0).index());
        assertEquals("Silence", top.get(0).label());
    }

    public void testSegmentsCoverTheClipAndBatchLikeSingleCalls() {
        DecodedAudio audio = new DecodedAudio(TestAudio.sine(880, 0.3, 32000, 3.3), 32000, 1, AudioFormat.WAV);
        AudioEmbeddings out = embedder.embed(audio);
        List<SegmentEmbedding> segments = out.segments();
        // 3.3 s with 1 s windows every 0.5 s: starts 0, 0.5, ..., 2.0, plus one aligned to the end.
        assertEquals(6, segments.size());
        assertEquals(0.0, segments.get(0).start(), 1e-9);
        assertEquals(3.3, segments.get(segments.size() - 1).end(), 0.011);
        // The same segment embedded alone (batch of one) gives the same vector as inside the batch.
        AudioEmbedder single = new AudioEmbedder(LogMelConfig.efficientAt(), new SegmentSpec(1.0, 0.5), embedderModel(),
            new BackboneSpec("spec", InputLayout.BATCH_1_MELS_FRAMES, "features", "logits", 1, 1), null, null);
        List<SegmentEmbedding> one = single.embed(audio).segments();
        for (int i = 0; i < segments.size(); i++) {
            assertArrayEquals(segments.get(i).embedding(), one.get(i).embedding(), 1e-4f);
        }
    }

    public void testVeryShortClip() {
        // 50 ms: fewer frames than a segment window; one segment, and the model still runs.
        DecodedAudio audio = new DecodedAudio(TestAudio.sine(440, 0.3, 32000, 0.05), 32000, 1, AudioFormat.WAV);
        AudioEmbeddings out = embedder.embed(audio);
        assertEquals(1, out.segments().size());
        assertEquals(384, out.segments().get(0).embedding().length);
    }

    public void testCacheSharesOneSession() throws IOException {
        assertSame(embedderModel(), cache.get(TestAudio.requireMn04(), 1));
        assertEquals(1, cache.size());
    }

    public void testWrongOutputNameIsReported() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new AudioEmbedder(LogMelConfig.efficientAt(),
            new SegmentSpec(1, 1), embedderModel(), new BackboneSpec("spec", InputLayout.BATCH_1_MELS_FRAMES, "embedding", null, 1, 8), null,
            null));
        assertTrue(e.getMessage(), e.getMessage().contains("no output [embedding]") && e.getMessage().contains("features"));
    }

    public void testHeadIsAppliedToTheBackboneEmbedding() throws Exception {
        float[][] w = new float[384][8];
        for (float[] row : w) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random().nextGaussian();
            }
        }
        Path headFile = OnnxTestModels.matMul(createTempDir(), "embedding", "code", w);
        DecodedAudio audio = new DecodedAudio(TestAudio.sine(660, 0.3, 32000, 2.2), 32000, 1, AudioFormat.WAV);
        AudioEmbeddings plain = embedder.embed(audio);
        try (OnnxModel head = OnnxModel.load(headFile, 1)) {
            AudioEmbedder withHead = new AudioEmbedder(LogMelConfig.efficientAt(), new SegmentSpec(1.0, 0.5), embedderModel(),
                BackboneSpec.efficientAt(), head, new HeadSpec("embedding", "code"));
            AudioEmbeddings headed = withHead.embed(audio);
            assertArrayEquals(times(plain.embedding(), w), headed.embedding(), 1e-3f);
            assertEquals(plain.segments().size(), headed.segments().size());
            for (int i = 0; i < plain.segments().size(); i++) {
                assertArrayEquals(times(plain.segments().get(i).embedding(), w), headed.segments().get(i).embedding(), 1e-3f);
            }
            // The classifier output still comes from the backbone.
            assertArrayEquals(plain.logits(), headed.logits(), 1e-5f);
        }
    }

    public void testConcurrentCallsShareTheSession() throws Exception {
        DecodedAudio[] inputs = new DecodedAudio[6];
        float[][] serial = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new DecodedAudio(TestAudio.sine(200 + 150 * i, 0.3, 32000, 1.5), 32000, 1, AudioFormat.WAV);
            serial[i] = embedder.embedClip(inputs[i]).embedding();
        }
        float[][] parallel = new float[inputs.length][];
        Thread[] threads = new Thread[3];
        for (int t = 0; t < threads.length; t++) {
            int first = t;
            threads[t] = new Thread(() -> {
                for (int i = first; i < inputs.length; i += threads.length) {
                    parallel[i] = embedder.embedClip(inputs[i]).embedding();
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int i = 0; i < inputs.length; i++) {
            assertArrayEquals(serial[i], parallel[i], 0f);
        }
    }

    private static float[] times(float[] v, float[][] w) {
        float[] out = new float[w[0].length];
        for (int j = 0; j < out.length; j++) {
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                s += (double) v[i] * w[i][j];
            }
            out[j] = (float) s;
        }
        return out;
    }

    private static OnnxModel embedderModel() {
        try {
            return cache.get(TestAudio.requireMn04(), 1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
