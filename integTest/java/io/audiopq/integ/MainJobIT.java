package io.audiopq.integ;

import io.audiopq.testing.RealNode;
import io.audiopq.testing.SoundKinds;
import io.audiopq.testing.TestAudio;
import io.audiopq.tools.Esc10Evaluation;

import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * The main job's searches on the real node: on a folder of ESC-10 clips every clip's own file ranks
 * first when it is the query (clip vectors against clip vectors); on generated clips with a sound
 * at a known time the reported window covers the sound. Both print their figures.
 */
public class MainJobIT {

    private final RealNode node = RealNode.fromBuild();

    @Test
    public void testEveryQueryFindsItsOwnClipFirst() throws IOException {
        Path esc10 = TestAudio.requireShared("data/esc10");
        // Two clips per class, the first two of each in the metadata's order, read in place.
        List<MainJob.Source> sources = new ArrayList<>();
        Map<String, String> classOf = new HashMap<>();
        Map<String, Integer> perClass = new HashMap<>();
        for (String[] row : Esc10Evaluation.readMeta(esc10.resolve("esc10_meta.csv"))) {
            if (perClass.merge(row[1], 1, Integer::sum) <= 2) {
                String id = row[0].replaceAll("\\.ogg$", "");
                sources.add(MainJob.Source.file(esc10.resolve(row[0]), id));
                classOf.put(id, row[1]);
            }
        }
        assertEquals(20, sources.size());
        MainJob job = new MainJob(node, quiet(), "main-job-esc10", MainJob.SEGMENT_HOP);
        job.createPipelineAndIndex();
        Map<String, Object> ingestBefore = ingestTimings();
        assertEquals(20, job.index(sources).size());
        // The processor's per-stage timings on the node moved with those 20 documents (100 s of Ogg at 44.1 kHz).
        Map<String, Object> ingestAfter = ingestTimings();
        System.out.println("GET _audio_pq/models: " + MainJob.BUNDLE + " ingest " + ingestAfter);
        assertTrue(ingestAfter.toString(), number(ingestAfter, "documents") >= number(ingestBefore, "documents") + 20);
        assertTrue(ingestAfter.toString(), number(ingestAfter, "audio_seconds") >= number(ingestBefore, "audio_seconds") + 99);
        for (String stage : List.of("decode", "resample", "front_end", "inference")) {
            assertTrue(stage + ": " + ingestAfter, number(ingestAfter, stage + ".time_in_millis") > number(ingestBefore, stage + ".time_in_millis"));
        }

        int sameClassSecond = 0;
        StringBuilder table = new StringBuilder("query                                  | 1st hit | 2nd hit (class)\n");
        for (MainJob.Source query : sources) {
            float[] vector = job.embed(query.bytes());
            List<MainJob.Hit> hits = job.search(MainJob.soundQuery(vector), vector);
            assertTrue(query.id() + ": fewer than 2 hits", hits.size() >= 2);
            assertEquals(query.id() + " is not its own best match: " + hits, query.id(), hits.get(0).id());
            assertNotNull(query.id() + ": no segment window", hits.get(0).where());
            boolean same = classOf.get(hits.get(1).id()).equals(classOf.get(query.id()));
            sameClassSecond += same ? 1 : 0;
            table.append(String.format(Locale.ROOT, "%-38s | own     | %s (%s)%n", query.id(), hits.get(1).id(), same ? "same" : "other"));
        }
        System.out.print(table);
        System.out.printf(Locale.ROOT, "main job on 20 ESC-10 clips: own clip first for 20/20; P@1 of the next hit (same class) = %.2f (%d/20)%n",
            sameClassSecond / 20.0, sameClassSecond);
    }

    /** A clip with a sound at a known time, and a recording of that sound alone to search with. */
    private record Case(MainJob.Source clip, double soundEnd, byte[] query) {}

    /**
     * Sounds the default bundle's segment embeddings tell from quiet background (tones, noise,
     * clicks), 1.5 s long at two seeded times in 6 s clips: the window must hold at least 70 % of the
     * sound (one 1 s segment, the job's answer before, can hold at most 67 %) and its centre must be
     * within 0.25 s of the sound's. The main job's own generated clips are
     * measured too but not asserted: for its whistle and clicks the default bundle's segment scores
     * are flat or inverted, which no choice of window can mend (issue 14 replaces that backbone).
     */
    @Test
    public void testReportedWindowCoversTheSound() throws IOException {
        int rate = 16_000;
        double clipSeconds = 6, soundSeconds = 1.5;
        List<Case> cases = new ArrayList<>();
        Random random = new Random(20261202L);
        Map<String, java.util.function.Supplier<float[]>> kinds = new java.util.LinkedHashMap<>();
        kinds.put("tone-440", () -> SoundKinds.tone(440, 0.3, rate, soundSeconds));
        kinds.put("tone-1500", () -> SoundKinds.tone(1500, 0.3, rate, soundSeconds));
        kinds.put("hiss", () -> SoundKinds.hiss(rate, soundSeconds, 3, 0.2));
        kinds.put("ticks", () -> SoundKinds.ticks(rate, soundSeconds, 8, 0.6));
        for (Map.Entry<String, java.util.function.Supplier<float[]>> kind : kinds.entrySet()) {
            for (int take = 1; take <= 2; take++) {
                double start = Math.round((0.3 + random.nextDouble() * (clipSeconds - soundSeconds - 0.6)) * 100) / 100.0;
                float[] clip = SoundKinds.hiss(rate, clipSeconds, random.nextLong(), 0.01);
                float[] sound = kind.getValue().get();
                int at = (int) Math.round(start * rate);
                for (int i = 0; i < sound.length; i++) {
                    clip[at + i] += sound[i];
                }
                float[] alone = SoundKinds.hiss(rate, soundSeconds, random.nextLong(), 0.01);
                for (int i = 0; i < sound.length; i++) {
                    alone[i] += sound[i];
                }
                byte[] wav = TestAudio.wav16(clip, rate);
                String id = kind.getKey() + "-" + take;
                cases.add(new Case(new MainJob.Source(id, id, wav.length, start, null, wav), start + soundSeconds, TestAudio.wav16(alone, rate)));
            }
        }
        Windows measured = windows("main-job-window", cases);
        System.out.print(measured.table());
        System.out.println(measured.summary());

        List<Case> demo = new ArrayList<>();
        for (DemoClips.Clip clip : DemoClips.catalogue()) {
            demo.add(new Case(MainJob.Source.of(clip), clip.eventStart() + DemoClips.EVENT_SECONDS, DemoClips.sound(DemoClips.kindOf(clip)).wav()));
        }
        Windows demoMeasured = windows("main-job-window-demo", demo);
        System.out.print(demoMeasured.table());
        System.out.println("the main job's generated clips (not asserted): " + demoMeasured.summary());

        assertEquals("windows holding >= 70 % of the sound, centred on it within 0.25 s:\n" + measured.table(), cases.size(), measured.covered());
    }

    private record Windows(String table, String summary, int covered) {}

    /** Indexes the cases' clips at the bundle's hop (before) and the main job's (after) and compares each reported window with the sound. */
    private Windows windows(String index, List<Case> cases) {
        List<MainJob.Source> clips = cases.stream().map(Case::clip).toList();
        // Before: what the job reported until now, the best single segment (by its pq_knn score) at the bundle's hop (0.5 s).
        MainJob before = new MainJob(node, quiet(), index + "-before", null);
        before.createPipelineAndIndex();
        assertEquals(clips.size(), before.index(clips).size());
        MainJob after = new MainJob(node, quiet(), index, MainJob.SEGMENT_HOP);
        after.createPipelineAndIndex();
        assertEquals(clips.size(), after.index(clips).size());
        StringBuilder table = new StringBuilder(
            "clip                 | sound       | before: best segment (centre offset) | after: window (centre offset, sound held)\n");
        double beforeOffsets = 0, afterOffsets = 0;
        int covered = 0;
        for (Case c : cases) {
            double soundStart = c.clip().soundStart(), soundEnd = c.soundEnd(), length = soundEnd - soundStart;
            float[] vector = after.embed(c.query());
            MainJob.Window best = bestSegment(in(before, c.clip().id(), vector));
            MainJob.Window window = in(after, c.clip().id(), vector).where();
            double beforeOffset = Math.abs(center(best) - (soundStart + soundEnd) / 2);
            double afterOffset = Math.abs(center(window) - (soundStart + soundEnd) / 2);
            double held = Math.max(0, Math.min(window.end(), soundEnd) - Math.max(window.start(), soundStart)) / length;
            boolean covers = held >= 0.7 && afterOffset <= 0.25;
            beforeOffsets += beforeOffset;
            afterOffsets += afterOffset;
            covered += covers ? 1 : 0;
            table.append(String.format(Locale.ROOT, "%-20s | %.2f–%.2f s | %s (%.2f s)                | %s (%.2f s, %.0f %%%s)%n", c.clip().id(),
                soundStart, soundEnd, best, beforeOffset, window, afterOffset, held * 100, covers ? "" : ", NOT COVERED"));
        }
        String summary = String.format(Locale.ROOT, "%d clips: mean centre offset before %.2f s, after %.2f s; windows covering the sound after: %d/%d",
            cases.size(), beforeOffsets / cases.size(), afterOffsets / cases.size(), covered, cases.size());
        return new Windows(table.toString(), summary, covered);
    }

    /** Clip {@code id} as the main job's search returns it for {@code vector}, with its segments' scores. */
    private static MainJob.Hit in(MainJob job, String id, float[] vector) {
        List<MainJob.Hit> hits = job.search("""
            {"bool": {"filter": [{"ids": {"values": ["%s"]}}, %s]}}""".formatted(id, MainJob.segments(vector)), vector);
        assertEquals(1, hits.size());
        return hits.get(0);
    }

    private static MainJob.Window bestSegment(MainJob.Hit hit) {
        MainJob.ScoredSegment best = hit.segments().stream().max((a, b) -> Double.compare(a.adcScore(), b.adcScore())).orElseThrow();
        return new MainJob.Window(best.start(), best.end());
    }

    private static double center(MainJob.Window window) {
        return (window.start() + window.end()) / 2;
    }

    /** {@code ingest} of the default bundle in GET _audio_pq/models, summed over the nodes (zeros before its first document). */
    @SuppressWarnings("unchecked")
    private Map<String, Object> ingestTimings() {
        RealNode.Response r = node.get("/_audio_pq/models/" + MainJob.BUNDLE);
        assertEquals(r.body(), 200, r.status());
        Map<String, Object> model = (Map<String, Object>) ((Map<String, Object>) r.json().get("models")).get(MainJob.BUNDLE);
        return (Map<String, Object>) model.getOrDefault("ingest", Map.of());
    }

    @SuppressWarnings("unchecked")
    private static double number(Map<String, Object> map, String path) {
        Object value = map;
        for (String key : path.split("\\.")) {
            value = value == null ? null : ((Map<String, Object>) value).get(key);
        }
        return value == null ? 0 : ((Number) value).doubleValue();
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
