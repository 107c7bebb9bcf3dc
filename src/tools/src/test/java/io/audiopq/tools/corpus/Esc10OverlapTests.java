package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioResampler;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.testing.TestAudio;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** An ESC-10 recording cut differently and re-encoded is found by sound; a tone is not (skipped without ../shared). */
public class Esc10OverlapTests extends LuceneTestCase {

    public void testFindsARecutEsc10Clip() throws Exception {
        Path shared = TestAudio.requireShared("data/esc10/esc10_meta.csv").getParent();
        Path mn04 = TestAudio.requireMn04().getParent();
        String dog = "001 - Dog bark/1-100032-A.ogg", rain = "002 - Rain/1-17367-A.ogg";
        assumeTrue("ESC-10 files as expected", Files.exists(shared.resolve(dog)) && Files.exists(shared.resolve(rain)));
        // A two-clip "ESC-10" (the real files, in a temporary folder) ...
        Path esc10 = createTempDir();
        for (String f : List.of(dog, rain)) {
            Files.createDirectories(esc10.resolve(f).getParent());
            Files.copy(shared.resolve(f), esc10.resolve(f));
        }
        Files.writeString(esc10.resolve("esc10_meta.csv"), "filename,esc10_class\n" + dog + ",dog\n" + rain + ",rain\n");
        // ... and a corpus holding the dog bark's last 3.7 s at 32 kHz, and a tone.
        DecodedAudio bark = new AudioDecoder().decode(Files.readAllBytes(esc10.resolve(dog)), DecodeLimits.DEFAULTS);
        float[] x = AudioResampler.resample(bark.samples(), bark.sampleRate(), CorpusBuilder.CLIP_RATE);
        Path corpus = createTempDir();
        Path clips = Files.createDirectories(corpus.resolve("clips"));
        String sha = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
        CorpusManifest.ClipId recut = CorpusManifest.ClipId.of(sha, 1300, 5000), tone = CorpusManifest.ClipId.of(sha, 5000, 7000);
        int from = (int) (1.3 * CorpusBuilder.CLIP_RATE);
        CorpusBuilder.writeWav(clips.resolve(recut.fileName()), x, from, x.length - from, CorpusBuilder.CLIP_RATE);
        CorpusBuilder.writeWav(clips.resolve(tone.fileName()), TestAudio.sine(440, 0.5, CorpusBuilder.CLIP_RATE, 2), 0, 2 * CorpusBuilder.CLIP_RATE,
            CorpusBuilder.CLIP_RATE);
        CorpusManifest.write(corpus.resolve("manifest.tsv"), List.of(new CorpusManifest.Entry("p", "1", "x.ogg", "MIT", "MIT", sha, 7, 32000, 1,
            List.of(recut, tone), "")));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path targets = corpus.resolve("teacher.bin");
        TeacherTargets.compute(corpus, mn04, targets, quiet);
        Path report = corpus.resolve("overlap.tsv");
        List<Esc10Overlap.Match> matches = Esc10Overlap.run(targets, esc10, mn04, report, quiet);
        assertEquals(recut.toString(), matches.get(0).clipId());
        assertEquals(dog, matches.get(0).esc10File());
        assertTrue(matches.toString(), matches.get(0).cosine() >= Esc10Overlap.THRESHOLD);
        assertTrue(matches.toString(), matches.get(1).cosine() < Esc10Overlap.THRESHOLD);
        List<String> lines = Files.readAllLines(report);
        assertEquals(2, lines.size()); // header + the recut clip
        assertTrue(lines.get(1), lines.get(1).startsWith(recut + "\t"));
    }
}
