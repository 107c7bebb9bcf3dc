package io.audiopq.model;

import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioFormat;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.testing.TestAudio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Loading audio bundles: files and checksums, and opening their ONNX models against model.json. */
public class AudioBundleLoaderTests extends LuceneTestCase {

    public void testLoadsChecksumsAndEmbeds() throws Exception {
        Path dir = AudioBundleFixtures.statisticsBundle(createTempDir(), "stats");
        ModelBundle bundle = ModelBundleLoader.load(dir);
        assertEquals(ModelKind.AUDIO, bundle.descriptor().kind());
        Map<String, FileChecksum> files = bundle.files().stream().collect(Collectors.toMap(FileChecksum::path, f -> f));
        assertEquals(List.of("backbone.onnx", "codebook.pq", "model.json"), files.keySet().stream().sorted().toList());
        assertEquals(BundleChecksums.sha256(Files.readAllBytes(dir.resolve("backbone.onnx"))), files.get("backbone.onnx").sha256());
        assertEquals(Files.size(dir.resolve("backbone.onnx")), files.get("backbone.onnx").sizeInBytes());
        try (AudioEmbedderCache models = new AudioEmbedderCache(1)) {
            AudioEmbedderCache.BundleEmbedder audio = models.open(bundle);
            assertSame("one embedder per bundle", audio, models.open(ModelBundleLoader.load(dir)));
            // 2.2 s of a sine at 16 kHz: 1 s windows every 0.5 s plus one aligned to the end.
            AudioEmbeddings out = audio.embedder().embed(new DecodedAudio(TestAudio.sine(440, 0.5, 16000, 2.2), 16000, 1, AudioFormat.WAV));
            assertEquals(AudioBundleFixtures.STATISTICS_DIMENSIONS, out.embedding().length);
            assertEquals(4, out.segments().size());
            assertNull(out.logits());
            // Statistics of a steady sine: the 440 Hz band's mean (first block) is far above a band near 7 kHz.
            float[] e = out.embedding();
            assertTrue("band means: " + e[5] + " vs " + e[60], e[5] > e[60] + 3);
        }
    }

    public void testChangingTheBackboneChangesTheChecksum() throws Exception {
        Path dir = AudioBundleFixtures.statisticsBundle(createTempDir(), "stats");
        String before = ModelBundleLoader.load(dir).checksum();
        byte[] onnx = Files.readAllBytes(dir.resolve("backbone.onnx"));
        onnx[onnx.length - 1] ^= 1;
        Files.write(dir.resolve("backbone.onnx"), onnx);
        assertNotEquals(before, ModelBundleLoader.load(dir).checksum());
    }

    public void testMissingFilesAreErrorsNamingTheKey() throws Exception {
        Path dir = AudioBundleFixtures.statisticsBundle(createTempDir(), "stats");
        Files.delete(dir.resolve("backbone.onnx"));
        InvalidBundleException e = expectThrows(InvalidBundleException.class, () -> ModelBundleLoader.load(dir));
        assertEquals("audio.backbone.model", e.key());
        assertTrue(e.getMessage(), e.getMessage().contains("file [backbone.onnx] does not exist"));
    }

    public void testModelsThatDoNotFitTheDescriptorFailWhenOpened() throws Exception {
        Path parent = createTempDir();
        // Output name the graph does not have.
        Path wrongOutput = AudioBundleFixtures.statisticsBundle(parent, "wrong-output");
        rewrite(wrongOutput, "\"embedding_output\": \"embedding\"", "\"embedding_output\": \"features\"");
        assertOpenFails(wrongOutput, "audio", "has no output [features]");
        // Garbage instead of ONNX.
        Path garbage = AudioBundleFixtures.statisticsBundle(parent, "garbage");
        Files.writeString(garbage.resolve("backbone.onnx"), "not a model");
        assertOpenFails(garbage, "audio.backbone.model", "ONNX Runtime cannot load model");
        // A classifier output the model does not have.
        Path noLogits = AudioBundleFixtures.statisticsBundle(parent, "no-logits");
        Files.writeString(noLogits.resolve("labels.csv"), "index,mid,display_name\n0,/m/x,Thing\n");
        rewrite(noLogits, "\"segments\": {", "\"classifier\": {\"output\": \"logits\", \"labels\": \"labels.csv\"},\n    \"segments\": {");
        assertOpenFails(noLogits, "audio", "has no output [logits]");
    }

    public void testEmbeddingSizeMustEqualDimensions() throws Exception {
        Path dir = AudioBundleFixtures.statisticsBundle(createTempDir(), "dims");
        // A codebook for D=128, so the loader accepts the descriptor; the backbone still yields 256 values.
        Files.write(dir.resolve("codebook.pq"), BundleFixtures.trainedQuantizer(128, 8, 4, 3).toBytes());
        rewrite(dir, "\"dimensions\": 256", "\"dimensions\": 128");
        assertOpenFails(dir, "dimensions", "is 128 but backbone output [embedding] has 256 values per item");
    }

    public void testRegistryListsABundleWhoseModelsFailAsFailed() throws Exception {
        Path models = createTempDir();
        AudioBundleFixtures.statisticsBundle(models, "good");
        Path bad = AudioBundleFixtures.statisticsBundle(models, "bad");
        Files.writeString(bad.resolve("backbone.onnx"), "not a model");
        try (AudioEmbedderCache audio = new AudioEmbedderCache(1)) {
            ModelRegistry registry = ModelRegistry.load(models, ModelRegistry.Listener.NONE, audio::check);
            assertEquals(ModelEntry.Status.LOADED, registry.get("good").orElseThrow().status());
            ModelEntry failed = registry.get("bad").orElseThrow();
            assertEquals(ModelEntry.Status.FAILED, failed.status());
            assertTrue(failed.error(), failed.error().contains("key [audio.backbone.model]"));
            assertEquals(1, audio.size());
        }
    }

    public void testLabelFileMustBeValid() throws Exception {
        Path dir = AudioBundleFixtures.statisticsBundle(createTempDir(), "labels");
        Files.writeString(dir.resolve("labels.csv"), "index,mid,display_name\n7,/m/x,Out of order\n");
        rewrite(dir, "\"segments\": {", "\"classifier\": {\"output\": \"logits\", \"labels\": \"labels.csv\"},\n    \"segments\": {");
        InvalidBundleException e = expectThrows(InvalidBundleException.class, () -> ModelBundleLoader.load(dir));
        assertEquals("audio.classifier.labels", e.key());
        assertTrue(e.getMessage(), e.getMessage().contains("out of order"));
    }

    public void testMn04BundleLoadsWithItsClassifier() throws Exception {
        Path dir = AudioBundleFixtures.mn04Bundle(createTempDir(), "mn04");
        ModelBundle bundle = ModelBundleLoader.load(dir);
        assertTrue(bundle.files().stream().anyMatch(f -> f.path().equals("mn04_as.onnx.data") && f.sizeInBytes() == 3962880));
        try (AudioEmbedderCache models = new AudioEmbedderCache(1)) {
            AudioEmbedderCache.BundleEmbedder audio = models.open(bundle);
            assertEquals(527, audio.labels().size());
            assertEquals("Sine wave", audio.labels().name(501));
        }
    }

    private static void rewrite(Path dir, String from, String to) throws Exception {
        Path json = dir.resolve("model.json");
        String text = Files.readString(json, StandardCharsets.UTF_8);
        assertTrue("fixture has " + from, text.contains(from));
        Files.writeString(json, text.replace(from, to), StandardCharsets.UTF_8);
    }

    private static void assertOpenFails(Path dir, String key, String problem) throws Exception {
        ModelBundle bundle = ModelBundleLoader.load(dir);
        try (AudioEmbedderCache models = new AudioEmbedderCache(1)) {
            InvalidBundleException e = expectThrows(InvalidBundleException.class, () -> models.open(bundle));
            assertEquals(e.getMessage(), key, e.key());
            assertTrue(e.getMessage(), e.getMessage().contains(problem));
        }
    }
}
