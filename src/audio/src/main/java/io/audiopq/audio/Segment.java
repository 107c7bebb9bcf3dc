package io.audiopq.audio;

/**
 * A run of spectrogram frames and the time span it covers.
 *
 * @param startFrame   first frame
 * @param frameCount   number of frames
 * @param startSeconds time of the first frame
 * @param endSeconds   time just after the last frame, at most the clip's duration
 */
public record Segment(int startFrame, int frameCount, double startSeconds, double endSeconds) {}
