package io.audiopq.audio;

import io.audiopq.audio.LogMelConfig.FilterStyle;
import io.audiopq.audio.LogMelConfig.MelNorm;
import io.audiopq.audio.LogMelConfig.MelScale;
import org.apache.lucene.tests.util.LuceneTestCase;

public class MelFilterBankTests extends LuceneTestCase {

    public void testMelScales() {
        assertEquals(1127.0 * Math.log(2), MelFilterBank.hzToMel(700, MelScale.HTK), 1e-9);
        // HTK's 2595·log10 is the same curve with the constant rounded (1127·ln 10 = 2595.024).
        assertEquals(2595.0 * Math.log10(1 + 3000 / 700.0), MelFilterBank.hzToMel(3000, MelScale.HTK), 0.02);
        assertEquals(15.0, MelFilterBank.hzToMel(1000, MelScale.SLANEY), 1e-9);
        assertEquals(7.5, MelFilterBank.hzToMel(500, MelScale.SLANEY), 1e-9);
        for (MelScale scale : MelScale.values()) {
            double hz = random().nextDouble() * 20000;
            assertEquals(hz, MelFilterBank.melToHz(MelFilterBank.hzToMel(hz, scale), scale), 1e-6);
        }
    }

    public void testKaldiFiltersOfEfficientAt() {
        LogMelConfig c = LogMelConfig.efficientAt();
        MelFilterBank f = MelFilterBank.of(c);
        assertEquals(128, f.size());
        assertEquals(513, f.bins());
        for (int m = 0; m < f.size(); m++) {
            assertEquals("the Nyquist bin is outside Kaldi filters", 0f, f.weight(m, 512), 0f);
        }
        // Between the first and the last centre, adjacent triangles (linear in mel) sum to 1 on every bin.
        assertPartitionOfUnity(c, f);
        // Every filter's weights peak close to its centre frequency.
        double melStep = MelFilterBank.hzToMel(15000, MelScale.HTK) / 129;
        for (int m = 20; m < 128; m += 17) {
            double centreHz = MelFilterBank.melToHz((m + 1) * melStep, MelScale.HTK);
            int bin = (int) Math.round(centreHz * 1024 / 32000);
            assertTrue(f.weight(m, bin) > 0.5f);
        }
    }

    public void testLibrosaStyleWithSlaneyNorm() {
        LogMelConfig base = LogMelConfig.efficientAt();
        LogMelConfig c = new LogMelConfig(22050, 2048, 2048, 512, base.window(), true, base.windowAlign(), true, base.padMode(), 0,
            base.spectrum(), MelScale.SLANEY, FilterStyle.LIBROSA, MelNorm.NONE, 40, 0, 11025, base.log(), 1e-10, 0, 0, 1);
        assertPartitionOfUnity(c, MelFilterBank.of(c));
        // Slaney norm: each triangle scaled by 2/(width in Hz), so its integral over Hz is ~1 (its area).
        LogMelConfig normed = new LogMelConfig(22050, 2048, 2048, 512, base.window(), true, base.windowAlign(), true, base.padMode(), 0,
            base.spectrum(), MelScale.SLANEY, FilterStyle.LIBROSA, MelNorm.SLANEY, 40, 0, 11025, base.log(), 1e-10, 0, 0, 1);
        MelFilterBank f = MelFilterBank.of(normed);
        double binHz = 22050.0 / 2048;
        for (int m = 5; m < 40; m += 7) {
            double area = 0;
            for (int k = 0; k < f.bins(); k++) {
                area += f.weight(m, k) * binHz;
            }
            assertEquals("filter " + m, 1.0, area, 0.05);
        }
    }

    private static void assertPartitionOfUnity(LogMelConfig c, MelFilterBank f) {
        double melLow = MelFilterBank.hzToMel(c.fmin(), c.melScale()), melHigh = MelFilterBank.hzToMel(c.fmax(), c.melScale());
        double step = (melHigh - melLow) / (c.nMels() + 1);
        double firstCentre = MelFilterBank.melToHz(melLow + step, c.melScale());
        double lastCentre = MelFilterBank.melToHz(melLow + c.nMels() * step, c.melScale());
        int checked = 0;
        for (int k = 0; k < f.bins() - 1; k++) {
            double hz = (double) k * c.sampleRate() / c.nFft();
            if (hz <= firstCentre || hz >= lastCentre) {
                continue;
            }
            double sum = 0;
            for (int m = 0; m < f.size(); m++) {
                sum += f.weight(m, k);
            }
            assertEquals("bin " + k + " (" + hz + " Hz)", 1.0, sum, 1e-5);
            checked++;
        }
        assertTrue(checked > 10);
    }
}
