package io.audiopq.audio;

import java.util.Arrays;

/**
 * Collects decoded frames as they come out of a decoder and averages their channels into one
 * mono buffer. The buffer grows geometrically but never beyond the number of frames the maximum
 * duration and the sample budget allow, so memory stays bounded even when a stream's header
 * understates its length. Every float sample is checked by {@link AudioChecks}' rule (finite, within
 * ±{@link AudioChecks#MAX_SAMPLE_MAGNITUDE}); every added block is metered by the {@link DecodeBudget}.
 */
final class MonoMixer {

    private final AudioFormat format;
    private final DecodeLimits limits;
    private final DecodeBudget budget;
    private final int channels;
    private final int sampleRate;
    private final long maxFrames;
    private final float scale;
    private float[] buffer;
    private int size;

    /**
     * @param expectedFrames the header's frame count if it has one (a hint for the first allocation), else 0
     */
    MonoMixer(AudioFormat format, DecodeBudget budget, int channels, int sampleRate, long expectedFrames) {
        DecodeLimits.checkStreamParameters(format, channels, sampleRate);
        this.format = format;
        this.budget = budget;
        this.limits = budget.limits();
        this.channels = channels;
        this.sampleRate = sampleRate;
        this.maxFrames = limits.maxOutputFrames(sampleRate);
        this.scale = 1f / channels;
        long initial = expectedFrames > 0 ? Math.min(expectedFrames, maxFrames) : Math.min(sampleRate, maxFrames);
        this.buffer = new float[(int) Math.max(Math.min(initial, maxFrames), 1)];
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
                float v = planar[c][offsets[c] + i];
                if (AudioChecks.isSaneSample(v) == false) {
                    // Checked per channel: opposite absurd values must not cancel out in the mix.
                    throw AudioChecks.insaneSample(format, v, size + i);
                }
                sum += v;
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

    /** Adds {@code count} frames of planar longs with full scale {@code fullScale} (|value| ≤ fullScale). */
    void addPlanarLongs(long[][] planar, int count, double fullScale) {
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
        if (AudioChecks.isSaneSample(value) == false) {
            throw AudioChecks.insaneSample(format, value, size);
        }
        ensure(1);
        buffer[size++] = value;
    }

    private void ensure(int count) {
        if (count < 0) {
            throw new InvalidAudioException(InvalidAudioException.Reason.CORRUPT, format.id() + " decoder produced a negative sample count");
        }
        long needed = (long) size + count;
        if (needed > maxFrames) {
            throw needed > limits.maxFrames(sampleRate) ? limits.tooLong(format, Double.NaN) : limits.overBudget(format, -1, sampleRate);
        }
        budget.produce(count, sampleRate);
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
