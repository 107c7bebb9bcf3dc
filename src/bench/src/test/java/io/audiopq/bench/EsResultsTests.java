package io.audiopq.bench;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class EsResultsTests extends LuceneTestCase {

    private static EsResults.Record record(String run, String query) {
        return new EsResults.Record(run, random().nextInt(2_000_000), 128, 200, query, random().nextDouble(), random().nextDouble() * 10,
            random().nextDouble() * 50, random().nextDouble() * 1000, 500 + random().nextDouble(), random().nextDouble() * 100,
            random().nextDouble() * 600);
    }

    public void testRoundTripAndAppendKeepOrder() throws Exception {
        Path file = createTempDir().resolve("bench").resolve("es-results.json");
        assertEquals(List.of(), EsResults.read(file));
        List<EsResults.Record> first = List.of(record("run-a", "pq8 ivf nprobe 16"), record("run-a", "knn bbq_hnsw"));
        EsResults.append(file, first);
        assertEquals(first, EsResults.read(file));
        List<EsResults.Record> second = List.of(record("run-b", "knn flat"));
        EsResults.append(file, second);
        List<EsResults.Record> expected = new ArrayList<>(first);
        expected.addAll(second);
        assertEquals(expected, EsResults.read(file));
        String text = Files.readString(file);
        for (String key : List.of("\"run\"", "\"n\"", "\"dims\"", "\"query\"", "\"recall_at_10\"", "\"p50_ms\"", "\"p95_ms\"", "\"qps_4\"",
            "\"store_bytes_per_vector\"", "\"resident_bytes_per_vector\"", "\"index_seconds\"")) {
            assertTrue(key + " in " + text, text.contains(key));
        }
    }

    public void testRefusesAFileThatIsNotAList() throws Exception {
        Path file = createTempDir().resolve("es-results.json");
        Files.writeString(file, "{\"n\": 1}");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> EsResults.append(file, List.of(record("r", "q"))));
        assertTrue(e.getMessage(), e.getMessage().contains("expected a JSON list"));
        assertEquals("{\"n\": 1}", Files.readString(file));
    }
}
