package io.audiopq.tools;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.testing.TestAudio;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code audio-bundle.sh default --data DIR [--labels CSV]}: the codebook is fitted on the user's
 * clips (every audio file under the folder, or those the label file lists) instead of ESC-10's.
 */
public class AudioBundleToolDataTests extends LuceneTestCase {

    /** 3 tones × 2 clips of 2 s, listed in labels.csv, plus one clip the label file does not name and a non-audio file. */
    private static Path folder(Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("filename,label\n");
        double[] tones = { 220, 880, 3000 };
        for (int t = 0; t < tones.length; t++) {
            for (int k = 0; k < 2; k++) {
                String name = "tone" + t + "-" + k + ".wav";
                Files.write(dir.resolve(name), TestAudio.wav16(TestAudio.sine(tones[t] * (1 + 0.02 * k), 0.5, 16_000, 2.0), 16_000));
                csv.append(name).append(",tone").append(t).append('\n');
            }
        }
        Files.createDirectories(dir.resolve("more"));
        Files.write(dir.resolve("more/unlisted.wav"), TestAudio.wav16(TestAudio.sine(500, 0.5, 16_000, 2.0), 16_000));
        Files.writeString(dir.resolve("notes.txt"), "not audio");
        Files.writeString(dir.resolve("labels.csv"), csv);
        return dir;
    }

    public void testCodebookFromTheUsersLabelledOrUnlabelledClips() throws Exception {
        Path data = folder(createTempDir());
        ClipSource labelled = AudioBundleTool.clipSource(Map.of("data", data.toString(), "labels", data.resolve("labels.csv").toString()));
        assertEquals(6, labelled.clips().size());
        assertTrue(labelled.labelled());
        ClipSource all = AudioBundleTool.clipSource(Map.of("data", data.toString()));
        assertEquals(7, all.clips().size()); // every audio file under the folder, in subfolders too; notes.txt is not audio
        assertEquals("more/unlisted.wav", all.clips().get(0).file());
        assertFalse(all.labelled());

        Path out = createTempDir();
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        AudioBundleTool.Report report = AudioBundleTool.makeDefault(labelled, out, "from-labels", 4, 4, 1, -1, log);
        assertNotNull("labelled clips are measured", report);
        assertEquals(6, report.clips());
        ModelBundle fromLabels = ModelBundleLoader.load(out.resolve("from-labels"));
        assertTrue(fromLabels.descriptor().training().source(), fromLabels.descriptor().training().source().contains("6 clips, 3 labels"));

        assertNull("unlabelled clips: a bundle, no measurement", AudioBundleTool.makeDefault(all, out, "from-folder", 4, 4, 1, -1, log));
        ModelBundle fromFolder = ModelBundleLoader.load(out.resolve("from-folder"));
        // clip and segment vectors of 7 clips, against 6: the codebook saw the unlisted clip too
        long six = fromLabels.descriptor().training().vectors(), seven = fromFolder.descriptor().training().vectors();
        assertEquals(six / 6 * 7, seven);
        assertFalse(fromLabels.checksum().equals(fromFolder.checksum()));
    }

    public void testBadDataOptionsNameTheProblem() throws Exception {
        Path data = folder(createTempDir());
        Path csv = data.resolve("bad.csv");
        Files.writeString(csv, "filename,label\ntone0-0.wav,tone0\nmissing.wav,tone1\n");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
            () -> AudioBundleTool.clipSource(Map.of("data", data.toString(), "labels", csv.toString())));
        assertTrue(e.getMessage(), e.getMessage().contains("line 3") && e.getMessage().contains("[missing.wav] is not a file"));
        Files.writeString(csv, "path,label\ntone0-0.wav,tone0\n");
        e = expectThrows(IllegalArgumentException.class, () -> AudioBundleTool.clipSource(Map.of("data", data.toString(), "labels", csv.toString())));
        assertTrue(e.getMessage(), e.getMessage().contains("no column filename or file"));
        e = expectThrows(IllegalArgumentException.class, () -> AudioBundleTool.clipSource(Map.of("data", createTempDir().toString())));
        assertTrue(e.getMessage(), e.getMessage().contains("no audio file"));
        e = expectThrows(IllegalArgumentException.class, () -> AudioBundleTool.clipSource(Map.of("data", data.toString(), "esc10", data.toString())));
        assertTrue(e.getMessage(), e.getMessage().contains("exclude each other"));
        e = expectThrows(IllegalArgumentException.class, () -> AudioBundleTool.clipSource(Map.of("labels", csv.toString())));
        assertTrue(e.getMessage(), e.getMessage().contains("--labels needs --data"));
    }

    /** A stand-in student: embedding = the raw band statistics, logits = the per-band maxima (64 "tags"). */
    private static Path tinyStudent(Path dir) throws Exception {
        OnnxGraph g = new OnnxGraph("tiny-student");
        g.input("spec", "batch", 64L, "frames");
        g.node("Identity", "embedding", AudioBundleTool.statistics(g, "spec"));
        g.node("ReduceMax", "logits", java.util.List.of(OnnxGraph.intsAttr("axes", 2), OnnxGraph.intAttr("keepdims", 0)), "spec");
        g.output("embedding", "batch", 256L);
        g.output("logits", "batch", 64L);
        Path model = dir.resolve("student.onnx");
        Files.write(model, g.toBytes("test"));
        StringBuilder names = new StringBuilder("index,mid,display_name\n");
        for (int i = 0; i < 64; i++) {
            names.append(i).append(",/m/").append(i).append(",band ").append(i).append('\n');
        }
        Files.writeString(dir.resolve("labels.csv"), names);
        return model;
    }

    public void testStudentBundleCarriesItsBackboneAndTagsAndIsMeasured() throws Exception {
        Path data = folder(createTempDir());
        Path models = createTempDir();
        Path model = tinyStudent(models);
        ClipSource labelled = AudioBundleTool.clipSource(Map.of("data", data.toString(), "labels", data.resolve("labels.csv").toString()));
        Path out = createTempDir();
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        AudioBundleTool.Report report = AudioBundleTool.makeWithBackbone(AudioBundleTool.student(model, models.resolve("labels.csv"), 2), labelled, out,
            "student", new int[] { 8 }, 4, 1, 0, 0, true, log).get(0);
        assertEquals(6, report.clips());
        ModelBundle bundle = ModelBundleLoader.load(out.resolve("student"));
        assertEquals(256, bundle.descriptor().dimensions());
        assertEquals("class_labels_indices.csv", bundle.descriptor().audio().classifier().labels());
        assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(out.resolve("student/backbone.onnx")));
        // the three tones are told apart by their band statistics, in float and through PQ
        assertEquals(1.0, report.floatMetrics().map(), 1e-9);
        assertEquals(report.pqMetrics().toString(), 1.0, report.pqMetrics().top1(), 1e-9);
        assertTrue("tones have no AudioSet counterpart: no tag figure", Double.isNaN(report.tagHits()));
        // the evaluate mode measures the written bundle alike
        AudioBundleTool.Report again = AudioBundleTool.evaluate(out.resolve("student"), labelled, log);
        assertEquals(report.floatMetrics().map(), again.floatMetrics().map(), 1e-9);
        // without label names: the same backbone, no tags
        AudioBundleTool.makeWithBackbone(AudioBundleTool.student(model, null, 2), labelled, out, "untagged", new int[] { 8 }, 4, 1, 0, 0, false, log);
        ModelBundle untagged = ModelBundleLoader.load(out.resolve("untagged"));
        assertNull(untagged.descriptor().audio().classifier());
        assertFalse(Files.exists(out.resolve("untagged/class_labels_indices.csv")));
    }
}
