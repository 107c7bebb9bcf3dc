package io.audiopq.tools.corpus;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class CorpusManifestTests extends LuceneTestCase {

    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public void testRoundTrip() throws IOException {
        Path file = createTempDir().resolve("manifest.tsv");
        List<CorpusManifest.Entry> entries = List.of(
            new CorpusManifest.Entry("sonic-pi-samples", "3.2.2~repack-8", "usr/share/sonic-pi/samples/bd_boom.flac", "CC0", "MIT | CC0", SHA, 12.5,
                44100, 2, List.of(CorpusManifest.ClipId.of(SHA, 0, 10000), CorpusManifest.ClipId.of(SHA, 10000, 12500)), ""),
            new CorpusManifest.Entry("gnome-audio", "2.22.2-1.2", "usr/share/sounds/email.wav", "CC-BY-SA-2.0", "CC-BY-SA-2.0", SHA, 0.093, 44100, 1,
                List.of(), "too short (0.093 s < 0.5 s)"));
        CorpusManifest.write(file, entries);
        assertEquals(entries, CorpusManifest.read(file));
        List<String> lines = Files.readAllLines(file);
        assertEquals(String.join("\t", CorpusManifest.COLUMNS), lines.get(0));
        assertTrue(lines.get(1), lines.get(1).contains("\t0123456789abcdef-0-10000,0123456789abcdef-10000-12500\t"));
        assertFalse(Files.exists(file.resolveSibling("manifest.tsv.partial")));
    }

    public void testClipIdParsesWhatItPrints() {
        CorpusManifest.ClipId id = CorpusManifest.ClipId.of(SHA, 2500, 7500);
        assertEquals("0123456789abcdef-2500-7500", id.toString());
        assertEquals(id, CorpusManifest.ClipId.parse(id.toString()));
        assertEquals(5.0, id.seconds(), 0);
        assertEquals("0123456789abcdef-2500-7500.wav", id.fileName());
        expectThrows(IllegalArgumentException.class, () -> CorpusManifest.ClipId.parse("0123456789abcdef-7500-2500"));
        expectThrows(IllegalArgumentException.class, () -> CorpusManifest.ClipId.parse("xyz-0-10"));
        expectThrows(IllegalArgumentException.class, () -> CorpusManifest.ClipId.parse("0123456789abcdef-0"));
    }

    public void testFieldsWithTabsAreRefused() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new CorpusManifest.Entry("p", "1", "a\tb.wav", "MIT", "MIT", SHA,
            1, 8000, 1, List.of(), ""));
        assertTrue(e.getMessage(), e.getMessage().contains("tab"));
    }

    public void testMalformedRowNamesItsLine() throws IOException {
        Path file = createTempDir().resolve("manifest.tsv");
        Files.writeString(file, String.join("\t", CorpusManifest.COLUMNS) + "\nonly\tthree\tfields\n", StandardCharsets.UTF_8);
        IOException e = expectThrows(IOException.class, () -> CorpusManifest.read(file));
        assertTrue(e.getMessage(), e.getMessage().contains("line 2"));
        Files.writeString(file, "package,version\n", StandardCharsets.UTF_8);
        e = expectThrows(IOException.class, () -> CorpusManifest.read(file));
        assertTrue(e.getMessage(), e.getMessage().contains("not a corpus manifest"));
    }
}
