package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.OnnxModel;
import io.audiopq.model.AudioSpec;
import io.audiopq.testing.TestAudio;
import io.audiopq.tools.AudioBundleTool;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

public class TeacherTargetsTests extends LuceneTestCase {

    private static TeacherTargets.Record record(String id, int segments, float base) {
        float[] e = new float[4], l = new float[3];
        for (int i = 0; i < e.length; i++) {
            e[i] = base + i;
        }
        for (int i = 0; i < l.length; i++) {
            l[i] = -base - i;
        }
        List<TeacherTargets.Segment> s = new java.util.ArrayList<>();
        for (int k = 0; k < segments; k++) {
            s.add(new TeacherTargets.Segment(k * 0.5f, k * 0.5f + 1, e.clone(), l.clone()));
        }
        return new TeacherTargets.Record(id, e, l, s);
    }

    private static byte[] bytes(TeacherTargets.Header h, TeacherTargets.Record... records) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            if (h != null) {
                TeacherTargets.writeHeader(out, h);
            }
            for (TeacherTargets.Record r : records) {
                TeacherTargets.writeRecord(out, r);
            }
        }
        return b.toByteArray();
    }

    public void testRoundTripAndATornLastRecordIsCutOff() throws IOException {
        Path file = createTempDir().resolve("targets.bin");
        TeacherTargets.Header h = new TeacherTargets.Header("key", 4, 3, 1.0, 0.5);
        TeacherTargets.Record a = record("a", 2, 1), b = record("b", 0, 5);
        byte[] whole = bytes(h, a, b);
        byte[] third = bytes(null, record("c", 3, 9));
        Files.write(file, whole);
        Files.write(file, java.util.Arrays.copyOf(third, third.length - 7), StandardOpenOption.APPEND);
        assertEquals(Set.of("a", "b"), TeacherTargets.resume(file, "key"));
        assertEquals(whole.length, Files.size(file));
        List<TeacherTargets.Record> read = TeacherTargets.read(file);
        assertEquals(2, read.size());
        assertEquals("a", read.get(0).clipId());
        assertArrayEquals(a.embedding(), read.get(0).embedding(), 0f);
        assertArrayEquals(a.logits(), read.get(0).logits(), 0f);
        assertEquals(2, read.get(0).segments().size());
        assertEquals(0.5f, read.get(0).segments().get(1).start(), 0f);
        assertArrayEquals(a.segments().get(1).logits(), read.get(0).segments().get(1).logits(), 0f);
        assertEquals(0, read.get(1).segments().size());
        IOException e = expectThrows(IOException.class, () -> TeacherTargets.resume(file, "another key"));
        assertTrue(e.getMessage(), e.getMessage().contains("another model"));
    }

    public void testTargetsAreMn04sOutputsAndARerunComputesNothing() throws Exception {
        Path mn04 = TestAudio.requireMn04().getParent();
        Path corpus = createTempDir();
        Path clips = Files.createDirectories(corpus.resolve("clips"));
        String sha = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        int rate = CorpusBuilder.CLIP_RATE;
        float[] tone = TestAudio.sine(440, 0.5, rate, 2.0);
        CorpusManifest.ClipId first = CorpusManifest.ClipId.of(sha, 0, 2000), second = CorpusManifest.ClipId.of(sha, 2000, 3000);
        CorpusBuilder.writeWav(clips.resolve(first.fileName()), tone, 0, tone.length, rate);
        CorpusBuilder.writeWav(clips.resolve(second.fileName()), TestAudio.sine(880, 0.5, rate, 1.0), 0, rate, rate);
        CorpusManifest.write(corpus.resolve("manifest.tsv"), List.of(new CorpusManifest.Entry("p", "1", "a.wav", "MIT", "MIT", sha, 3, rate, 1,
            List.of(first, second), "")));
        Path out = corpus.resolve("teacher.bin");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertArrayEquals(new int[] { 2, 2 }, TeacherTargets.compute(corpus, mn04, out, quiet));
        assertArrayEquals(new int[] { 2, 0 }, TeacherTargets.compute(corpus, mn04, out, quiet));
        List<TeacherTargets.Record> records = TeacherTargets.read(out);
        assertEquals(List.of(first.toString(), second.toString()), records.stream().map(TeacherTargets.Record::clipId).toList());

        AudioSpec spec = AudioBundleTool.mn04Spec();
        try (OnnxModel model = OnnxModel.load(mn04.resolve("mn04_as.onnx"), 1)) {
            AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), TeacherTargets.SEGMENTS, model, spec.backbone().call(), null, null);
            AudioEmbeddings expected = embedder.embed(new AudioDecoder().decode(Files.readAllBytes(clips.resolve(first.fileName())), DecodeLimits.DEFAULTS));
            TeacherTargets.Record r = records.get(0);
            assertEquals(384, r.embedding().length);
            assertEquals(527, r.logits().length);
            assertArrayEquals(expected.embedding(), r.embedding(), 0f);
            assertArrayEquals(expected.logits(), r.logits(), 0f);
            assertEquals(expected.segments().size(), r.segments().size());
            assertEquals(3, r.segments().size()); // 2 s in 1 s windows, hop 0.5 s
            assertArrayEquals(expected.segments().get(2).embedding(), r.segments().get(2).embedding(), 0f);
            // the tone is what mn04 hears: AudioSet class 501 "Sine wave" tops the logits
            int top = 0;
            for (int i = 1; i < r.logits().length; i++) {
                top = r.logits()[i] > r.logits()[top] ? i : top;
            }
            assertEquals(501, top);
        }
    }
}
