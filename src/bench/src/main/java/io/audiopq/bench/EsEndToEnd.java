package io.audiopq.bench;

import io.audiopq.testing.RealNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * End-to-end on a real node (src/scripts/bench.sh es runs it): AudioPQ's {@code pq_knn} on a
 * {@code pq_vector} field beside Elasticsearch's own {@code knn} on {@code dense_vector} (flat and
 * int8_hnsw), all over the same vectors, one shard, force-merged to one segment.
 *
 * <ul>
 *   <li>{@code fvecs DATA OUT}: writes the dataset's training sample as .fvecs for make-bundle.sh.</li>
 *   <li>{@code run DATA BUNDLE8 [BUNDLE4]}: indexes, measures and prints markdown tables. The node is
 *       the one integTest/node.sh started under {@code -Daudiopq.node.dir}.</li>
 * </ul>
 *
 * Latency is one client thread, sequential queries over HTTP; client wall time includes HTTP and
 * JSON on both sides, {@code took} is the node's own figure (whole milliseconds). Each query set
 * runs twice after a warm-up (within a run the sets take turns query by query), and both runs are
 * reported. Refresh is off while indexing; the index is then refreshed and force-merged to one
 * segment (often already one: the indexing buffer holds all of it).
 */
public final class EsEndToEnd {

    private static final int K = 10;
    private static final int NUM_CANDIDATES = 100;
    private static final int BULK_DOCS = 1000;
    private static final int WARM_UP = 50;

    /** {@code settings}: extra index settings, JSON members to append (empty for none). */
    private record Index(String name, String mapping, String description, String settings) {
        Index(String name, String mapping, String description) {
            this(name, mapping, description, "");
        }
    }

    private record IndexStats(double indexSeconds, double mergeSeconds, long storeBytes, long fieldBytes, long sourceBytes, long recoverySourceBytes, long docs) {}

    private record QuerySet(String name, String index, Function<String, String> body) {}

    private record Run(double[] clientMs, double[] tookMs, int[][] ids) {}

    private EsEndToEnd() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("fvecs")) {
            writeTrainingFvecs(Path.of(args[1]), Path.of(args[2]));
        } else if ((args.length == 3 || args.length == 4) && args[0].equals("run")) {
            run(Path.of(args[1]), args[2], args.length == 4 ? args[3] : null);
        } else {
            System.err.println("usage: EsEndToEnd fvecs DATA OUT | run DATA BUNDLE8 [BUNDLE4]");
            System.exit(2);
        }
    }

    static void writeTrainingFvecs(Path dataFile, Path out) throws IOException {
        CompareWithFaiss.Dataset data = CompareWithFaiss.read(dataFile);
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer row = ByteBuffer.allocate(Integer.BYTES + data.d() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < data.ntrain(); i++) {
                row.clear();
                row.putInt(data.d());
                for (int k = 0; k < data.d(); k++) {
                    row.putFloat(data.train()[i * data.d() + k]);
                }
                row.flip();
                while (row.hasRemaining()) {
                    ch.write(row);
                }
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s: %d training vectors, D=%d%n", out, data.ntrain(), data.d());
    }

    static void run(Path dataFile, String bundle8, String bundle4) throws Exception {
        CompareWithFaiss.Dataset data = CompareWithFaiss.read(dataFile);
        RealNode node = RealNode.fromBuild();
        String loadBefore = loadAverage();
        System.out.printf(Locale.ROOT, "node %s (Elasticsearch %s); N=%,d D=%d NQ=%d; load average %s%n", node.baseUri(), node.version(),
            data.n(), data.d(), data.nq(), loadBefore);

        long start = System.nanoTime();
        int[][] truth = exactTopK(data);
        System.out.printf(Locale.ROOT, "exact top %d of %d queries (client, brute force): %.1f s%n", K, data.nq(), seconds(start));

        int d = data.d();
        List<Index> indices = new ArrayList<>();
        // With store_raw the stored _source leaves the vector out and reads rebuild it from the raw
        // vectors (index.mapping.exclude_source_vectors, true by default), as for dense_vector; the
        // opt-out keeps it as JSON; store_raw false keeps the JSON (codes alone are lossy).
        indices.add(new Index("e2e_pq8", pqMapping(bundle8, true), "`pq_vector` M=16 8-bit, store_raw"));
        indices.add(new Index("e2e_pq8_json", pqMapping(bundle8, true),
            "`pq_vector` M=16 8-bit, store_raw, `exclude_source_vectors: false`", ", \"index.mapping.exclude_source_vectors\": false"));
        indices.add(new Index("e2e_pq8_codes", pqMapping(bundle8, false), "`pq_vector` M=16 8-bit, store_raw false"));
        if (bundle4 != null) {
            indices.add(new Index("e2e_pq4", pqMapping(bundle4, true), "`pq_vector` M=32 4-bit, store_raw"));
        }
        indices.add(new Index("e2e_flat", denseMapping(d, "flat"), "`dense_vector` flat"));
        indices.add(new Index("e2e_int8hnsw", denseMapping(d, "int8_hnsw"), "`dense_vector` int8_hnsw"));

        // Warm-up for the node's bulk paths (JIT), so the first measured index is not penalised.
        for (String mapping : List.of(denseMapping(d, "flat"), pqMapping(bundle8, true))) {
            load(node, new Index("e2e_warmup", mapping, "warm-up"), data, Math.min(data.n(), 10_000));
            node.delete("/e2e_warmup");
        }
        Map<String, IndexStats> stats = new LinkedHashMap<>();
        for (Index index : indices) {
            stats.put(index.name(), load(node, index, data, data.n()));
        }

        List<QuerySet> sets = new ArrayList<>();
        sets.add(new QuerySet("`pq_knn` ADC only (oversample 0)", "e2e_pq8",
            q -> pqKnn(q, "\"rescore_vector\": {\"oversample\": 0}")));
        sets.add(new QuerySet("`pq_knn` default (num_candidates 10, rescore 40)", "e2e_pq8", q -> pqKnn(q, null)));
        sets.add(new QuerySet("`pq_knn` num_candidates 100 (rescore 400)", "e2e_pq8",
            q -> pqKnn(q, "\"num_candidates\": " + NUM_CANDIDATES)));
        sets.add(new QuerySet("`pq_knn` ADC only, codes only", "e2e_pq8_codes",
            q -> pqKnn(q, "\"rescore_vector\": {\"oversample\": 0}")));
        if (bundle4 != null) {
            sets.add(new QuerySet("`pq_knn` 4-bit M=32 ADC only", "e2e_pq4", q -> pqKnn(q, "\"rescore_vector\": {\"oversample\": 0}")));
            sets.add(new QuerySet("`pq_knn` 4-bit M=32 default (rescore 40)", "e2e_pq4", q -> pqKnn(q, null)));
        }
        sets.add(new QuerySet("`knn` on `emb.pq` (num_candidates 100)", "e2e_pq8", q -> knn("emb.pq", q)));
        sets.add(new QuerySet("`knn` `dense_vector` flat (num_candidates 100)", "e2e_flat", q -> knn("emb", q)));
        sets.add(new QuerySet("`knn` `dense_vector` int8_hnsw (num_candidates 100)", "e2e_int8hnsw", q -> knn("emb", q)));

        String[] vectors = new String[data.nq()];
        for (int i = 0; i < data.nq(); i++) {
            vectors[i] = vectorJson(data.queries(), i * d, d);
        }
        for (QuerySet set : sets) { // warm-up: caches, JIT on both sides, the first search of each index
            for (int i = 0; i < Math.min(WARM_UP, data.nq()); i++) {
                search(node, set, vectors[i]);
            }
        }
        // Two runs; within a run the sets take turns query by query, so that load from elsewhere on
        // the machine falls on all of them alike.
        List<Map<String, Run>> runs = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            Map<String, Run> results = new LinkedHashMap<>();
            for (QuerySet set : sets) {
                results.put(set.name(), new Run(new double[data.nq()], new double[data.nq()], new int[data.nq()][]));
            }
            for (int i = 0; i < data.nq(); i++) {
                for (QuerySet set : sets) {
                    Run run = results.get(set.name());
                    long t0 = System.nanoTime();
                    RealNode.Response response = search(node, set, vectors[i]);
                    run.clientMs()[i] = (System.nanoTime() - t0) / 1e6;
                    Map<String, Object> json = response.json();
                    run.tookMs()[i] = ((Number) json.get("took")).doubleValue();
                    run.ids()[i] = hitIds(json);
                }
            }
            runs.add(results);
        }
        String loadAfter = loadAverage();
        print(data, indices, stats, sets, runs, truth, loadBefore, loadAfter);
    }

    private static String pqMapping(String bundle, boolean storeRaw) {
        return "{\"type\": \"pq_vector\", \"model\": \"" + bundle + "\", \"similarity\": \"l2_norm\", \"store_raw\": " + storeRaw + "}";
    }

    private static String denseMapping(int dims, String type) {
        return "{\"type\": \"dense_vector\", \"dims\": " + dims + ", \"index\": true, \"similarity\": \"l2_norm\", "
            + "\"index_options\": {\"type\": \"" + type + "\"}}";
    }

    private static String pqKnn(String vector, String extra) {
        return "{\"size\": " + K + ", \"_source\": false, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vector
            + ", \"k\": " + K + (extra == null ? "" : ", " + extra) + "}}}";
    }

    private static String knn(String field, String vector) {
        return "{\"size\": " + K + ", \"_source\": false, \"knn\": {\"field\": \"" + field + "\", \"query_vector\": " + vector + ", \"k\": " + K
            + ", \"num_candidates\": " + NUM_CANDIDATES + "}}";
    }

    private static RealNode.Response search(RealNode node, QuerySet set, String vector) {
        RealNode.Response response = node.post("/" + set.index() + "/_search", set.body().apply(vector));
        check(response, set.name());
        return response;
    }

    private static IndexStats load(RealNode node, Index index, CompareWithFaiss.Dataset data, int n) {
        String name = index.name();
        node.delete("/" + name);
        check(node.put("/" + name, "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0, \"refresh_interval\": \"-1\""
            + index.settings() + "}, \"mappings\": {\"properties\": {\"emb\": " + index.mapping() + "}}}"), "create " + name);
        int d = data.d();
        long start = System.nanoTime();
        StringBuilder bulk = new StringBuilder();
        for (int from = 0; from < n; from += BULK_DOCS) {
            bulk.setLength(0);
            for (int i = from, end = Math.min(n, from + BULK_DOCS); i < end; i++) {
                bulk.append("{\"index\": {\"_id\": \"").append(i).append("\"}}\n{\"emb\": ");
                bulk.append(vectorJson(data.base(), i * d, d)).append("}\n");
            }
            RealNode.Response response = node.bulk("/" + name + "/_bulk", bulk.toString());
            check(response, "bulk " + name);
            if (!Boolean.FALSE.equals(response.json().get("errors"))) {
                throw new IllegalStateException("bulk into " + name + " had errors: " + response.body().substring(0, Math.min(2000, response.body().length())));
            }
        }
        check(node.post("/" + name + "/_refresh", null), "refresh " + name);
        double indexSeconds = seconds(start);

        start = System.nanoTime();
        RealNode.Response merge = node.post("/" + name + "/_forcemerge?max_num_segments=1&wait_for_completion=false", null);
        check(merge, "forcemerge " + name);
        String task = (String) merge.json().get("task");
        while (true) {
            RealNode.Response t = node.get("/_tasks/" + task + "?wait_for_completion=true&timeout=60s");
            if (t.status() == 200 && Boolean.TRUE.equals(t.json().get("completed"))) {
                break;
            }
            if (t.status() != 200 && t.status() != 408) {
                throw new IllegalStateException("task " + task + ": HTTP " + t.status() + " " + t.body());
            }
        }
        check(node.post("/" + name + "/_refresh", null), "refresh " + name);
        double mergeSeconds = seconds(start);

        Map<String, Object> total = path(node.get("/" + name + "/_stats/store,docs,segments").json(), "_all", "primaries");
        // _stats caches the store size (index.store.stats_refresh_interval, 10 s): _disk_usage's is fresh.
        long storeBytes = ((Number) path(total, "store").get("size_in_bytes")).longValue();
        long docs = ((Number) path(total, "docs").get("count")).longValue();
        long segments = ((Number) path(total, "segments").get("count")).longValue();
        long fieldBytes = -1, sourceBytes = -1, recoverySourceBytes = 0;
        RealNode.Response usage = node.post("/" + name + "/_disk_usage?run_expensive_tasks=true", null);
        if (usage.status() == 200) {
            Map<String, Object> usageJson = path(usage.json(), name);
            storeBytes = ((Number) usageJson.get("store_size_in_bytes")).longValue();
            Map<String, Object> fields = path(usageJson, "fields");
            Object source = fields.get("_source");
            if (source instanceof Map<?, ?> src) {
                sourceBytes = ((Number) src.get("total_in_bytes")).longValue();
            }
            // Elasticsearch's own copy of the original source, kept (for peer recovery) when _source
            // was filtered, until the retention lease lets a merge drop it.
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                if (field.getKey().startsWith("_recovery_source") && field.getValue() instanceof Map<?, ?> rs) {
                    recoverySourceBytes += ((Number) rs.get("total_in_bytes")).longValue();
                }
            }
            fieldBytes = 0;
            for (Map.Entry<String, Object> field : fields.entrySet()) {
                if (field.getKey().equals("emb") || field.getKey().startsWith("emb.")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> f = (Map<String, Object>) field.getValue();
                    fieldBytes += ((Number) f.get("total_in_bytes")).longValue();
                }
            }
        } else {
            System.out.println("_disk_usage on " + name + ": HTTP " + usage.status() + " " + usage.body());
        }
        System.out.printf(Locale.ROOT, "%s: %,d docs in %d segment(s), indexed in %.1f s, force-merged in %.1f s, store %,d bytes, emb* %,d bytes, _source %,d bytes, _recovery_source %,d bytes%n",
            name, docs, segments, indexSeconds, mergeSeconds, storeBytes, fieldBytes, sourceBytes, recoverySourceBytes);
        if (docs != n) {
            throw new IllegalStateException(name + " holds " + docs + " documents, expected " + n);
        }
        checkSourceRoundTrip(node, name, data, n);
        return new IndexStats(indexSeconds, mergeSeconds, storeBytes, fieldBytes, sourceBytes, recoverySourceBytes, docs);
    }

    /** GET gives every sampled vector back bit for bit, wherever _source keeps it (all fields here are l2_norm). */
    private static void checkSourceRoundTrip(RealNode node, String name, CompareWithFaiss.Dataset data, int n) {
        int d = data.d(), samples = Math.min(n, 100);
        for (int s = 0; s < samples; s++) {
            int i = (int) ((long) s * n / samples);
            RealNode.Response got = node.get("/" + name + "/_doc/" + i + "?_source_exclude_vectors=false");
            check(got, "get " + name + "/" + i);
            List<?> vector = (List<?>) path(got.json(), "_source").get("emb");
            for (int k = 0; k < d; k++) {
                float expected = data.base()[i * d + k], actual = ((Number) vector.get(k)).floatValue();
                if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
                    throw new IllegalStateException(name + " doc " + i + " [" + k + "]: GET gave " + actual + ", indexed " + expected);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: GET returned %d sampled vectors exactly%n", name, samples);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> path(Map<String, Object> json, String... keys) {
        Map<String, Object> m = json;
        for (String key : keys) {
            m = (Map<String, Object>) m.get(key);
            if (m == null) {
                throw new IllegalStateException("no [" + key + "] in " + json);
            }
        }
        return m;
    }

    private static void check(RealNode.Response response, String what) {
        if (response.status() / 100 != 2) {
            throw new IllegalStateException(what + ": HTTP " + response.status() + " " + response.body());
        }
    }

    @SuppressWarnings("unchecked")
    private static int[] hitIds(Map<String, Object> json) {
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) json.get("hits")).get("hits");
        int[] ids = new int[hits.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.parseInt((String) hits.get(i).get("_id"));
        }
        return ids;
    }

    private static String vectorJson(float[] values, int offset, int d) {
        StringBuilder sb = new StringBuilder(d * 12).append('[');
        for (int k = 0; k < d; k++) {
            if (k > 0) {
                sb.append(',');
            }
            sb.append(values[offset + k]);
        }
        return sb.append(']').toString();
    }

    /** The exact top K by L2 distance, brute force on all cores. */
    private static int[][] exactTopK(CompareWithFaiss.Dataset data) {
        int d = data.d();
        return IntStream.range(0, data.nq()).parallel().mapToObj(q -> {
            float[] best = new float[K];
            int[] bestIds = new int[K];
            Arrays.fill(best, Float.POSITIVE_INFINITY);
            Arrays.fill(bestIds, -1);
            for (int i = 0; i < data.n(); i++) {
                float dist = 0;
                for (int k = 0; k < d; k++) {
                    float diff = data.base()[i * d + k] - data.queries()[q * d + k];
                    dist += diff * diff;
                }
                if (dist < best[K - 1]) {
                    int j = K - 1;
                    while (j > 0 && best[j - 1] > dist) {
                        best[j] = best[j - 1];
                        bestIds[j] = bestIds[j - 1];
                        j--;
                    }
                    best[j] = dist;
                    bestIds[j] = i;
                }
            }
            return bestIds;
        }).toArray(int[][]::new);
    }

    private static double recall(int[][] found, int[][] truth) {
        double sum = 0;
        for (int q = 0; q < truth.length; q++) {
            int hits = 0;
            for (int id : found[q]) {
                for (int t : truth[q]) {
                    hits += t == id ? 1 : 0;
                }
            }
            sum += hits / (double) K;
        }
        return sum / truth.length;
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void print(CompareWithFaiss.Dataset data, List<Index> indices, Map<String, IndexStats> stats, List<QuerySet> sets,
        List<Map<String, Run>> runs, int[][] truth, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n### pq_knn vs knn on one node: N=%,d, D=%d, %d queries, k=%d, l2_norm, 1 shard, 1 segment%n%n",
            data.n(), data.d(), data.nq(), K));
        out.append(String.format(Locale.ROOT, "%s, %d cores; load average before %s, after %s.%n%n", LocalDate.now(),
            Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
        out.append("| index | bulk + refresh s | force merge s | store bytes/vector | `emb` field bytes/vector | `_source` bytes/vector | `_recovery_source` bytes/vector |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Index index : indices) {
            IndexStats s = stats.get(index.name());
            out.append(String.format(Locale.ROOT, "| %s (`%s`) | %.1f | %.1f | %.1f | %s | %s | %s |%n", index.description(), index.name(), s.indexSeconds(),
                s.mergeSeconds(), s.storeBytes() / (double) s.docs(), perVector(s.fieldBytes(), s.docs()), perVector(s.sourceBytes(), s.docs()),
                perVector(s.recoverySourceBytes(), s.docs())));
        }
        String flat = sets.stream().filter(s -> s.index().equals("e2e_flat")).findFirst().orElseThrow().name();
        String hnsw = sets.stream().filter(s -> s.index().equals("e2e_int8hnsw")).findFirst().orElseThrow().name();
        out.append("\nLatency in ms, one client thread; two runs each (run 1 / run 2). Ratios: median client time (mean of both runs) over `knn`'s.\n\n");
        out.append("| query | recall@10 | client median | client p95 | `took` median | `took` p95 | / `knn` flat | / `knn` int8_hnsw |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        double flatMedian = meanMedian(runs, flat), hnswMedian = meanMedian(runs, hnsw);
        for (QuerySet set : sets) {
            Run r1 = runs.get(0).get(set.name()), r2 = runs.get(1).get(set.name());
            double median = meanMedian(runs, set.name());
            out.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f / %.2f | %.2f / %.2f | %.0f / %.0f | %.0f / %.0f | %.2f | %.2f |%n", set.name(),
                recall(r1.ids(), truth), percentile(r1.clientMs(), 0.5), percentile(r2.clientMs(), 0.5), percentile(r1.clientMs(), 0.95),
                percentile(r2.clientMs(), 0.95), percentile(r1.tookMs(), 0.5), percentile(r2.tookMs(), 0.5), percentile(r1.tookMs(), 0.95),
                percentile(r2.tookMs(), 0.95), median / flatMedian, median / hnswMedian));
        }
        System.out.print(out);
    }

    private static String perVector(long bytes, long docs) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f", bytes / (double) docs);
    }

    private static double meanMedian(List<Map<String, Run>> runs, String set) {
        return runs.stream().mapToDouble(r -> percentile(r.get(set).clientMs(), 0.5)).average().orElseThrow();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
