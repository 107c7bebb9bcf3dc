package io.audiopq.audio;

/**
 * Told how long each stage of turning encoded audio into embeddings took, for statistics (the
 * ingest processor's per-model timings). Implementations must be thread-safe and cheap: they are
 * called a few times per clip from every thread that embeds.
 */
public interface StageTimer {

    /** The stages, in the order a clip goes through them. */
    enum Stage {
        DECODE,
        RESAMPLE,
        FRONT_END,
        INFERENCE
    }

    /** Records nothing. */
    StageTimer NONE = (stage, nanos) -> {};

    void add(Stage stage, long nanos);
}
