package io.audiopq.tools.corpus;

import io.audiopq.testing.Signals;
import io.audiopq.testing.TestAudio;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;
import java.util.SplittableRandom;

public class AugmenterTests extends LuceneTestCase {

    private static final int RATE = 16000;

    public void testGainScalesRms() {
        float[] x = TestAudio.sine(440, 0.3, RATE, 1);
        float[] y = Augmenter.gain(x, -6);
        assertEquals(Math.pow(10, -6 / 20.0), Signals.rms(y, 0, y.length) / Signals.rms(x, 0, x.length), 1e-6);
    }

    public void testNoiseHasTheRequestedSnr() {
        float[] x = TestAudio.sine(440, 0.3, RATE, 2);
        float[] y = Augmenter.addNoise(x, 20, new SplittableRandom(7));
        float[] noise = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            noise[i] = y[i] - x[i];
        }
        double snr = 20 * Math.log10(Signals.rms(x, 0, x.length) / Signals.rms(noise, 0, noise.length));
        assertEquals(20, snr, 0.2);
        assertArrayEquals(y, Augmenter.addNoise(x, 20, new SplittableRandom(7)), 0f);
    }

    public void testMixAddsTheOtherClipAtTheRequestedLevel() {
        float[] x = TestAudio.sine(440, 0.3, RATE, 1);
        float[] other = TestAudio.sine(1000, 0.9, RATE, 0.25); // shorter: looped
        float[] y = Augmenter.mix(x, other, 10, 100);
        float[] added = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            added[i] = y[i] - x[i];
        }
        assertEquals(-10, 20 * Math.log10(Signals.rms(added, 0, added.length) / Signals.rms(x, 0, x.length)), 0.05);
        assertEquals(1000, Signals.dominantFrequency(added, RATE, 2048, 4000), 5);
    }

    public void testTimeStretchChangesLengthButNotPitch() {
        Augmenter a = new Augmenter(Augmenter.Params.DEFAULT);
        float[] x = TestAudio.sine(440, 0.5, RATE, 1);
        for (double factor : new double[] { 0.8, 1.25 }) {
            float[] y = a.timeStretch(x, RATE, factor);
            assertEquals((int) Math.round(x.length * factor), y.length);
            assertEquals("factor " + factor, 440, Signals.dominantFrequency(y, RATE, 4096, y.length / 2 - 2048), 440 * 0.01);
            // the stretched tone is as loud as the original (no gaps, no doubling)
            assertEquals(Signals.rms(x, 2000, 10000), Signals.rms(y, 2000, 10000), 0.1 * Signals.rms(x, 2000, 10000));
        }
    }

    public void testPitchShiftMovesTheFrequencyAndKeepsTheLength() {
        Augmenter a = new Augmenter(Augmenter.Params.DEFAULT);
        float[] x = TestAudio.sine(440, 0.5, RATE, 1);
        for (int semitones : new int[] { -3, 2 }) {
            float[] y = a.pitchShift(x, RATE, semitones);
            assertEquals(x.length, y.length);
            double expected = 440 * Math.pow(2, semitones / 12.0);
            assertEquals("semitones " + semitones, expected, Signals.dominantFrequency(y, RATE, 4096, 6000), expected * 0.01);
        }
    }

    public void testCropIsAContiguousPiece() {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        float[] y = Augmenter.crop(x, 300, new SplittableRandom(3));
        assertEquals(300, y.length);
        int start = (int) y[0];
        assertArrayEquals(Arrays.copyOfRange(x, start, start + 300), y, 0f);
        assertArrayEquals(x, Augmenter.crop(x, 2000, new SplittableRandom(3)), 0f);
    }

    public void testAugmentIsDeterministicPerSeedClipAndVariant() {
        float[] x = TestAudio.sine(440, 0.3, RATE, 7);
        float[] other = TestAudio.sine(900, 0.3, RATE, 2);
        Augmenter a = new Augmenter(Augmenter.Params.DEFAULT), b = new Augmenter(Augmenter.Params.DEFAULT);
        assertArrayEquals(x, a.augment(x, other, RATE, 1, "clip", 0).samples(), 0f);
        int differing = 0;
        for (int variant = 1; variant <= 6; variant++) {
            Augmenter.Augmented first = a.augment(x, other, RATE, 1, "clip", variant);
            Augmenter.Augmented again = b.augment(x, other, RATE, 1, "clip", variant);
            assertEquals(first.recipe(), again.recipe());
            assertArrayEquals(first.recipe(), first.samples(), again.samples(), 0f);
            assertTrue(first.recipe(), first.recipe().startsWith("crop 5.00 s"));
            assertTrue(first.recipe(), first.samples().length > 0);
            if (Arrays.equals(first.samples(), a.augment(x, other, RATE, 2, "clip", variant).samples()) == false) {
                differing++;
            }
        }
        assertEquals("another seed gives other audio", 6, differing);
    }
}
