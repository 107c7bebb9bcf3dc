package io.audiopq.tools.corpus;

import io.audiopq.audio.ClassifierLabels;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class PseudoLabelsTests extends LuceneTestCase {

    private static final ClassifierLabels NAMES = new ClassifierLabels(List.of("Speech", "Dog", "Waves, surf"));

    private static CorpusClips.Clip clip(int i, String pkg) {
        return new CorpusClips.Clip(new CorpusManifest.ClipId(String.format("%016x", i + 1), 0, 1000), pkg, "CC0");
    }

    /** Logits whose largest entry is {@code top}. */
    private static TeacherTargets.Record record(CorpusClips.Clip clip, int top) {
        float[] logits = { -3f, -2f, -4f };
        logits[top] = 2f + random().nextFloat();
        return new TeacherTargets.Record(clip.id().toString(), new float[4], logits, List.of());
    }

    public void testClipsWithOneTagProfileShareAClassNamedAfterItAndThePackageIsTheFold() {
        List<CorpusClips.Clip> clips = new ArrayList<>();
        List<TeacherTargets.Record> targets = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CorpusClips.Clip c = clip(i, i < 6 ? "pkg-a" : "pkg-b");
            clips.add(c);
            targets.add(record(c, i % 2 == 0 ? 0 : 2));
        }
        List<PseudoLabels.Row> rows = PseudoLabels.label(clips, targets, NAMES, 2, 1, random().nextLong());
        assertEquals(12, rows.size());
        for (int i = 0; i < 12; i++) {
            assertEquals(clips.get(i).id().fileName(), rows.get(i).file());
            assertEquals(rows.get(i % 2).label(), rows.get(i).label());
            assertEquals(i < 6 ? "pkg-a" : "pkg-b", rows.get(i).fold());
        }
        assertNotEquals(rows.get(0).label(), rows.get(1).label());
        assertTrue(rows.get(0).label(), rows.get(0).label().endsWith(" Speech"));
        assertTrue(rows.get(1).label(), rows.get(1).label().endsWith(" Waves, surf"));
    }

    public void testClustersBelowTheMinimumAreLeftOut() {
        List<CorpusClips.Clip> clips = new ArrayList<>();
        List<TeacherTargets.Record> targets = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            CorpusClips.Clip c = clip(i, "pkg");
            clips.add(c);
            targets.add(record(c, i == 8 ? 1 : 0)); // one Dog, eight Speech
        }
        List<PseudoLabels.Row> rows = PseudoLabels.label(clips, targets, NAMES, 2, 2, random().nextLong());
        assertEquals(8, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.label().endsWith(" Speech")));
    }

    public void testUnknownClipIsAnError() {
        CorpusClips.Clip listed = clip(0, "pkg");
        TeacherTargets.Record other = record(clip(7, "pkg"), 0);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> PseudoLabels.label(List.of(listed, clip(1, "pkg")), List.of(other, record(clip(1, "pkg"), 0)), NAMES, 1, 1, 1));
        assertTrue(e.getMessage(), e.getMessage().contains(other.clipId()));
    }

    public void testWrittenCsvReadsBackWithCommasInNames() throws Exception {
        Path out = createTempDir().resolve("labels.csv");
        List<PseudoLabels.Row> rows = List.of(new PseudoLabels.Row("a.wav", "Waves, surf", "pkg-a"), new PseudoLabels.Row("b.wav", "Speech", "pkg-b"));
        PseudoLabels.write(out, rows);
        List<List<String>> read = io.audiopq.audio.LabelCsv.read(out).rows().stream().map(io.audiopq.audio.LabelCsv.Row::fields).toList();
        assertEquals(List.of(List.of("a.wav", "Waves, surf", "pkg-a"), List.of("b.wav", "Speech", "pkg-b")), read);
        assertTrue(Files.readString(out).startsWith("filename,label,fold\n"));
    }
}
