package io.audiopq.audio;

import io.audiopq.testing.Signals;

import io.audiopq.testing.TestAudio;

import org.apache.lucene.tests.util.LuceneTestCase;

public class AudioResamplerTests extends LuceneTestCase {

    public void testSineKeepsItsFrequencyAndLevel() {
        int[][] pairs = { { 44100, 32000 }, { 48000, 32000 }, { 16000, 32000 }, { 22050, 16000 }, { 8000, 44100 } };
        for (int[] pair : pairs) {
            int from = pair[0], to = pair[1];
            // Within the resampler's passband (70% of the lower Nyquist frequency); above it the
            // anti-aliasing filter rolls off by design.
            double freq = 300 + random().nextInt((int) (0.35 * Math.min(from, to)) - 300);
            float[] in = TestAudio.sine(freq, 0.5, from, 1.0);
            float[] out = AudioResampler.resample(in, from, to);
            String what = from + " -> " + to + " Hz, sine at " + freq + " Hz";
            assertEquals(what, Math.round(in.length * (double) to / from), out.length);
            assertEquals(what, freq, Signals.dominantFrequency(out, to, 4096, to / 4), 1.0);
            // Level (away from the edges, where the filter starts and ends) stays within 1%.
            assertEquals(what, 0.5 / Math.sqrt(2), Signals.rms(out, to / 10, out.length - to / 10), 0.005);
        }
    }

    public void testSamplesLineUpInTime() {
        // A sine resampled and compared sample by sample against the same sine generated at the target rate.
        float[] in = TestAudio.sine(440, 0.5, 44100, 0.5);
        float[] out = AudioResampler.resample(in, 44100, 32000);
        float[] direct = TestAudio.sine(440, 0.5, 32000, 0.5);
        double error = 0;
        for (int i = 1000; i < out.length - 1000; i++) {
            error = Math.max(error, Math.abs(out[i] - direct[i]));
        }
        assertTrue("max deviation from the ideal resampled sine: " + error, error < 0.01);
    }

    public void testRemovesContentAboveTheNewNyquist() {
        // 15 kHz cannot exist at 16 kHz sampling: it must be filtered out, not aliased to 1 kHz.
        float[] out = AudioResampler.resample(TestAudio.sine(15000, 0.5, 44100, 1.0), 44100, 16000);
        assertTrue(Signals.rms(out, 2000, out.length - 2000) < 0.01);
    }

    public void testSameRateReturnsInput() {
        float[] in = TestAudio.sine(440, 0.5, 16000, 0.1);
        assertSame(in, AudioResampler.resample(in, 16000, 16000));
    }
}
