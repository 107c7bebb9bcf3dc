package io.audiopq.model;

import io.audiopq.quantization.Metric;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How vectors of a bundle are compared, under Elasticsearch's {@code dense_vector} names so that
 * a user reads the same words in a bundle and in a mapping.
 */
public enum Similarity {
    /** Euclidean distance. */
    L2_NORM(Metric.L2, false),
    /** Cosine: inner product over unit-normalised vectors (the codebook is trained on normalised vectors). */
    COSINE(Metric.INNER_PRODUCT, true),
    /** Raw dot product. */
    DOT_PRODUCT(Metric.INNER_PRODUCT, false);

    private final Metric metric;
    private final boolean normalizes;

    Similarity(Metric metric, boolean normalizes) {
        this.metric = metric;
        this.normalizes = normalizes;
    }

    /** The name written in model.json and mappings, e.g. {@code l2_norm}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The quantisation core's metric for ADC tables. */
    public Metric metric() {
        return metric;
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
