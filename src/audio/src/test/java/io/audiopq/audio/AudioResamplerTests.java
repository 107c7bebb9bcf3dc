package io.audiopq.audio;

import be.tarsos.dsp.resample.Resampler;

import io.audiopq.testing.Signals;
import io.audiopq.testing.TestAudio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

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

    public void testCachedFilterGivesTheSameSamplesAsAFreshResampler() {
        int[][] pairs = { { 44100, 32000 }, { 48000, 16000 }, { 8000, 32000 } };
        for (int[] pair : pairs) {
            for (int call = 0; call < 3; call++) { // the first call fills the cache, the others copy from it
                float[] in = noise(random().nextInt(20_000) + 1, random().nextLong());
                String what = pair[0] + " -> " + pair[1] + " Hz, call " + call;
                assertArrayEquals(what, fresh(in, pair[0], pair[1]), AudioResampler.resample(in, pair[0], pair[1]), 0f);
            }
        }
    }

    public void testConcurrentCallsOnOneRatePairAreIndependent() throws Exception {
        int threads = 4;
        List<float[]> inputs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            inputs.add(noise(5_000 + random().nextInt(40_000), random().nextLong()));
        }
        float[][] results = new float[threads][];
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 5; round++) {
                        results[id] = AudioResampler.resample(inputs.get(id), 22050, 32000);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(failure.get());
        for (int t = 0; t < threads; t++) {
            assertArrayEquals("thread " + t, fresh(inputs.get(t), 22050, 32000), results[t], 0f);
        }
    }

    public void testCacheIsBounded() {
        for (int from = 9000; from < 9000 + AudioResampler.MAX_CACHED_PAIRS + 8; from++) {
            float[] in = noise(2_000, from);
            assertArrayEquals("from " + from + " Hz", fresh(in, from, 16000), AudioResampler.resample(in, from, 16000), 0f);
        }
        assertTrue(AudioResampler.cachedPairs() + " pairs cached", AudioResampler.cachedPairs() <= AudioResampler.MAX_CACHED_PAIRS);
    }

    private static float[] noise(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] samples = new float[n];
        for (int i = 0; i < n; i++) {
            samples[i] = (float) (random.nextGaussian() * 0.3);
        }
        return samples;
    }

    /** The resampler as it was before the cache: a TarsosDSP resampler built for this call alone. */
    private static float[] fresh(float[] samples, int from, int to) {
        double factor = (double) to / from;
        int expected = (int) Math.round(samples.length * factor);
        Resampler resampler = new Resampler(true, factor, factor);
        float[] out = new float[expected + resampler.getFilterWidth() + 16];
        int consumed = 0, produced = 0;
        while (true) {
            Resampler.Result r = resampler.process(factor, samples, consumed, samples.length - consumed, true, out, produced,
                out.length - produced);
            consumed += r.inputSamplesConsumed;
            produced += r.outputSamplesGenerated;
            if ((r.inputSamplesConsumed == 0 && r.outputSamplesGenerated == 0) || produced >= out.length) {
                break;
            }
        }
        return Arrays.copyOf(out, expected);
    }
}
