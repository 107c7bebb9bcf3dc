package io.audiopq.audio;

/** How a backbone wants a batch of spectrograms laid out. */
public enum InputLayout {
    /** [batch, 1, mels, frames] — image-like CNNs such as EfficientAT (input {@code spec}). */
    BATCH_1_MELS_FRAMES,
    /** [batch, mels, frames]. */
    BATCH_MELS_FRAMES,
    /** [batch, frames, mels] — YAMNet-style patches. */
    BATCH_FRAMES_MELS,
    /** [batch, 1, frames, mels]. */
    BATCH_1_FRAMES_MELS;

    long[] shape(int batch, int mels, int frames) {
        return switch (this) {
            case BATCH_1_MELS_FRAMES -> new long[] { batch, 1, mels, frames };
            case BATCH_MELS_FRAMES -> new long[] { batch, mels, frames };
            case BATCH_FRAMES_MELS -> new long[] { batch, frames, mels };
            case BATCH_1_FRAMES_MELS -> new long[] { batch, 1, frames, mels };
        };
    }

    boolean melsFirst() {
        return this == BATCH_1_MELS_FRAMES || this == BATCH_MELS_FRAMES;
    }
}
