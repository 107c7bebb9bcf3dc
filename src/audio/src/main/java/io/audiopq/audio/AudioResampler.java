package io.audiopq.audio;

import be.tarsos.dsp.resample.Resampler;

import java.util.Arrays;

/**
 * Sample-rate conversion with TarsosDSP's band-limited interpolation resampler (a port of
 * libresample: a Kaiser-windowed sinc filter, in its high-quality setting). The output has exactly
 * {@code round(n * to / from)} samples. Stateless and thread-safe: every call uses its own
 * TarsosDSP resampler, which keeps per-stream state.
 */
public final class AudioResampler {

    private AudioResampler() {}

    /**
     * Resamples mono {@code samples} from {@code fromRate} to {@code toRate}; returns the input
     * itself when the rates are equal.
     */
    public static float[] resample(float[] samples, int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be > 0, got " + fromRate + " -> " + toRate);
        }
        if (fromRate == toRate || samples.length == 0) {
            return samples;
        }
        double factor = (double) toRate / fromRate;
        int expected = (int) Math.round(samples.length * factor);
        Resampler resampler = new Resampler(true, factor, factor);
        // Room for the filter's tail; process() is called until it has consumed everything and stops producing.
        float[] out = new float[expected + resampler.getFilterWidth() + 16];
        int consumed = 0, produced = 0;
        while (true) {
            Resampler.Result r = resampler.process(
                factor,
                samples,
                consumed,
                samples.length - consumed,
                true,
                out,
                produced,
                out.length - produced
            );
            consumed += r.inputSamplesConsumed;
            produced += r.outputSamplesGenerated;
            if ((r.inputSamplesConsumed == 0 && r.outputSamplesGenerated == 0) || produced >= out.length) {
                break;
            }
        }
        return Arrays.copyOf(out, expected); // pads with zeros if the filter delivered slightly fewer
    }
}
