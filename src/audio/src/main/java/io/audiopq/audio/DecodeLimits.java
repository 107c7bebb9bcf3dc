package io.audiopq.audio;

/**
 * Bounds on what a decoder accepts, so that one document cannot exhaust a node's memory: the
 * encoded size is checked before decoding, declared sizes before allocating, and the decoded
 * length (which bounds the float buffer: 4 bytes per mono sample) while decoding.
 *
 * @param maxBytes           largest encoded input accepted
 * @param maxDurationSeconds longest decoded audio accepted
 */
public record DecodeLimits(long maxBytes, double maxDurationSeconds) {

    /** Highest channel count accepted (Vorbis allows 255, FLAC 8; WAV headers could claim 65535). */
    public static final int MAX_CHANNELS = 255;
    /** Lowest sample rate accepted; below it a "recording" is certainly a broken header. */
    public static final int MIN_SAMPLE_RATE = 1_000;
    /** Highest sample rate accepted (studio formats top out at 768 kHz). */
    public static final int MAX_SAMPLE_RATE = 768_000;
    /** Largest encoded input accepted unless configured otherwise (processor, {@code _embed}, {@code query_audio}). */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Longest decoded audio accepted unless configured otherwise. */
    public static final double DEFAULT_MAX_DURATION_SECONDS = 300;
    /** The limits of every audio path that is not configured otherwise. */
    public static final DecodeLimits DEFAULTS = new DecodeLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_DURATION_SECONDS);

    public DecodeLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        if (Double.isFinite(maxDurationSeconds) == false || maxDurationSeconds <= 0) {
            throw new IllegalArgumentException("maxDurationSeconds must be a finite number > 0, got " + maxDurationSeconds);
        }
    }

    /** Most mono frames accepted at {@code sampleRate}. */
    public long maxFrames(int sampleRate) {
        return (long) Math.floor(maxDurationSeconds * sampleRate);
    }

    /** Throws {@code INVALID_HEADER} unless the channel count and sample rate are plausible. */
    static void checkStreamParameters(AudioFormat format, int channels, long sampleRate) {
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new InvalidAudioException(
                InvalidAudioException.Reason.INVALID_HEADER,
                format.id() + " header declares " + channels + " channels; expected 1 to " + MAX_CHANNELS
            );
        }
        if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
            throw new InvalidAudioException(
                InvalidAudioException.Reason.INVALID_HEADER,
                format.id() + " header declares a sample rate of " + sampleRate + " Hz; expected " + MIN_SAMPLE_RATE + " to "
                    + MAX_SAMPLE_RATE + " Hz"
            );
        }
    }

    /** Throws {@code TOO_LONG} when {@code frames} at {@code sampleRate} exceed the maximum duration. */
    void checkDuration(AudioFormat format, long frames, int sampleRate) {
        if (frames > maxFrames(sampleRate)) {
            throw tooLong(format, (double) frames / sampleRate);
        }
    }

    InvalidAudioException tooLong(AudioFormat format, double seconds) {
        return new InvalidAudioException(
            InvalidAudioException.Reason.TOO_LONG,
            String.format(
                java.util.Locale.ROOT,
                "%s audio is longer than the maximum of %.3f s%s",
                format.id(),
                maxDurationSeconds,
                Double.isNaN(seconds) ? "" : String.format(java.util.Locale.ROOT, " (%.3f s)", seconds)
            )
        );
    }
}
