package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import io.audiopq.audio.LogMelConfig.FilterStyle;
import io.audiopq.audio.LogMelConfig.LogType;
import io.audiopq.audio.LogMelConfig.MelNorm;
import io.audiopq.audio.LogMelConfig.MelScale;
import io.audiopq.audio.LogMelConfig.PadMode;
import io.audiopq.audio.LogMelConfig.Spectrum;
import io.audiopq.audio.LogMelConfig.WindowAlign;
import io.audiopq.audio.LogMelConfig.WindowType;
import org.apache.lucene.tests.util.LuceneTestCase;

public class LogMelSpectrogramTests extends LuceneTestCase {

    public void testMatchesANaiveDftImplementation() {
        // Every framing variant against a direct transcription of the definition (naive DFT, explicit padding).
        for (WindowAlign align : WindowAlign.values()) {
            for (boolean center : new boolean[] { true, false }) {
                for (Spectrum spectrum : Spectrum.values()) {
                    LogMelConfig c = new LogMelConfig(16000, 256, 200, 80, WindowType.HAMMING, random().nextBoolean(), align, center,
                        random().nextBoolean() ? PadMode.REFLECT : PadMode.CONSTANT, random().nextBoolean() ? 0.97 : 0, spectrum,
                        MelScale.HTK, FilterStyle.KALDI, MelNorm.NONE, 20, 50, 7000, LogType.LN, 1e-6, 0, 0, 1);
                    float[] x = noise(1000 + random().nextInt(500));
                    LogMelSpectrogram front = new LogMelSpectrogram(c);
                    Spectrogram s = front.compute(x);
                    double[][] expected = naive(c, front.filters(), x);
                    assertEquals(c.toString(), expected.length, s.frames());
                    for (int t = 0; t < s.frames(); t++) {
                        for (int m = 0; m < s.mels(); m++) {
                            assertEquals(c + " t=" + t + " m=" + m, Math.log(expected[t][m] + 1e-6), s.get(t, m), 1e-3);
                        }
                    }
                }
            }
        }
    }

    public void testFrameCountsOfTheReferenceFrontEnds() {
        // EfficientAT: 5 s at 32 kHz, pre-emphasis drops a sample, centre padding: 1 + 159999/320 = 500 frames (torch.stft).
        LogMelSpectrogram efficientAt = new LogMelSpectrogram(LogMelConfig.efficientAt());
        assertEquals(500, efficientAt.frameCount(160000));
        assertEquals(500, efficientAt.compute(new float[160000]).frames());
        assertEquals(128, efficientAt.compute(new float[3200]).mels());
        // YAMNet: 0.96 s + one window - one hop = 0.975 s = 15600 samples gives exactly 96 frames (tf.signal.frame).
        LogMelSpectrogram yamnet = new LogMelSpectrogram(LogMelConfig.yamnet());
        assertEquals(96, yamnet.frameCount(15600));
        assertEquals(1, yamnet.frameCount(100)); // shorter than a window: one zero-extended frame
    }

    public void testSinePeaksInTheRightBand() {
        for (LogMelConfig c : new LogMelConfig[] { LogMelConfig.efficientAt(), LogMelConfig.yamnet() }) {
            double freq = 400 + random().nextInt(5000);
            Spectrogram s = new LogMelSpectrogram(c).compute(TestAudio.sine(freq, 0.5, c.sampleRate(), 0.5));
            int t = s.frames() / 2;
            int best = 0;
            for (int m = 1; m < s.mels(); m++) {
                if (s.get(t, m) > s.get(t, best)) {
                    best = m;
                }
            }
            MelFilterBank filters = MelFilterBank.of(c);
            int bin = (int) Math.round(freq * c.nFft() / c.sampleRate());
            assertTrue(freq + " Hz should fall under filter " + best, filters.weight(best, bin) > 0);
        }
    }

    public void testSilenceGivesTheLogOffsetFloor() {
        LogMelConfig c = LogMelConfig.efficientAt();
        Spectrogram s = new LogMelSpectrogram(c).compute(new float[32000]);
        float expected = (float) ((Math.log(1e-5) + 4.5) / 5);
        for (float v : s.values()) {
            assertEquals(expected, v, 1e-6f);
        }
    }

    public void testLargeFftStartsNoThreads() {
        // JTransforms would use a thread pool from 8192 points on; the test framework fails on leaked threads.
        LogMelConfig base = LogMelConfig.efficientAt();
        LogMelConfig big = new LogMelConfig(32000, 16384, 16384, 4096, base.window(), true, base.windowAlign(), true, base.padMode(), 0,
            base.spectrum(), base.melScale(), base.filterStyle(), base.melNorm(), 64, 0, 16000, base.log(), 1e-5, 0, 0, 1);
        Spectrogram s = new LogMelSpectrogram(big).compute(TestAudio.sine(1000, 0.5, 32000, 1.0));
        assertEquals(1 + 32000 / 4096, s.frames());
        assertEquals(1, be.tarsos.dsp.util.ConcurrencyUtils.getNumberOfThreads());
    }

    public void testReflectPadding() {
        float[] x = { 1, 2, 3, 4 };
        assertArrayEquals(new float[] { 4, 3, 2, 1, 2, 3, 4, 3, 2, 1 }, LogMelSpectrogram.pad(x, 3, PadMode.REFLECT), 0f);
        // Longer than the signal: reflection continues periodically.
        assertArrayEquals(new float[] { 2, 1, 2, 1, 2, 1, 2, 1 }, LogMelSpectrogram.pad(new float[] { 1, 2 }, 3, PadMode.REFLECT), 0f);
        assertArrayEquals(new float[] { 0, 0, 1, 2, 3, 4, 0, 0 }, LogMelSpectrogram.pad(x, 2, PadMode.CONSTANT), 0f);
    }

    public void testPreemphasis() {
        assertArrayEquals(new float[] { 2 - 0.5f, 4 - 1f }, LogMelSpectrogram.preemphasis(new float[] { 1, 2, 4 }, 0.5f), 0f);
    }

    public void testTooShort() {
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> new LogMelSpectrogram(LogMelConfig.efficientAt()).compute(new float[1]));
        assertEquals(InvalidAudioException.Reason.EMPTY, e.reason());
    }

    public void testInvalidSettingsNameTheKey() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new LogMelConfig(32000, 1024, 2048, 320,
            WindowType.HANN, false, WindowAlign.CENTER, true, PadMode.REFLECT, 0.97, Spectrum.POWER, MelScale.HTK, FilterStyle.KALDI,
            MelNorm.NONE, 128, 0, 15000, LogType.LN, 1e-5, 0, 4.5, 5));
        assertTrue(e.getMessage(), e.getMessage().contains("[win_length]"));
        e = expectThrows(IllegalArgumentException.class, () -> new LogMelConfig(32000, 1024, 800, 320, WindowType.HANN, false,
            WindowAlign.CENTER, true, PadMode.REFLECT, 0.97, Spectrum.POWER, MelScale.HTK, FilterStyle.KALDI, MelNorm.NONE, 128, 0,
            20000, LogType.LN, 1e-5, 0, 4.5, 5));
        assertTrue(e.getMessage(), e.getMessage().contains("[fmax]"));
        e = expectThrows(IllegalArgumentException.class, () -> new LogMelConfig(32000, 1024, 800, 320, WindowType.HANN, false,
            WindowAlign.CENTER, true, PadMode.REFLECT, 0.97, Spectrum.POWER, MelScale.HTK, FilterStyle.KALDI, MelNorm.NONE, 128, 0,
            15000, LogType.LN, 0, 0, 4.5, 5));
        assertTrue(e.getMessage(), e.getMessage().contains("[log_offset]"));
    }

    private float[] noise(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random().nextGaussian() * 0.1);
        }
        return x;
    }

    /** The definition, written out: explicit padding, per-frame windowing, naive DFT, dense filter weights. */
    private static double[][] naive(LogMelConfig c, MelFilterBank filters, float[] input) {
        double[] x;
        if (c.preemphasis() > 0) {
            x = new double[input.length - 1];
            for (int n = 0; n < x.length; n++) {
                x[n] = input[n + 1] - c.preemphasis() * input[n];
            }
        } else {
            x = new double[input.length];
            for (int n = 0; n < x.length; n++) {
                x[n] = input[n];
            }
        }
        int nFft = c.nFft(), pad = c.center() ? nFft / 2 : 0;
        double[] p = new double[x.length + 2 * pad];
        for (int i = 0; i < p.length; i++) {
            int j = i - pad;
            if (j >= 0 && j < x.length) {
                p[i] = x[j];
            } else if (c.padMode() == PadMode.REFLECT) {
                p[i] = x[j < 0 ? -j : 2 * (x.length - 1) - j];
            }
        }
        int extent = c.windowAlign() == WindowAlign.CENTER ? nFft : c.winLength();
        int frames = 1 + (p.length - extent) / c.hopLength();
        int offset = c.windowAlign() == WindowAlign.CENTER ? (nFft - c.winLength()) / 2 : 0;
        double denominator = c.periodicWindow() ? c.winLength() : c.winLength() - 1;
        double[][] out = new double[frames][c.nMels()];
        for (int t = 0; t < frames; t++) {
            double[] frame = new double[nFft];
            for (int j = 0; j < c.winLength(); j++) {
                int i = t * c.hopLength() + offset + j;
                frame[offset + j] = (i < p.length ? p[i] : 0) * (0.54 - 0.46 * Math.cos(2 * Math.PI * j / denominator));
            }
            for (int k = 0; k <= nFft / 2; k++) {
                double re = 0, im = 0;
                for (int n = 0; n < nFft; n++) {
                    re += frame[n] * Math.cos(2 * Math.PI * k * n / nFft);
                    im -= frame[n] * Math.sin(2 * Math.PI * k * n / nFft);
                }
                double v = re * re + im * im;
                if (c.spectrum() == Spectrum.MAGNITUDE) {
                    v = Math.sqrt(v);
                }
                for (int m = 0; m < c.nMels(); m++) {
                    out[t][m] += filters.weight(m, k) * v;
                }
            }
        }
        return out;
    }
}
