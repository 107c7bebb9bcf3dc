package io.audiopq.quantization;

/**
 * How a query is compared with a (decoded) vector. Cosine similarity is {@link #INNER_PRODUCT}
 * over L2-normalised vectors: callers normalise before encoding and before building tables.
 */
public enum Metric {
    /** Squared Euclidean distance: lower is more similar. */
    L2,
    /** Dot product: higher is more similar. */
    INNER_PRODUCT
}
