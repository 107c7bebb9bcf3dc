package io.audiopq.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a bundle turns into vectors: nothing (it only quantises vectors a user sends) or audio. */
public enum ModelKind {
    /** A PQ codebook (and optional IVF centroids) for vectors produced elsewhere. */
    VECTORS(true),
    /**
     * Audio embedding: front-end settings, an ONNX backbone, an optional head and classifier, and
     * the PQ codebook for the embeddings it produces (so one bundle serves the {@code
     * audio_embedding} processor and the {@code pq_vector} field).
     */
    AUDIO(true);

    private final boolean supported;

    ModelKind(boolean supported) {
        this.supported = supported;
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this version of the plugin can load bundles of this kind. */
    public boolean supported() {
        return supported;
    }

    public static Optional<ModelKind> fromJsonName(String name) {
        return Arrays.stream(values()).filter(k -> k.jsonName().equals(name)).findFirst();
    }

    public static String jsonNames() {
        return Arrays.stream(values()).map(ModelKind::jsonName).toList().toString();
    }
}
