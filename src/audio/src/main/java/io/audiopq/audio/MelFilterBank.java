package io.audiopq.audio;

import io.audiopq.audio.LogMelConfig.FilterStyle;
import io.audiopq.audio.LogMelConfig.MelNorm;
import io.audiopq.audio.LogMelConfig.MelScale;

/**
 * Triangular mel filters over the bins of an {@code nFft}-point spectrum, stored sparsely (each
 * filter's first non-zero bin and its contiguous weights). Immutable.
 */
public final class MelFilterBank {

    private final int[] firstBin;
    private final float[][] weights;
    private final int bins;

    private MelFilterBank(int[] firstBin, float[][] weights, int bins) {
        this.firstBin = firstBin;
        this.weights = weights;
        this.bins = bins;
    }

    /** Builds the filters the config describes. */
    public static MelFilterBank of(LogMelConfig c) {
        int bins = c.nFft() / 2 + 1;
        double binHz = (double) c.sampleRate() / c.nFft();
        double melLow = hzToMel(c.fmin(), c.melScale());
        double melHigh = hzToMel(c.fmax(), c.melScale());
        double melStep = (melHigh - melLow) / (c.nMels() + 1);
        // Kaldi style covers bins [0, nFft/2) and leaves the Nyquist bin at 0; librosa covers all bins.
        int usedBins = c.filterStyle() == FilterStyle.KALDI ? c.nFft() / 2 : bins;
        double[] binMel = new double[usedBins];
        for (int k = 0; k < usedBins; k++) {
            binMel[k] = hzToMel(k * binHz, c.melScale());
        }
        int[] first = new int[c.nMels()];
        float[][] w = new float[c.nMels()][];
        double[] dense = new double[usedBins];
        for (int m = 0; m < c.nMels(); m++) {
            double leftMel = melLow + m * melStep, centerMel = leftMel + melStep, rightMel = centerMel + melStep;
            double leftHz = melToHz(leftMel, c.melScale()), centerHz = melToHz(centerMel, c.melScale()), rightHz = melToHz(rightMel, c.melScale());
            double scale = c.melNorm() == MelNorm.SLANEY ? 2.0 / (rightHz - leftHz) : 1.0;
            int lo = -1, hi = -1;
            for (int k = 0; k < usedBins; k++) {
                double up, down;
                if (c.filterStyle() == FilterStyle.KALDI) {
                    up = (binMel[k] - leftMel) / (centerMel - leftMel);
                    down = (rightMel - binMel[k]) / (rightMel - centerMel);
                } else {
                    double hz = k * binHz;
                    up = (hz - leftHz) / (centerHz - leftHz);
                    down = (rightHz - hz) / (rightHz - centerHz);
                }
                dense[k] = Math.max(0, Math.min(up, down)) * scale;
                if (dense[k] > 0) {
                    if (lo < 0) {
                        lo = k;
                    }
                    hi = k;
                }
            }
            if (lo < 0) {
                // A band narrower than one bin gets no weight (as in the reference implementations).
                first[m] = 0;
                w[m] = new float[0];
                continue;
            }
            first[m] = lo;
            w[m] = new float[hi - lo + 1];
            for (int k = lo; k <= hi; k++) {
                w[m][k - lo] = (float) dense[k];
            }
        }
        return new MelFilterBank(first, w, bins);
    }

    /** Number of filters. */
    public int size() {
        return weights.length;
    }

    /** Spectrum bins the filters expect (nFft/2 + 1). */
    public int bins() {
        return bins;
    }

    /** Weight of filter {@code m} on bin {@code k}. */
    public float weight(int m, int k) {
        int i = k - firstBin[m];
        return i >= 0 && i < weights[m].length ? weights[m][i] : 0f;
    }

    /** Applies the filters to one spectrum of {@link #bins()} values, writing {@link #size()} values at {@code outOffset}. */
    void apply(float[] spectrum, float[] out, int outOffset) {
        for (int m = 0; m < weights.length; m++) {
            float[] w = weights[m];
            int k0 = firstBin[m];
            double sum = 0;
            for (int i = 0; i < w.length; i++) {
                sum += w[i] * spectrum[k0 + i];
            }
            out[outOffset + m] = (float) sum;
        }
    }

    /** Hz to mel. */
    public static double hzToMel(double hz, MelScale scale) {
        if (scale == MelScale.HTK) {
            return 1127.0 * Math.log(1.0 + hz / 700.0);
        }
        // Slaney: linear (3 mels per 200 Hz) below 1 kHz, log-spaced above with 27 steps per factor 6.4.
        double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27.0;
        return hz < minLogHz ? hz / fSp : minLogMel + Math.log(hz / minLogHz) / logStep;
    }

    /** Mel to Hz. */
    public static double melToHz(double mel, MelScale scale) {
        if (scale == MelScale.HTK) {
            return 700.0 * (Math.exp(mel / 1127.0) - 1.0);
        }
        double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = Math.log(6.4) / 27.0;
        return mel < minLogMel ? mel * fSp : minLogHz * Math.exp(logStep * (mel - minLogMel));
    }
}
