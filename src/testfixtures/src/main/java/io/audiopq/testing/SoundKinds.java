package io.audiopq.testing;

import java.util.Random;

/** Kinds of sound that the default bundle's log-mel statistics tell apart, for query-by-sound tests. */
public final class SoundKinds {

    private SoundKinds() {}

    /** A steady tone. */
    public static float[] tone(double freq, double amplitude, int rate, double seconds) {
        return TestAudio.sine(freq, amplitude, rate, seconds);
    }

    /** White noise. */
    public static float[] hiss(int rate, double seconds, long seed, double amplitude) {
        Random random = new Random(seed);
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * amplitude);
        }
        return x;
    }

    /** Short decaying 2 kHz clicks, {@code perSecond} of them: a ticking clock. */
    public static float[] ticks(int rate, double seconds, double perSecond, double amplitude) {
        float[] x = new float[(int) (rate * seconds)];
        int period = (int) (rate / perSecond);
        for (int start = 0; start < x.length; start += period) {
            for (int i = 0; i < rate / 200 && start + i < x.length; i++) {
                x[start + i] = (float) (amplitude * Math.exp(-i / (rate / 1000.0)) * Math.sin(2 * Math.PI * 2000 * i / rate));
            }
        }
        return x;
    }
}
