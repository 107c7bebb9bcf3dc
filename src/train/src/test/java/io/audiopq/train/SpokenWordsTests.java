package io.audiopq.train;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code make-spoken-words.sh}, the spoken-word development collection, at its smallest: 2 speakers
 * × 2 words × 2 renditions. Skipped (with how to get it) where espeak-ng is missing and cannot be installed.
 */
public class SpokenWordsTests extends LuceneTestCase {

    public void testSameSeedSameClipsLabelledByWordAndSpeaker() throws Exception {
        Path a = createTempDir(), b = createTempDir(), c = createTempDir();
        make(a, 1);
        make(b, 1);
        make(c, 2);
        List<String> rows = Files.readAllLines(a.resolve("labels.csv"));
        assertEquals("filename,label,fold", rows.get(0));
        assertEquals(rows.toString(), 1 + 2 * 2 * 2, rows.size());
        assertEquals(Files.readAllLines(b.resolve("labels.csv")), rows);
        boolean anyDiffers = false;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            assertTrue(row, f[1].equals("one") || f[1].equals("two"));
            // the fold is the speaker, named in the file name
            assertTrue(row, f[0].startsWith("wav/" + f[2] + "-" + f[1] + "-"));
            byte[] wav = Files.readAllBytes(a.resolve(f[0]));
            assertEquals(row, "RIFF", new String(wav, 0, 4, StandardCharsets.US_ASCII));
            assertTrue(row + ": " + wav.length + " bytes", wav.length > 44 + 2 * 4000);
            assertArrayEquals(row, wav, Files.readAllBytes(b.resolve(f[0])));
            Path other = c.resolve(f[0]);
            anyDiffers |= Files.exists(other) == false || java.util.Arrays.equals(wav, Files.readAllBytes(other)) == false;
        }
        assertEquals(2, rows.stream().skip(1).map(r -> r.split(",")[2]).distinct().count());
        assertTrue("another seed gives other clips", anyDiffers);
    }

    private static void make(Path out, int seed) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "src/scripts/make-spoken-words.sh", "--out", out.toString(), "--speakers", "2", "--renditions", "2",
            "--words", "one,two", "--seed", Integer.toString(seed));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("make-spoken-words.sh did not finish:\n" + log, p.waitFor(120, TimeUnit.SECONDS));
        // exit 4: espeak-ng (or python3) is missing and could not be installed; the script says how to get it
        assumeTrue("skipped: " + log.strip(), p.exitValue() != 4);
        assertEquals(log, 0, p.exitValue());
    }
}
