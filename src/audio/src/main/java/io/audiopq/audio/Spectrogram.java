package io.audiopq.audio;

/**
 * A log-mel spectrogram, frame-major: value (t, m) at {@code values[t * mels + m]}.
 *
 * @param values          frames × mels values
 * @param frames          number of frames T
 * @param mels            number of mel bands
 * @param framesPerSecond frame rate (sample rate / hop)
 */
public record Spectrogram(float[] values, int frames, int mels, double framesPerSecond) {

    public Spectrogram {
        if (values.length != (long) frames * mels) {
            throw new IllegalArgumentException("values has " + values.length + " entries, expected frames*mels = " + (long) frames * mels);
        }
    }

    /** Value of band {@code m} in frame {@code t}. */
    public float get(int t, int m) {
        return values[t * mels + m];
    }
}
