package io.audiopq.audio;

/**
 * Decoded audio, downmixed to mono.
 *
 * @param samples    mono samples, nominally in [-1, 1] (decoders guarantee finite values within
 *                   ±{@link AudioChecks#MAX_SAMPLE_MAGNITUDE}), at {@code sampleRate}
 * @param sampleRate samples per second of {@code samples} (the source's rate)
 * @param channels   channel count of the source before the downmix
 * @param format     the source's format
 */
public record DecodedAudio(float[] samples, int sampleRate, int channels, AudioFormat format) {

    public DecodedAudio {
        if (samples == null) {
            throw new IllegalArgumentException("samples must not be null");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be > 0, got " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channels must be > 0, got " + channels);
        }
    }

    /** Duration in seconds. */
    public double durationSeconds() {
        return (double) samples.length / sampleRate;
    }
}
