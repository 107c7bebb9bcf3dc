package io.audiopq.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a spectrogram's frames into segments of equal length (so that they batch into one
 * inference call): windows start every hop while they fit; if frames remain after the last
 * window, one more window is aligned to the end (overlapping its predecessor more than the hop),
 * so the whole clip is covered. A clip shorter than one window is a single, shorter segment.
 * Segments slice the whole clip's spectrogram rather than re-running the front end per segment,
 * so edge padding happens only at the clip's ends.
 */
public final class Segmenter {

    private Segmenter() {}

    /**
     * @param frames          spectrogram frames of the clip
     * @param framesPerSecond the spectrogram's frame rate
     * @param durationSeconds the clip's duration, the upper bound of segment end times
     */
    public static List<Segment> segments(int frames, double framesPerSecond, double durationSeconds, SegmentSpec spec) {
        if (frames <= 0) {
            return List.of();
        }
        int window = Math.max(1, (int) Math.round(spec.windowSeconds() * framesPerSecond));
        int hop = Math.max(1, (int) Math.round(spec.hopSeconds() * framesPerSecond));
        List<Segment> out = new ArrayList<>();
        if (frames <= window) {
            out.add(segment(0, frames, framesPerSecond, durationSeconds));
            return out;
        }
        int start = 0;
        for (; start + window <= frames; start += hop) {
            out.add(segment(start, window, framesPerSecond, durationSeconds));
        }
        int lastEnd = out.get(out.size() - 1).startFrame() + window;
        if (lastEnd < frames) {
            out.add(segment(frames - window, window, framesPerSecond, durationSeconds));
        }
        return out;
    }

    private static Segment segment(int start, int count, double fps, double duration) {
        return new Segment(start, count, Math.min(start / fps, duration), Math.min((start + count) / fps, duration));
    }
}
