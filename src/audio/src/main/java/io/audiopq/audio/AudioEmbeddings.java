package io.audiopq.audio;

import java.util.List;

/**
 * Everything the pipeline computes for one clip.
 *
 * @param audio     the source's properties
 * @param embedding clip-level embedding: the backbone run once on the whole clip's spectrogram
 *                  (and the head, if any) — see {@link AudioEmbedder}
 * @param logits    clip-level classifier scores, or null without a classifier output
 * @param segments  per-segment embeddings in time order
 */
public record AudioEmbeddings(AudioInfo audio, float[] embedding, float[] logits, List<SegmentEmbedding> segments) {}
