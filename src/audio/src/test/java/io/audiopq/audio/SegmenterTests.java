package io.audiopq.audio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.List;

public class SegmenterTests extends LuceneTestCase {

    public void testEqualLengthSegmentsCoverEveryFrame() {
        for (int iter = 0; iter < 200; iter++) {
            double fps = 50 + random().nextInt(100);
            int frames = 1 + random().nextInt(2000);
            SegmentSpec spec = new SegmentSpec(0.1 + random().nextDouble() * 2, 0.05 + random().nextDouble() * 2);
            List<Segment> segments = Segmenter.segments(frames, fps, frames / fps, spec);
            int window = Math.max(1, (int) Math.round(spec.windowSeconds() * fps));
            boolean[] covered = new boolean[frames];
            for (Segment s : segments) {
                assertEquals("all segments share one frame count", Math.min(window, frames), s.frameCount());
                assertTrue(s.startFrame() >= 0 && s.startFrame() + s.frameCount() <= frames);
                assertTrue(s.endSeconds() <= frames / fps + 1e-9);
                for (int t = s.startFrame(); t < s.startFrame() + s.frameCount(); t++) {
                    covered[t] = true;
                }
            }
            for (int t = 0; t < frames; t++) {
                // With a hop longer than the window, gaps between windows are allowed; the end is always covered.
                if (spec.hopSeconds() <= spec.windowSeconds() || t >= frames - window) {
                    assertTrue("frame " + t + " of " + frames + " with " + spec, covered[t]);
                }
            }
        }
    }

    public void testYamnetPatches() {
        // 96-frame patches every 48 frames over 10 s at 100 frames/s.
        List<Segment> s = Segmenter.segments(1000, 100, 10, new SegmentSpec(0.96, 0.48));
        assertEquals(0, s.get(0).startFrame());
        assertEquals(48, s.get(1).startFrame());
        assertEquals(96, s.get(0).frameCount());
        assertEquals(1000 - 96, s.get(s.size() - 1).startFrame());
        assertEquals(0.48, s.get(1).startSeconds(), 1e-9);
    }

    public void testShortClipIsOneSegment() {
        List<Segment> s = Segmenter.segments(30, 100, 0.3, new SegmentSpec(1, 0.5));
        assertEquals(List.of(new Segment(0, 30, 0, 0.3)), s);
        assertEquals(List.of(), Segmenter.segments(0, 100, 0, new SegmentSpec(1, 0.5)));
    }
}
