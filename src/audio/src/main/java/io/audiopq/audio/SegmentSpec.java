package io.audiopq.audio;

/**
 * How a clip is cut into segments, in seconds (converted to whole spectrogram frames).
 *
 * @param windowSeconds segment length, e.g. 1.0 (YAMNet patches: 0.96)
 * @param hopSeconds    distance between segment starts, e.g. 0.5 (YAMNet: 0.48)
 */
public record SegmentSpec(double windowSeconds, double hopSeconds) {

    public SegmentSpec {
        if (Double.isFinite(windowSeconds) == false || windowSeconds <= 0) {
            throw new IllegalArgumentException("segment window must be a finite number of seconds > 0, got " + windowSeconds);
        }
        if (Double.isFinite(hopSeconds) == false || hopSeconds <= 0) {
            throw new IllegalArgumentException("segment hop must be a finite number of seconds > 0, got " + hopSeconds);
        }
    }
}
