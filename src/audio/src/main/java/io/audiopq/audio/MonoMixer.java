package io.audiopq.audio;

import java.util.Arrays;

/**
 * Collects decoded frames as they come out of a decoder and averages their channels into one
 * mono buffer. The buffer grows geometrically but never beyond the number of frames the maximum
 * duration allows, so memory stays bounded even when a stream's header understates its length.
 */
final class MonoMixer {

    private final AudioFormat format;
    private final DecodeLimits limits;
    private final int channels;
    private final int sampleRate;
    private final long maxFrames;
    private final float scale;
    private float[] buffer;
    private int size;

    /**
     * @param expectedFrames the header's frame count if it has one (a hint for the first allocation), else 0
     */
    MonoMixer(AudioFormat format, DecodeLimits limits, int channels, int sampleRate, long expectedFrames) {
        DecodeLimits.checkStreamParameters(format, channels, sampleRate);
        this.format = format;
        this.limits = limits;
        this.channels = channels;
        this.sampleRate = sampleRate;
        this.maxFrames = Math.min(limits.maxFrames(sampleRate), Integer.MAX_VALUE - 16);
        this.scale = 1f / channels;
        long initial = expectedFrames > 0 ? Math.min(expectedFrames, maxFrames) : Math.min(sampleRate, maxFrames);
        this.buffer = new float[(int) Math.max(initial, 16)];
    }

    int channels() {
        return channels;
    }

    int sampleRate() {
        return sampleRate;
    }

    int frames() {
        return size;
    }

    /** Adds {@code count} frames from planar channel arrays, each read from {@code offsets[c]}. */
    void addPlanar(float[][] planar, int[] offsets, int count) {
        ensure(count);
        for (int i = 0; i < count; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += planar[c][offsets[c] + i];
            }
            buffer[size + i] = sum * scale;
        }
        size += count;
    }

    /** Adds {@code count} frames of interleaved 16-bit samples. */
    void addInterleaved(short[] interleaved, int count) {
        ensure(count);
        float norm = scale / 32768f;
        for (int i = 0, j = 0; i < count; i++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += interleaved[j++];
            }
            buffer[size + i] = sum * norm;
        }
        size += count;
    }

    /** Adds {@code count} frames of planar integers with full scale {@code fullScale}. */
    void addPlanarInts(int[][] planar, int count, double fullScale) {
        ensure(count);
        double norm = scale / fullScale;
        for (int i = 0; i < count; i++) {
            long sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += planar[c][i];
            }
            buffer[size + i] = (float) (sum * norm);
        }
        size += count;
    }

    /** Adds one already-mixed mono value (used by decoders that convert frame by frame). */
    void addMono(float value) {
        ensure(1);
        buffer[size++] = value;
    }

    private void ensure(int count) {
        long needed = (long) size + count;
        if (needed > maxFrames) {
            throw limits.tooLong(format, Double.NaN);
        }
        if (needed > buffer.length) {
            long grown = Math.max(needed, (long) buffer.length * 2);
            buffer = Arrays.copyOf(buffer, (int) Math.min(grown, maxFrames));
        }
    }

    DecodedAudio finish() {
        if (size == 0) {
            throw new InvalidAudioException(InvalidAudioException.Reason.EMPTY, format.id() + " stream contains no audio samples");
        }
        float[] samples = size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        buffer = null;
        return new DecodedAudio(samples, sampleRate, channels, format);
    }
}
