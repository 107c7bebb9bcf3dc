package io.audiopq.audio;

import be.tarsos.dsp.resample.Resampler;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sample-rate conversion with TarsosDSP's band-limited interpolation resampler (a port of
 * libresample: a Kaiser-windowed sinc filter, in its high-quality setting). The output has exactly
 * {@code round(n * to / from)} samples.
 *
 * <p>Building the filter (about 70 000 taps, each a Bessel-function evaluation) costs more than
 * resampling a few seconds of audio, so one pristine resampler per (from, to) rate pair is kept and
 * every call works on a copy of it ({@link Resampler#Resampler(Resampler)} copies the filter and a
 * fresh stream state, which is all a TarsosDSP resampler mutates). The templates are never
 * processed, only copied, so sharing them is thread-safe; at most {@link #MAX_CACHED_PAIRS} pairs
 * are kept (real audio uses a handful of rates), others get a resampler built for the call.
 */
public final class AudioResampler {

    /** Rate pairs whose filter is kept; a pair beyond these is served without caching. */
    static final int MAX_CACHED_PAIRS = 32;

    private static final ConcurrentHashMap<Long, Resampler> TEMPLATES = new ConcurrentHashMap<>();

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
        Resampler resampler = resamplerFor(fromRate, toRate, factor);
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

    /** A resampler with fresh stream state for this call: a copy of the pair's cached template. */
    private static Resampler resamplerFor(int fromRate, int toRate, double factor) {
        Long pair = ((long) fromRate << 32) | toRate;
        Resampler template = TEMPLATES.get(pair);
        if (template == null) {
            template = new Resampler(true, factor, factor);
            if (TEMPLATES.size() >= MAX_CACHED_PAIRS) {
                return template; // an unusual rate: used once, not kept
            }
            Resampler raced = TEMPLATES.putIfAbsent(pair, template);
            template = raced != null ? raced : template;
        }
        return new Resampler(template);
    }

    /** Rate pairs with a cached filter (for tests). */
    static int cachedPairs() {
        return TEMPLATES.size();
    }
}
