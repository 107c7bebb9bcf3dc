package io.audiopq.audio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class ClassifierLabelsTests extends LuceneTestCase {

    public void testBothCsvSpellings() throws IOException {
        Path csv = createTempDir().resolve("labels.csv");
        Files.writeString(csv, """
            index,mid,display_name
            0,/m/09x0r,"Speech"
            1,/m/05zppz,"Male speech, man speaking"
            2,/m/01v_m0,Sine_wave
            3,/m/02zsn,Female_speech,_woman_speaking
            """);
        ClassifierLabels labels = ClassifierLabels.readCsv(csv);
        assertEquals(4, labels.size());
        assertEquals("Male speech, man speaking", labels.name(1));
        assertEquals("Sine wave", labels.name(2));
        assertEquals("Female speech, woman speaking", labels.name(3));
    }

    public void testErrorsNameTheFileAndLine() throws IOException {
        Path csv = createTempDir().resolve("labels.csv");
        Files.writeString(csv, "index,mid,display_name\n0,/m/09x0r,Speech\n\n2,/m/05zppz,Male speech\n");
        IOException e = expectThrows(IOException.class, () -> ClassifierLabels.readCsv(csv));
        assertEquals(csv + " line 4: index 2 out of order, expected 1", e.getMessage());
    }

    public void testTopIsSortedAndThresholded() {
        ClassifierLabels labels = new ClassifierLabels(List.of("a", "b", "c", "d"));
        List<ClassifierLabels.Tag> top = labels.top(new float[] { -3, 2, 0, 1 }, 2, 0f);
        assertEquals(List.of("b", "d"), top.stream().map(ClassifierLabels.Tag::label).toList());
        assertEquals(1 / (1 + Math.exp(-2)), top.get(0).score(), 1e-6);
        // Only labels with probability >= 0.6 (logit > 0.405).
        assertEquals(List.of("b", "d"), labels.top(new float[] { -3, 2, 0, 1 }, 10, 0.6f).stream().map(ClassifierLabels.Tag::label).toList());
        expectThrows(IllegalArgumentException.class, () -> labels.top(new float[3], 1, 0f));
    }
}
