package io.audiopq.tools.corpus;

import be.tarsos.dsp.AudioEvent;
import be.tarsos.dsp.WaveformSimilarityBasedOverlapAdd;
import be.tarsos.dsp.io.TarsosDSPAudioFormat;
import io.audiopq.audio.AudioResampler;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Augmentation of corpus clips at training time: gain, added white noise, mixing in a second clip,
 * time stretch (pitch kept) and pitch shift (duration kept), random segment crops.
 *
 * <p>Applied when the training loader reads a clip rather than written out as derived clips: the
 * number of variants is then a training setting, not a disk cost, and {@link #augment} is a pure
 * function of (seed, clip id, variant), so a later stage can cache the teacher's targets for
 * variant {@code k} of a clip and get the same audio back by calling it again. Variant 0 is the
 * clip itself.
 *
 * <p>Time stretching is TarsosDSP's WSOLA ({@link WaveformSimilarityBasedOverlapAdd}, driven block
 * by block without its dispatcher); a pitch shift by {@code s} semitones stretches by
 * {@code p = 2^(s/12)} and reads the result as if sampled at {@code rate·p}, resampled back to
 * {@code rate} with {@link AudioResampler} (TarsosDSP's libresample port). Stretch factors and
 * semitones come from small fixed sets so the resampler's per-rate-pair filters and the WSOLA
 * instances are reused (TarsosDSP's WSOLA prints one "New overlapLength" line to stdout when an
 * instance is made, so once per factor). Not thread-safe: one augmenter per thread.
 */
public final class Augmenter {

    /**
     * What {@link #augment} draws from (each variant draws every setting independently).
     *
     * @param gainDb          gain range, dB (uniform in [-gainDb, +gainDb/2])
     * @param noiseProbability chance of added white noise
     * @param snrDb           {min, max} signal-to-noise ratio of that noise, dB
     * @param mixProbability  chance of mixing in the other clip
     * @param mixDb           {min, max} level of the other clip below this one, dB
     * @param stretchProbability chance of a time stretch
     * @param stretchFactors  duration factors a stretch picks from
     * @param pitchProbability chance of a pitch shift
     * @param maxSemitones    a shift picks from ±1 … ±maxSemitones
     * @param cropSeconds     a clip longer than this is cropped to a random segment of this length
     */
    public record Params(double gainDb, double noiseProbability, double[] snrDb, double mixProbability, double[] mixDb, double stretchProbability,
        double[] stretchFactors, double pitchProbability, int maxSemitones, double cropSeconds) {

        public static final Params DEFAULT = new Params(12, 0.5, new double[] { 10, 40 }, 0.3, new double[] { 3, 15 }, 0.3,
            new double[] { 0.8, 0.9, 1.1, 1.25 }, 0.3, 3, 5.0);
    }

    /** An augmented clip and what was done to it (for logs and caches). */
    public record Augmented(float[] samples, String recipe) {}

    private final Params params;
    private record StretchKey(int rate, double factor) {}

    private final Map<StretchKey, WaveformSimilarityBasedOverlapAdd> stretchers = new HashMap<>();

    public Augmenter(Params params) {
        this.params = params;
    }

    /**
     * Variant {@code variant} of clip {@code clipId}: the same arguments always give the same samples.
     *
     * @param other a second clip to mix in (any length; may be null: no mixing)
     */
    public Augmented augment(float[] x, float[] other, int rate, long seed, String clipId, int variant) {
        if (variant == 0) {
            return new Augmented(x.clone(), "original");
        }
        SplittableRandom rng = new SplittableRandom(mix(mix(seed) ^ clipId.hashCode() * 0x9E3779B97F4A7C15L ^ variant));
        StringBuilder recipe = new StringBuilder();
        float[] y = x;
        int cropLength = (int) Math.round(params.cropSeconds() * rate);
        if (y.length > cropLength) {
            y = crop(y, cropLength, rng);
            recipe.append(String.format(Locale.ROOT, "crop %.2f s ", params.cropSeconds()));
        }
        if (rng.nextDouble() < params.stretchProbability()) {
            double f = params.stretchFactors()[rng.nextInt(params.stretchFactors().length)];
            y = timeStretch(y, rate, f);
            recipe.append("stretch x").append(f).append(' ');
        }
        if (rng.nextDouble() < params.pitchProbability()) {
            int s = 1 + rng.nextInt(params.maxSemitones());
            s = rng.nextBoolean() ? s : -s;
            y = pitchShift(y, rate, s);
            recipe.append("pitch ").append(s > 0 ? "+" : "").append(s).append(" st ");
        }
        if (other != null && other.length > 0 && rng.nextDouble() < params.mixProbability()) {
            double db = uniform(rng, params.mixDb());
            y = mix(y, other, db, rng.nextInt(other.length));
            recipe.append(String.format(Locale.ROOT, "mix -%.1f dB ", db));
        }
        if (rng.nextDouble() < params.noiseProbability()) {
            double snr = uniform(rng, params.snrDb());
            y = addNoise(y, snr, rng);
            recipe.append(String.format(Locale.ROOT, "noise %.1f dB SNR ", snr));
        }
        double db = -params.gainDb() + rng.nextDouble() * 1.5 * params.gainDb();
        y = gain(y, db);
        recipe.append(String.format(Locale.ROOT, "gain %+.1f dB", db));
        // Louder than full scale after gain and mixing: scaled back, as a recording would have been levelled.
        double peak = peak(y);
        if (peak > 1) {
            y = gain(y, -20 * Math.log10(peak));
        }
        return new Augmented(y, recipe.toString());
    }

    /** {@code x} scaled by {@code db} decibels. */
    public static float[] gain(float[] x, double db) {
        float g = (float) Math.pow(10, db / 20);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * g;
        }
        return y;
    }

    /** {@code x} plus white Gaussian noise {@code snrDb} below its RMS (digital silence stays silent). */
    public static float[] addNoise(float[] x, double snrDb, SplittableRandom rng) {
        double sigma = ClipRules.rms(x, 0, x.length) * Math.pow(10, -snrDb / 20);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] + sigma * rng.nextGaussian());
        }
        return y;
    }

    /**
     * {@code x} plus {@code other} (read from {@code offset}, looped to {@code x}'s length) scaled so
     * that its RMS is {@code belowDb} below {@code x}'s.
     */
    public static float[] mix(float[] x, float[] other, double belowDb, int offset) {
        float[] o = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            o[i] = other[(offset + i) % other.length];
        }
        double ro = ClipRules.rms(o, 0, o.length);
        float g = ro == 0 ? 0f : (float) (ClipRules.rms(x, 0, x.length) * Math.pow(10, -belowDb / 20) / ro);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] + g * o[i];
        }
        return y;
    }

    /** {@code x} made {@code factor} times as long with its pitch kept (WSOLA); exactly {@code round(n·factor)} samples. */
    public float[] timeStretch(float[] x, int rate, double factor) {
        if (factor <= 0) {
            throw new IllegalArgumentException("stretch factor must be > 0, got " + factor);
        }
        WaveformSimilarityBasedOverlapAdd wsola = stretchers.computeIfAbsent(new StretchKey(rate, factor),
            k -> new WaveformSimilarityBasedOverlapAdd(WaveformSimilarityBasedOverlapAdd.Parameters.musicDefaults(1 / factor, rate)));
        int in = wsola.getInputBufferSize();
        int step = in - wsola.getOverlap();
        AudioEvent event = new AudioEvent(new TarsosDSPAudioFormat(rate, 16, 1, true, false));
        // One block of zeros first: it flushes the previous call's tail out of the reused instance.
        event.setFloatBuffer(new float[in]);
        wsola.process(event);
        int expected = (int) Math.round(x.length * factor);
        float[] padded = Arrays.copyOf(x, x.length + 2 * in);
        float[] out = new float[expected + 2 * in];
        int produced = 0;
        for (int pos = 0; pos + in <= padded.length && produced < expected; pos += step) {
            event.setFloatBuffer(Arrays.copyOfRange(padded, pos, pos + in));
            wsola.process(event);
            float[] block = event.getFloatBuffer();
            int n = Math.min(block.length, out.length - produced);
            System.arraycopy(block, 0, out, produced, n);
            produced += n;
        }
        return Arrays.copyOf(out, expected);
    }

    /** {@code x} shifted by {@code semitones} with its duration kept: same length. */
    public float[] pitchShift(float[] x, int rate, int semitones) {
        if (semitones == 0) {
            return x.clone();
        }
        double p = Math.pow(2, semitones / 12.0);
        float[] stretched = timeStretch(x, rate, p);
        return Arrays.copyOf(AudioResampler.resample(stretched, (int) Math.round(rate * p), rate), x.length);
    }

    /** A random segment of {@code length} samples ({@code x} itself when it is not longer). */
    public static float[] crop(float[] x, int length, SplittableRandom rng) {
        if (x.length <= length) {
            return x.clone();
        }
        int start = rng.nextInt(x.length - length + 1);
        return Arrays.copyOfRange(x, start, start + length);
    }

    private static double uniform(SplittableRandom rng, double[] range) {
        return range[0] + rng.nextDouble() * (range[1] - range[0]);
    }

    private static double peak(float[] x) {
        double p = 0;
        for (float v : x) {
            p = Math.max(p, Math.abs(v));
        }
        return p;
    }

    /** SplitMix64's finaliser: nearby seeds, ids and variants give unrelated streams. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
