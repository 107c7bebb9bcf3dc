package io.audiopq.audio;

/**
 * Sanity checks on samples and embeddings, so that no input can carry NaN, infinity or absurd
 * magnitudes into the front end, the model or an index.
 *
 * <p>The rule for decoded samples (enforced by every decoder through {@code MonoMixer}): a sample
 * is refused, with {@link InvalidAudioException.Reason#CORRUPT}, when it is NaN, infinite, or
 * beyond ±{@link #MAX_SAMPLE_MAGNITUDE} after scaling to the nominal [-1, 1] range. Integer PCM
 * (WAV, FLAC, MP3) cannot exceed ±1 by construction; the bound concerns float sources (IEEE float
 * WAV, Vorbis synthesis output). Values between 1 and the bound are kept as they are (legitimate
 * float "overs"); nothing is clipped, since clipping a 3.0e38 sample would silently turn a broken
 * file into a full-scale click. With every sample within ±{@value #MAX_SAMPLE_MAGNITUDE}, the front
 * end's powers stay far inside float range (an nFft of 2^16 gives at most ~4.3e15 per bin), so it
 * cannot produce a non-finite value.
 */
public final class AudioChecks {

    /** Largest accepted |sample| (60 dB over full scale). */
    public static final float MAX_SAMPLE_MAGNITUDE = 1000f;

    private AudioChecks() {}

    /** Whether {@code v} is an acceptable decoded sample. */
    static boolean isSaneSample(float v) {
        return Math.abs(v) <= MAX_SAMPLE_MAGNITUDE; // false for NaN too
    }

    /** Throws {@code CORRUPT} for the first sample that is not finite or beyond the bound. */
    public static void checkSamples(AudioFormat format, float[] samples, int from, int to) {
        for (int i = from; i < to; i++) {
            if (isSaneSample(samples[i]) == false) {
                throw insaneSample(format, samples[i], i);
            }
        }
    }

    static InvalidAudioException insaneSample(AudioFormat format, double value, long index) {
        String what = Double.isNaN(value) ? "NaN" : Double.isInfinite(value) ? "an infinite" : "an out-of-range (" + value + ")";
        return new InvalidAudioException(
            InvalidAudioException.Reason.CORRUPT,
            (format == null ? "audio" : format.id()) + " stream decodes to " + what + " sample at sample " + index
                + "; samples must be finite and within ±" + MAX_SAMPLE_MAGNITUDE + " of full scale"
        );
    }

    /** Whether every value is finite. */
    public static boolean isFinite(float[] values) {
        if (values == null) {
            return true;
        }
        for (float v : values) {
            if (Float.isFinite(v) == false) {
                return false;
            }
        }
        return true;
    }

    /**
     * Throws {@link InvalidAudioException} ({@code CORRUPT}, "embedding is not finite") unless every
     * value of {@code embedding} is finite; returns it otherwise.
     */
    public static float[] requireFiniteEmbedding(float[] embedding, String what) {
        if (isFinite(embedding) == false) {
            throw new InvalidAudioException(InvalidAudioException.Reason.CORRUPT, what + " embedding is not finite (it holds NaN or infinity)");
        }
        return embedding;
    }
}
