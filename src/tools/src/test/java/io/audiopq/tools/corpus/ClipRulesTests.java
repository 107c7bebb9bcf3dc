package io.audiopq.tools.corpus;

import io.audiopq.testing.TestAudio;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;

public class ClipRulesTests extends LuceneTestCase {

    private static final int RATE = 8000;

    public void testTooShortIsDropped() {
        ClipRules.Result r = ClipRules.crops(TestAudio.sine(440, 0.5, RATE, 0.49), RATE);
        assertTrue(r.crops().isEmpty());
        assertTrue(r.note(), r.note().startsWith("too short"));
        assertEquals(1, ClipRules.crops(TestAudio.sine(440, 0.5, RATE, 0.5), RATE).crops().size());
    }

    public void testSilenceIsDropped() {
        ClipRules.Result r = ClipRules.crops(new float[RATE * 3], RATE);
        assertTrue(r.crops().isEmpty());
        assertTrue(r.note(), r.note().startsWith("silent"));
        // -60 dBFS of signal is silence too; -50 dBFS is not.
        assertTrue(ClipRules.crops(TestAudio.sine(440, Math.sqrt(2) * 1e-3, RATE, 2), RATE).crops().isEmpty());
        assertEquals(1, ClipRules.crops(TestAudio.sine(440, Math.sqrt(2) * Math.pow(10, -50 / 20.0), RATE, 2), RATE).crops().size());
    }

    public void testLongFilesAreCutIntoTenSecondCrops() {
        // 25.3 s: 10 + 10 + 5.3
        ClipRules.Result r = ClipRules.crops(TestAudio.sine(440, 0.5, RATE, 25.3), RATE);
        assertEquals(3, r.crops().size());
        assertEquals(new ClipRules.Crop(0, 10 * RATE), r.crops().get(0));
        assertEquals(new ClipRules.Crop(10 * RATE, 10 * RATE), r.crops().get(1));
        assertEquals(new ClipRules.Crop(20 * RATE, (int) Math.round(5.3 * RATE)), r.crops().get(2));
        assertEquals("", r.note());
        // 20.3 s: the 0.3 s remainder is too short to be a clip
        assertEquals(2, ClipRules.crops(TestAudio.sine(440, 0.5, RATE, 20.3), RATE).crops().size());
    }

    public void testSilentCropsOfALongFileAreDropped() {
        float[] x = TestAudio.sine(440, 0.5, RATE, 30);
        Arrays.fill(x, 10 * RATE, 20 * RATE, 0f);
        ClipRules.Result r = ClipRules.crops(x, RATE);
        assertEquals(2, r.crops().size());
        assertEquals(20 * RATE, r.crops().get(1).start());
        assertEquals("1 silent crop dropped", r.note());
    }

    public void testAtMostThirtyCropsSpreadOverTheFile() {
        float[] x = TestAudio.sine(440, 0.5, RATE, 600); // 60 crops
        ClipRules.Result r = ClipRules.crops(x, RATE);
        assertEquals(ClipRules.MAX_CROPS_PER_FILE, r.crops().size());
        assertEquals(0, r.crops().get(0).start());
        assertEquals(58 * 10 * RATE, r.crops().get(29).start()); // every second crop
        assertEquals("30 of 60 crops", r.note());
    }

    public void testCropTimesInMilliseconds() {
        ClipRules.Crop c = new ClipRules.Crop(RATE / 4, RATE);
        assertEquals(250, c.startMs(RATE));
        assertEquals(1250, c.endMs(RATE));
    }
}
