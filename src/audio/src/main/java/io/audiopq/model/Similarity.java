package io.audiopq.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How vectors of a bundle are compared, under Elasticsearch's {@code dense_vector} names so that
 * a user reads the same words in a bundle and in a mapping.
 */
public enum Similarity {
    /** Euclidean distance. */
    L2_NORM(false),
    /** Cosine: inner product over unit-normalised vectors (the codebook is trained on normalised vectors). */
    COSINE(true),
    /** Raw dot product. */
    DOT_PRODUCT(false);

    private final boolean normalizes;

    Similarity(boolean normalizes) {
        this.normalizes = normalizes;
    }

    /** The name written in model.json and mappings, e.g. {@code l2_norm}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether vectors are scaled to unit length before training, encoding and querying. */
    public boolean normalizes() {
        return normalizes;
    }

    /** Looks up a JSON name; empty for anything else (case-sensitive, like Elasticsearch). */
    public static Optional<Similarity> fromJsonName(String name) {
        return Arrays.stream(values()).filter(s -> s.jsonName().equals(name)).findFirst();
    }

    /** The accepted names, for error messages. */
    public static String jsonNames() {
        return Arrays.stream(values()).map(Similarity::jsonName).toList().toString();
    }
}
