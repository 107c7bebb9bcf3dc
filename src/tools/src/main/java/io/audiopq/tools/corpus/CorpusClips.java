package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The corpus as training reads it: the clips {@code manifest.tsv} lists, in its order, with their
 * package and licence, their samples from {@code clips/}, and augmented variants ({@link Augmenter})
 * whose mixing partner is another corpus clip chosen from the same (seed, clip, variant), so a
 * variant is reproducible from the corpus alone.
 */
public final class CorpusClips {

    /** One clip and where it came from. */
    public record Clip(CorpusManifest.ClipId id, String pkg, String licence) {}

    private final Path dir;
    private final List<Clip> clips;
    private final AudioDecoder decoder = new AudioDecoder();

    private CorpusClips(Path dir, List<Clip> clips) {
        this.dir = dir;
        this.clips = List.copyOf(clips);
    }

    /** The corpus in {@code dir} ({@code manifest.tsv} and {@code clips/}, as make-corpus.sh writes them). */
    public static CorpusClips open(Path dir) throws IOException {
        List<Clip> clips = new ArrayList<>();
        for (CorpusManifest.Entry e : CorpusManifest.read(dir.resolve("manifest.tsv"))) {
            for (CorpusManifest.ClipId id : e.clips()) {
                clips.add(new Clip(id, e.pkg(), e.licence()));
            }
        }
        return new CorpusClips(dir, clips);
    }

    public List<Clip> clips() {
        return clips;
    }

    /** A clip's samples: mono, at {@link CorpusBuilder#CLIP_RATE}. */
    public float[] samples(Clip clip) throws IOException {
        Path file = dir.resolve("clips").resolve(clip.id().fileName());
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("corpus clip " + clip.id() + " (" + clip.pkg() + ") is listed in the manifest but " + file
                + " is missing; rerun make-corpus.sh", e);
        }
        DecodedAudio audio = decoder.decode(bytes, DecodeLimits.DEFAULTS);
        if (audio.sampleRate() != CorpusBuilder.CLIP_RATE) {
            throw new IOException(file + " is at " + audio.sampleRate() + " Hz, corpus clips are at " + CorpusBuilder.CLIP_RATE + " Hz");
        }
        return audio.samples();
    }

    /** Variant {@code variant} of a clip (0: the clip itself), mixed, when the augmenter draws mixing, with another corpus clip. */
    public Augmenter.Augmented variant(Clip clip, int variant, Augmenter augmenter, long seed) throws IOException {
        float[] x = samples(clip);
        if (variant == 0 || clips.size() < 2) {
            return augmenter.augment(x, null, CorpusBuilder.CLIP_RATE, seed, clip.id().toString(), variant);
        }
        SplittableRandom rng = new SplittableRandom(seed * 31 + clip.id().toString().hashCode() * 17L + variant);
        int self = clips.indexOf(clip), other = rng.nextInt(clips.size() - 1);
        Clip partner = clips.get(other >= self ? other + 1 : other);
        return augmenter.augment(x, samples(partner), CorpusBuilder.CLIP_RATE, seed, clip.id().toString(), variant);
    }
}
