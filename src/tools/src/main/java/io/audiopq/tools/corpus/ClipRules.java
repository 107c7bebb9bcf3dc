package io.audiopq.tools.corpus;

import java.util.ArrayList;
import java.util.List;

/**
 * Which parts of a source file become corpus clips: files shorter than {@link #MIN_SECONDS} are
 * dropped, longer ones are cut into consecutive crops of at most {@link #MAX_SECONDS} (a last
 * remainder shorter than {@link #MIN_SECONDS} is dropped), silent crops are dropped, and a long
 * file (a music track) yields at most {@link #MAX_CROPS_PER_FILE} crops, spread evenly over it, so
 * that a few long tracks cannot outweigh thousands of short effects.
 */
public final class ClipRules {

    public static final double MIN_SECONDS = 0.5;
    public static final double MAX_SECONDS = 10.0;
    public static final int MAX_CROPS_PER_FILE = 30;
    /** A crop whose RMS is below this (-55 dBFS) is silence. */
    public static final double SILENCE_RMS = Math.pow(10, -55 / 20.0);

    /** A crop of a source, in samples. */
    public record Crop(int start, int length) {
        public long startMs(int rate) {
            return Math.round(start * 1000.0 / rate);
        }

        public long endMs(int rate) {
            return Math.round((start + (long) length) * 1000.0 / rate);
        }
    }

    /** The crops to keep, and why the rest was dropped (empty when nothing was). */
    public record Result(List<Crop> crops, String note) {}

    private ClipRules() {}

    public static Result crops(float[] samples, int rate) {
        int min = (int) Math.ceil(MIN_SECONDS * rate);
        int max = (int) Math.floor(MAX_SECONDS * rate);
        if (samples.length < min) {
            return new Result(List.of(), String.format(java.util.Locale.ROOT, "too short (%.3f s < %.1f s)", (double) samples.length / rate, MIN_SECONDS));
        }
        List<Crop> windows = new ArrayList<>();
        for (int start = 0; start < samples.length; start += max) {
            int length = Math.min(max, samples.length - start);
            if (length >= min) {
                windows.add(new Crop(start, length));
            }
        }
        List<Crop> chosen = windows;
        String note = "";
        if (windows.size() > MAX_CROPS_PER_FILE) {
            chosen = new ArrayList<>();
            for (int i = 0; i < MAX_CROPS_PER_FILE; i++) {
                chosen.add(windows.get((int) ((long) i * windows.size() / MAX_CROPS_PER_FILE)));
            }
            note = MAX_CROPS_PER_FILE + " of " + windows.size() + " crops";
        }
        List<Crop> kept = new ArrayList<>();
        for (Crop c : chosen) {
            if (rms(samples, c.start(), c.start() + c.length()) >= SILENCE_RMS) {
                kept.add(c);
            }
        }
        int silent = chosen.size() - kept.size();
        if (kept.isEmpty()) {
            return new Result(List.of(), "silent (RMS below -55 dBFS)");
        }
        if (silent > 0) {
            note = (note.isEmpty() ? "" : note + "; ") + silent + " silent crop" + (silent == 1 ? "" : "s") + " dropped";
        }
        return new Result(List.copyOf(kept), note);
    }

    static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }
}
