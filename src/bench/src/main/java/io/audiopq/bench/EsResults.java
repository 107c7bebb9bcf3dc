package io.audiopq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end benchmark's figures as a JSON list ({@code target/bench/es-results.json}), one
 * record per query setting per run. Runs append, so a scale curve (100k / 300k / 1M) accumulates in
 * one file and scripts can compare runs; {@code run} tells runs apart. docs/benchmarks.md lists the keys.
 */
final class EsResults {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One query setting's figures in one run; per-vector sizes are of the index the query searched. */
    record Record(String run, int n, int dims, int nq, String query, double recallAt10, double p50Ms, double p95Ms, double qps4,
        double storeBytesPerVector, double residentBytesPerVector, double indexSeconds) {

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", run);
            m.put("n", n);
            m.put("dims", dims);
            m.put("nq", nq);
            m.put("query", query);
            m.put("recall_at_10", recallAt10);
            m.put("p50_ms", p50Ms);
            m.put("p95_ms", p95Ms);
            m.put("qps_4", qps4);
            m.put("store_bytes_per_vector", storeBytesPerVector);
            m.put("resident_bytes_per_vector", residentBytesPerVector);
            m.put("index_seconds", indexSeconds);
            return m;
        }

        static Record fromJson(Map<?, ?> m) {
            return new Record((String) m.get("run"), number(m, "n").intValue(), number(m, "dims").intValue(), number(m, "nq").intValue(),
                (String) m.get("query"), number(m, "recall_at_10").doubleValue(), number(m, "p50_ms").doubleValue(),
                number(m, "p95_ms").doubleValue(), number(m, "qps_4").doubleValue(), number(m, "store_bytes_per_vector").doubleValue(),
                number(m, "resident_bytes_per_vector").doubleValue(), number(m, "index_seconds").doubleValue());
        }

        private static Number number(Map<?, ?> m, String key) {
            if (m.get(key) instanceof Number value) {
                return value;
            }
            throw new IllegalArgumentException("record without a number [" + key + "]: " + m);
        }
    }

    private EsResults() {}

    /** The records in {@code file}, oldest first; none when it does not exist. */
    static List<Record> read(Path file) throws IOException {
        if (Files.exists(file) == false) {
            return List.of();
        }
        Object parsed = JSON.readValue(file.toFile(), Object.class);
        if (parsed instanceof List<?> list) {
            List<Record> records = new ArrayList<>(list.size());
            for (Object item : list) {
                if (item instanceof Map<?, ?> m) {
                    records.add(Record.fromJson(m));
                } else {
                    throw new IllegalArgumentException(file + ": expected a list of objects, found " + item);
                }
            }
            return records;
        }
        throw new IllegalArgumentException(file + ": expected a JSON list of records");
    }

    /** Adds {@code records} after those already in {@code file}; the file is replaced whole, so a crash leaves the old list. */
    static void append(Path file, List<Record> records) throws IOException {
        List<Record> all = new ArrayList<>(read(file));
        all.addAll(records);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        JSON.writeValue(tmp.toFile(), all.stream().map(Record::toJson).toList());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
