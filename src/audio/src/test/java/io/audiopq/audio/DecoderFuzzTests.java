package io.audiopq.audio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Map;

/**
 * The CI subset of the decoder fuzz suite ({@link DecoderFuzzMain} runs the full one): a fixed
 * seed, 1,000 cases per format, every case through {@link AudioDecoder} on a worker thread with a
 * hang limit of 2 s of CPU time (60 s of wall time). Fails on any {@code Error}, any exception other than
 * {@link InvalidAudioException}, any hang, any non-finite decoded sample, and any decoder output
 * on stdout/stderr.
 */
public class DecoderFuzzTests extends LuceneTestCase {

    static final long SEED = 20240917L;
    static final int CASES_PER_FORMAT = 1000;

    public void testFuzzSubset() throws Exception {
        AudioFuzzer fuzzer = new AudioFuzzer();
        Map<AudioFormat, DecoderFuzz.Stats> stats;
        try (DecoderFuzz fuzz = new DecoderFuzz(2_000)) {
            stats = fuzz.run(fuzzer, SEED, CASES_PER_FORMAT);
            assertEquals("decoders printed to stdout/stderr", 0, fuzz.printedBytes());
            assertEquals("hung workers", 0, fuzz.abandonedWorkers());
        }
        String table = DecoderFuzz.table(stats);
        for (Map.Entry<AudioFormat, DecoderFuzz.Stats> e : stats.entrySet()) {
            DecoderFuzz.Stats s = e.getValue();
            assertEquals(table + "\n" + String.join("\n", s.failures), 0, s.failuresTotal());
            assertEquals(CASES_PER_FORMAT, s.cases);
            // The suite must exercise both sides: some inputs decode, some are refused.
            assertTrue(e.getKey() + " decoded nothing:\n" + table, s.decoded > 0);
            assertTrue(e.getKey() + " rejected nothing:\n" + table, s.rejected > 0);
        }
        assertTrue("the fuzzer has WAV, FLAC and MP3 seeds", stats.keySet().containsAll(
            java.util.List.of(AudioFormat.WAV, AudioFormat.FLAC, AudioFormat.MP3)));
    }
}
