package io.audiopq.tools.corpus;

import io.audiopq.testing.TestAudio;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class CorpusClipsTests extends LuceneTestCase {

    private static final String SHA = "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd";
    private static final int RATE = CorpusBuilder.CLIP_RATE;

    private static Path corpus(float[]... clips) throws IOException {
        Path dir = createTempDir();
        Files.createDirectories(dir.resolve("clips"));
        List<CorpusManifest.ClipId> ids = new java.util.ArrayList<>();
        for (int i = 0; i < clips.length; i++) {
            CorpusManifest.ClipId id = CorpusManifest.ClipId.of(SHA, i * 10000L, i * 10000L + 1000L * clips[i].length / RATE);
            CorpusBuilder.writeWav(dir.resolve("clips").resolve(id.fileName()), clips[i], 0, clips[i].length, RATE);
            ids.add(id);
        }
        CorpusManifest.write(dir.resolve("manifest.tsv"), List.of(new CorpusManifest.Entry("pkg", "1", "a.ogg", "CC0", "CC0", SHA, 30, 44100, 2, ids, "")));
        return dir;
    }

    public void testClipsVariantsAndPartnersAreReproducible() throws IOException {
        Path dir = corpus(TestAudio.sine(440, 0.5, RATE, 2), TestAudio.sine(660, 0.5, RATE, 1), TestAudio.sine(990, 0.5, RATE, 3));
        CorpusClips corpus = CorpusClips.open(dir);
        assertEquals(3, corpus.clips().size());
        CorpusClips.Clip first = corpus.clips().get(0);
        assertEquals("pkg", first.pkg());
        assertEquals("CC0", first.licence());
        float[] x = corpus.samples(first);
        assertEquals(2 * RATE, x.length);
        assertEquals(Math.sqrt(0.125), io.audiopq.testing.Signals.rms(x, 0, x.length), 1e-3); // 16-bit round trip of a 0.5 sine
        Augmenter augmenter = new Augmenter(Augmenter.Params.DEFAULT);
        assertArrayEquals(x, corpus.variant(first, 0, augmenter, 5).samples(), 0f);
        CorpusClips again = CorpusClips.open(dir);
        Augmenter other = new Augmenter(Augmenter.Params.DEFAULT);
        for (int v = 1; v <= 8; v++) {
            Augmenter.Augmented a = corpus.variant(first, v, augmenter, 5), b = again.variant(again.clips().get(0), v, other, 5);
            assertEquals(a.recipe(), b.recipe());
            assertArrayEquals(a.recipe(), a.samples(), b.samples(), 0f);
        }
    }

    public void testAMissingClipFileIsNamed() throws IOException {
        Path dir = corpus(TestAudio.sine(440, 0.5, RATE, 1));
        CorpusClips corpus = CorpusClips.open(dir);
        Files.delete(dir.resolve("clips").resolve(corpus.clips().get(0).id().fileName()));
        IOException e = expectThrows(IOException.class, () -> corpus.samples(corpus.clips().get(0)));
        assertTrue(e.getMessage(), e.getMessage().contains("is missing; rerun make-corpus.sh"));
    }
}
