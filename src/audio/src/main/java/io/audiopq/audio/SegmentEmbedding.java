package io.audiopq.audio;

/**
 * The embedding of one segment.
 *
 * @param start     segment start, seconds
 * @param end       segment end, seconds
 * @param embedding the (head's, if any) embedding
 * @param logits    the backbone's classifier scores, or null without a classifier output
 */
public record SegmentEmbedding(double start, double end, float[] embedding, float[] logits) {}
