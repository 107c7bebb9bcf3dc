package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Ingest throughput through a real node: every {@code .ogg}/{@code .wav} under a folder (ESC-10's
 * 400 clips, say), in bulks of 25 through a pipeline with one {@code audio_embedding} processor at
 * its defaults (clip and segment embeddings), {@code CONCURRENCY} bulks in flight; prints seconds of
 * audio per wall second and per second of the node's CPU time (Linux: /proc). A warm-up pass over the first 100 clips goes first (JIT, ONNX Runtime's lazy
 * initialisation). Not a test (timings vary with the machine); run by hand against a node that
 * integTest/node.sh started (see docs/benchmarks.md):
 *
 * <pre>java -cp integTest/target/test-classes:$(cat integTest/target/main-job.classpath) -Daudiopq.node.dir=NODE_DIR \
 *   io.audiopq.integ.IngestThroughput AUDIO_DIR [BUNDLE] [CONCURRENCY]</pre>
 */
public final class IngestThroughput {

    private static final int BATCH = 25;

    private IngestThroughput() {}

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        String bundle = args.length > 1 ? args[1] : "audiopq-default";
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        List<String> bulks = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            List<Path> audio = files.filter(p -> p.toString().endsWith(".ogg") || p.toString().endsWith(".wav")).sorted().toList();
            for (int from = 0; from < audio.size(); from += BATCH) {
                StringBuilder bulk = new StringBuilder();
                for (Path file : audio.subList(from, Math.min(audio.size(), from + BATCH))) {
                    bulk.append("{\"index\": {}}\n{\"audio\": \"").append(Base64.getEncoder().encodeToString(Files.readAllBytes(file))).append("\"}\n");
                }
                bulks.add(bulk.toString());
            }
        }
        RealNode node = RealNode.fromBuild();
        ok(node.put("/_ingest/pipeline/throughput", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}""".formatted(bundle)));
        for (String pass : List.of("warm-up", "timed")) {
            node.delete("/throughput");
            // Nothing indexed but _source: the figure is the pipeline's, not the mapping's.
            ok(node.put("/throughput", """
                {"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": {"dynamic": false}}"""));
            List<String> todo = pass.equals("warm-up") ? bulks.subList(0, Math.min(bulks.size(), 4)) : bulks;
            double cpuStart = cpuSeconds(node.pid());
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
                List<Future<RealNode.Response>> sent = new ArrayList<>();
                for (String bulk : todo) {
                    sent.add(pool.submit(() -> node.bulk("/throughput/_bulk?pipeline=throughput&filter_path=errors,items.*.error", bulk)));
                }
                for (Future<RealNode.Response> response : sent) {
                    RealNode.Response r = response.get();
                    ok(r);
                    if (Boolean.TRUE.equals(r.json().get("errors"))) {
                        throw new IllegalStateException("bulk errors: " + r.body());
                    }
                }
            }
            double wall = (System.nanoTime() - start) / 1e9;
            double cpu = cpuSeconds(node.pid()) - cpuStart;
            ok(node.post("/throughput/_refresh", ""));
            double seconds = audioSeconds(node);
            System.out.printf(Locale.ROOT, "%s: %s, %d bulks of %d, %d in flight: %.1f s of audio in %.2f s = %.1f s of audio per wall second; "
                + "node CPU %.1f s = %.1f s of audio per CPU second%n", bundle, pass, todo.size(), BATCH, concurrency, seconds, wall, seconds / wall,
                cpu, seconds / cpu);
        }
    }

    /**
     * CPU time (user + system, all threads) the node's JVM has used: on a machine shared with other
     * work, audio per CPU second varies less between runs than audio per wall second.
     */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of proc(5) (utime, stime), counted from the state (field 3), in clock ticks of 1/100 s.
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    @SuppressWarnings("unchecked")
    private static double audioSeconds(RealNode node) throws IOException {
        RealNode.Response r = node.post("/throughput/_search", """
            {"size": 10000, "_source": ["audio_embedding.audio.duration"]}""");
        ok(r);
        double seconds = 0;
        for (Map<String, Object> hit : (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits")) {
            Map<String, Object> source = (Map<String, Object>) hit.get("_source");
            Map<String, Object> embedding = (Map<String, Object>) source.get("audio_embedding");
            seconds += ((Number) ((Map<String, Object>) embedding.get("audio")).get("duration")).doubleValue();
        }
        return seconds;
    }

    private static void ok(RealNode.Response r) throws IOException {
        if (r.status() / 100 != 2) {
            throw new IOException("HTTP " + r.status() + ": " + r.body());
        }
    }
}
