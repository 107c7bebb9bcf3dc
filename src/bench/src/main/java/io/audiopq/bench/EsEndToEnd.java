package io.audiopq.bench;

import io.audiopq.testing.RealNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * End-to-end on a real node (src/scripts/bench.sh es runs it): AudioPQ's {@code pq_knn} on
 * {@code pq_vector} fields (exhaustive 8-bit; IVF over the bundle's global centroids at a few
 * {@code nprobe} values) beside Elasticsearch's own {@code knn} on the {@code dense_vector} anchors
 * {@code flat}, {@code int8_hnsw}, {@code bbq_flat} and {@code bbq_hnsw}, all over the same vectors,
 * one shard, force-merged to one segment. {@code bbq_disk} is tried too: a node without the licence
 * it needs refuses the mapping, and the run prints the refusal instead of a row.
 *
 * <ul>
 *   <li>{@code fvecs DATA OUT}: writes the dataset's training sample as .fvecs for make-bundle.sh.</li>
 *   <li>{@code run DATA RESULTS BUNDLE8 [BUNDLE4]}: indexes, measures, prints markdown tables and
 *       appends one record per query setting to the JSON list RESULTS ({@link EsResults}). The node
 *       is the one integTest/node.sh started under {@code -Daudiopq.node.dir}.</li>
 * </ul>
 *
 * Per query setting: recall@10 against the exact float top 10; client latency (HTTP and JSON on both
 * sides included) p50/p95 with one client, over two passes in which the settings take turns query by
 * query; queries per second with {@value #CLIENTS} client threads, two rounds in which the settings
 * take turns; and of the index it searches: indexing time (bulk with refresh off, refresh, force
 * merge), store bytes per vector after the force merge ({@code _disk_usage}) and resident bytes per
 * vector ({@link #residentBytes}). Compound files are off so that segment file sizes show each
 * vector file.
 */
public final class EsEndToEnd {

    private static final int K = 10;
    private static final int NUM_CANDIDATES = 100;
    private static final int BULK_DOCS = 1000;
    private static final int WARM_UP = 50;
    private static final int CLIENTS = 4;
    /** IVF settings measured: about 2 % and 9 % of the lists of a bundle trained with {@code --nlist auto} on 32,768 vectors (724 lists). */
    private static final int[] NPROBES = {16, 64};
    /** The dense_vector anchors; {@code bbq_disk} needs a licence the default distribution lacks. */
    private static final List<String> DENSE_TYPES = List.of("flat", "int8_hnsw", "bbq_flat", "bbq_hnsw", "bbq_disk");
    private static final String BASELINE = "knn bbq_hnsw";
    /** Lucene's and our vector files: raw floats (.vec/.vemf), int8 (.veq/.vemq), BBQ (.veb/.vemb), HNSW graph (.vex/.vem), PQ codes and lists (.vpq/.vemp,
     * which _stats reports as "others": it names only the extensions Elasticsearch knows, and no other
     * index here has files it does not know), disk BBQ (IVF). */
    private static final Set<String> VECTOR_FILES = Set.of("vec", "vemf", "veq", "vemq", "veb", "vemb", "vex", "vem", "vpq", "vemp", "cenivf",
        "clivf", "mivf", "others");
    private static final Set<String> RAW_VECTOR_FILES = Set.of("vec", "vemf");

    /** {@code rawSearched}: the search itself reads every raw vector ({@code flat}), not only the few it rescores. */
    private record Index(String name, String mapping, boolean rawSearched) {}

    private record IndexStats(double indexSeconds, double mergeSeconds, long storeBytes, long residentBytes, Map<String, Long> vectorFiles, long docs) {}

    private record QuerySet(String name, String index, Function<String, String> body) {}

    private record Latency(double[] clientMs, int[][] ids) {}

    private EsEndToEnd() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("fvecs")) {
            writeTrainingFvecs(Path.of(args[1]), Path.of(args[2]));
        } else if ((args.length == 4 || args.length == 5) && args[0].equals("run")) {
            run(Path.of(args[1]), Path.of(args[2]), args[3], args.length == 5 ? args[4] : null);
        } else {
            System.err.println("usage: EsEndToEnd fvecs DATA OUT | run DATA RESULTS BUNDLE8 [BUNDLE4]");
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

    static void run(Path dataFile, Path resultsFile, String bundle8, String bundle4) throws Exception {
        CompareWithFaiss.Dataset data = CompareWithFaiss.read(dataFile);
        RealNode node = RealNode.fromBuild();
        String runId = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String loadBefore = loadAverage();
        System.out.printf(Locale.ROOT, "run %s: node %s (Elasticsearch %s); N=%,d D=%d NQ=%d; load average %s%n", runId, node.baseUri(),
            node.version(), data.n(), data.d(), data.nq(), loadBefore);

        long start = System.nanoTime();
        int[][] truth = exactTopK(data);
        System.out.printf(Locale.ROOT, "exact top %d of %d queries (client, brute force): %.1f s%n", K, data.nq(), seconds(start));

        int d = data.d();
        List<Index> indices = new ArrayList<>();
        indices.add(new Index("e2e_pq8", pqMapping(bundle8, false), false));
        indices.add(new Index("e2e_pq8_ivf", pqMapping(bundle8, true), false));
        if (bundle4 != null) {
            indices.add(new Index("e2e_pq4_ivf", pqMapping(bundle4, true), false));
        }
        for (String type : DENSE_TYPES) {
            indices.add(new Index("e2e_" + type, denseMapping(d, type), type.equals("flat")));
        }

        // Warm-up for the node's bulk paths (JIT), so the first measured index is not penalised.
        for (String mapping : List.of(denseMapping(d, "flat"), pqMapping(bundle8, false))) {
            load(node, new Index("e2e_warmup", mapping, false), data, Math.min(data.n(), 10_000));
            node.delete("/e2e_warmup");
        }
        Map<String, IndexStats> stats = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        for (Index index : indices) {
            IndexStats s = load(node, index, data, data.n());
            if (s == null) {
                refused.add(index.name());
            } else {
                stats.put(index.name(), s);
            }
        }

        List<QuerySet> sets = new ArrayList<>();
        sets.add(new QuerySet("pq8 exhaustive", "e2e_pq8", q -> pqKnn(q, null)));
        for (int nprobe : NPROBES) {
            sets.add(new QuerySet("pq8 ivf nprobe " + nprobe, "e2e_pq8_ivf", q -> pqKnn(q, "\"nprobe\": " + nprobe)));
        }
        if (bundle4 != null) {
            for (int nprobe : NPROBES) {
                sets.add(new QuerySet("pq4 ivf nprobe " + nprobe, "e2e_pq4_ivf", q -> pqKnn(q, "\"nprobe\": " + nprobe)));
            }
        }
        for (String type : DENSE_TYPES) {
            if (stats.containsKey("e2e_" + type)) {
                sets.add(new QuerySet("knn " + type, "e2e_" + type, q -> knn(q)));
            }
        }

        String[] vectors = new String[data.nq()];
        for (int i = 0; i < data.nq(); i++) {
            vectors[i] = vectorJson(data.queries(), i * d, d);
        }
        for (QuerySet set : sets) { // warm-up: caches, JIT on both sides, the first search of each index
            for (int i = 0; i < Math.min(WARM_UP, data.nq()); i++) {
                search(node, set, vectors[i]);
            }
        }
        Map<String, Latency> latency = oneClient(node, sets, vectors);
        Map<String, Double> qps = concurrentQps(node, sets, vectors);
        String loadAfter = loadAverage();

        List<EsResults.Record> records = new ArrayList<>();
        for (QuerySet set : sets) {
            Latency l = latency.get(set.name());
            IndexStats s = stats.get(set.index());
            records.add(new EsResults.Record(runId, data.n(), d, data.nq(), set.name(), recall(l.ids(), truth), percentile(l.clientMs(), 0.5),
                percentile(l.clientMs(), 0.95), qps.get(set.name()), s.storeBytes() / (double) s.docs(), s.residentBytes() / (double) s.docs(),
                s.indexSeconds() + s.mergeSeconds()));
        }
        EsResults.append(resultsFile, records);
        print(data, runId, sets, stats, records, refused, loadBefore, loadAfter);
        System.out.printf(Locale.ROOT, "%nappended %d records of run %s to %s%n", records.size(), runId, resultsFile);
    }

    /** One client thread, two passes; within a pass the settings take turns query by query, so load from elsewhere falls on all alike. */
    private static Map<String, Latency> oneClient(RealNode node, List<QuerySet> sets, String[] vectors) {
        int nq = vectors.length;
        Map<String, Latency> results = new LinkedHashMap<>();
        for (QuerySet set : sets) {
            results.put(set.name(), new Latency(new double[2 * nq], new int[nq][]));
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < nq; i++) {
                for (QuerySet set : sets) {
                    Latency l = results.get(set.name());
                    long t0 = System.nanoTime();
                    RealNode.Response response = search(node, set, vectors[i]);
                    l.clientMs()[pass * nq + i] = (System.nanoTime() - t0) / 1e6;
                    l.ids()[i] = hitIds(response.json());
                }
            }
        }
        return results;
    }

    /**
     * Queries per second with {@value #CLIENTS} client threads, each running every query once (from a
     * different starting point); two rounds in which the settings take turns, the mean of both.
     */
    private static Map<String, Double> concurrentQps(RealNode node, List<QuerySet> sets, String[] vectors) throws Exception {
        Map<String, Double> qps = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int round = 0; round < 2; round++) {
                for (QuerySet set : sets) {
                    List<Callable<Void>> clients = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        int offset = c * vectors.length / CLIENTS;
                        clients.add(() -> {
                            for (int i = 0; i < vectors.length; i++) {
                                search(node, set, vectors[(offset + i) % vectors.length]);
                            }
                            return null;
                        });
                    }
                    long t0 = System.nanoTime();
                    for (Future<Void> f : pool.invokeAll(clients)) {
                        f.get();
                    }
                    double perSecond = CLIENTS * vectors.length / seconds(t0);
                    qps.merge(set.name(), perSecond / 2, Double::sum);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return qps;
    }

    private static String pqMapping(String bundle, boolean ivf) {
        return "{\"type\": \"pq_vector\", \"model\": \"" + bundle + "\", \"similarity\": \"l2_norm\", \"store_raw\": true"
            + (ivf ? ", \"ivf\": {\"centroids\": \"bundle\"}" : "") + "}";
    }

    private static String denseMapping(int dims, String type) {
        return "{\"type\": \"dense_vector\", \"dims\": " + dims + ", \"index\": true, \"similarity\": \"l2_norm\", "
            + "\"index_options\": {\"type\": \"" + type + "\"}}";
    }

    /** {@code pq_knn} with its default rescoring (num_candidates k; the depth grows with the shard, PqKnnQuery.rescoreDepth). */
    private static String pqKnn(String vector, String extra) {
        return "{\"size\": " + K + ", \"_source\": false, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vector
            + ", \"k\": " + K + (extra == null ? "" : ", " + extra) + "}}}";
    }

    /** Elasticsearch's {@code knn} with its defaults for the index type (BBQ types rescore with oversample 3). */
    private static String knn(String vector) {
        return "{\"size\": " + K + ", \"_source\": false, \"knn\": {\"field\": \"emb\", \"query_vector\": " + vector + ", \"k\": " + K
            + ", \"num_candidates\": " + NUM_CANDIDATES + "}}";
    }

    private static RealNode.Response search(RealNode node, QuerySet set, String vector) {
        RealNode.Response response = node.post("/" + set.index() + "/_search", set.body().apply(vector));
        check(response, set.name());
        return response;
    }

    /** Indexes the first n vectors; null (with the reason printed) when the node refuses the mapping, e.g. for want of a licence. */
    private static IndexStats load(RealNode node, Index index, CompareWithFaiss.Dataset data, int n) {
        String name = index.name();
        node.delete("/" + name);
        RealNode.Response created = node.put("/" + name, "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0, "
            + "\"refresh_interval\": \"-1\", \"index.compound_format\": false}, "
            + "\"mappings\": {\"properties\": {\"emb\": " + index.mapping() + "}}}");
        if (created.status() == 400 || created.status() == 403) {
            System.out.printf(Locale.ROOT, "%s: refused by the node: HTTP %d %s%n", name, created.status(), errorReason(created));
            return null;
        }
        check(created, "create " + name);
        int d = data.d();
        long start = System.nanoTime();
        StringBuilder bulk = new StringBuilder();
        boolean flushed = false;
        for (int from = 0; from < n; from += BULK_DOCS) {
            if (flushed == false && from >= n / 2 && from > 0) {
                // Flushed segments are compound files whatever index.compound_format says; two segments
                // make the force merge write a new one, which that setting keeps non-compound.
                check(node.post("/" + name + "/_flush", null), "flush " + name);
                flushed = true;
            }
            bulk.setLength(0);
            for (int i = from, end = Math.min(n, from + BULK_DOCS); i < end; i++) {
                bulk.append("{\"index\": {\"_id\": \"").append(i).append("\"}}\n{\"emb\": ");
                bulk.append(vectorJson(data.base(), i * d, d)).append("}\n");
            }
            RealNode.Response response = node.bulk("/" + name + "/_bulk", bulk.toString());
            check(response, "bulk " + name);
            String refusal = licenceRefusal(response);
            if (refusal != null) {
                System.out.printf(Locale.ROOT, "%s: refused by the node at indexing: %s%n", name, refusal);
                return null;
            }
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
            // A wait that times out is answered 408, or in 9.5.3 429 with a timeout_exception: wait again.
            boolean timedOut = t.status() == 408 || (t.status() == 429 && t.body().contains("\"timeout_exception\""));
            if (t.status() != 200 && timedOut == false) {
                throw new IllegalStateException("task " + task + ": HTTP " + t.status() + " " + t.body());
            }
        }
        check(node.post("/" + name + "/_refresh", null), "refresh " + name);
        double mergeSeconds = seconds(start);

        Map<String, Object> total = path(node.get("/" + name + "/_stats/docs,segments?include_segment_file_sizes=true").json(), "_all", "primaries");
        long docs = ((Number) path(total, "docs").get("count")).longValue();
        Map<String, Object> segments = path(total, "segments");
        long segmentCount = ((Number) segments.get("count")).longValue();
        Map<String, Long> vectorFiles = new TreeMap<>();
        Set<String> others = new TreeSet<>();
        for (Map.Entry<String, Object> file : path(segments, "file_sizes").entrySet()) {
            @SuppressWarnings("unchecked")
            long bytes = ((Number) ((Map<String, Object>) file.getValue()).get("size_in_bytes")).longValue();
            if (VECTOR_FILES.contains(file.getKey())) {
                vectorFiles.put(file.getKey(), bytes);
            } else {
                others.add(file.getKey());
            }
        }
        if (others.contains("cfs")) {
            throw new IllegalStateException(name + " has compound files: vector file sizes unknown");
        }
        // _stats caches the store size (index.store.stats_refresh_interval, 10 s): _disk_usage's is fresh.
        RealNode.Response usage = node.post("/" + name + "/_disk_usage?run_expensive_tasks=true", null);
        check(usage, "_disk_usage " + name);
        long storeBytes = ((Number) path(usage.json(), name).get("store_size_in_bytes")).longValue();
        long residentBytes = residentBytes(vectorFiles, index.rawSearched());
        System.out.printf(Locale.ROOT, "%s: %,d docs in %d segment(s), indexed in %.1f s, force-merged in %.1f s, store %,d bytes, "
            + "vector files %s (resident %,d), other files %s%n", name, docs, segmentCount, indexSeconds, mergeSeconds, storeBytes, vectorFiles,
            residentBytes, others);
        if (docs != n) {
            throw new IllegalStateException(name + " holds " + docs + " documents, expected " + n);
        }
        checkSourceRoundTrip(node, name, data, n);
        return new IndexStats(indexSeconds, mergeSeconds, storeBytes, residentBytes, vectorFiles, docs);
    }

    /**
     * What a query reads from every vector or graph node it visits, so what must stay in the page
     * cache to search at memory speed: the vector files, without the raw float vectors where the
     * search only reads the few it rescores (pq_vector's 40, BBQ's oversample × k).
     */
    static long residentBytes(Map<String, Long> vectorFiles, boolean rawSearched) {
        return vectorFiles.entrySet().stream().filter(e -> rawSearched || RAW_VECTOR_FILES.contains(e.getKey()) == false)
            .mapToLong(Map.Entry::getValue).sum();
    }

    /** The first item's reason when the node refused it for want of a licence (HTTP 403 per item, as for bbq_disk), else null. */
    @SuppressWarnings("unchecked")
    private static String licenceRefusal(RealNode.Response bulk) {
        List<Map<String, Object>> items = (List<Map<String, Object>>) bulk.json().get("items");
        if (items == null || items.isEmpty()) {
            return null;
        }
        Map<String, Object> item = (Map<String, Object>) items.get(0).get("index");
        if (item == null || !Integer.valueOf(403).equals(item.get("status"))) {
            return null;
        }
        Object error = item.get("error");
        return error instanceof Map<?, ?> e ? "HTTP 403 " + e.get("reason") : "HTTP 403";
    }

    @SuppressWarnings("unchecked")
    private static String errorReason(RealNode.Response response) {
        try {
            Object error = response.json().get("error");
            if (error instanceof Map<?, ?> e && e.get("reason") != null) {
                return String.valueOf(e.get("reason"));
            }
        } catch (RuntimeException e) {
            // not JSON: the body says it
        }
        return response.body();
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

    private static void print(CompareWithFaiss.Dataset data, String runId, List<QuerySet> sets, Map<String, IndexStats> stats,
        List<EsResults.Record> records, List<String> refused, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n### pq_knn vs knn on one node: N=%,d, D=%d, %d queries, k=%d, l2_norm, 1 shard, 1 segment%n%n",
            data.n(), data.d(), data.nq(), K));
        out.append(String.format(Locale.ROOT, "Run %s, %d cores; load average before %s, after %s.%n%n", runId,
            Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
        EsResults.Record base = records.stream().filter(r -> r.query().equals(BASELINE)).findFirst().orElse(null);
        out.append("| query | recall@10 | p50 ms | p95 ms | QPS, " + CLIENTS + " clients | store B/vector | resident B/vector | index s "
            + "| p50 / bbq_hnsw | QPS / bbq_hnsw | resident / bbq_hnsw | index s / bbq_hnsw |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (EsResults.Record r : records) {
            out.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s |%n", r.query(),
                r.recallAt10(), r.p50Ms(), r.p95Ms(), r.qps4(), r.storeBytesPerVector(), r.residentBytesPerVector(), r.indexSeconds(),
                ratio(r.p50Ms(), base == null ? 0 : base.p50Ms()), ratio(r.qps4(), base == null ? 0 : base.qps4()),
                ratio(r.residentBytesPerVector(), base == null ? 0 : base.residentBytesPerVector()),
                ratio(r.indexSeconds(), base == null ? 0 : base.indexSeconds())));
        }
        out.append("\nVector files per index (bytes per vector; resident leaves out raw `vec`/`vemf` except for `flat`):\n\n");
        for (Map.Entry<String, IndexStats> e : stats.entrySet()) {
            IndexStats s = e.getValue();
            StringBuilder files = new StringBuilder();
            s.vectorFiles().forEach((ext, bytes) -> files.append(String.format(Locale.ROOT, " .%s %.1f", ext, bytes / (double) s.docs())));
            out.append(String.format(Locale.ROOT, "- `%s`: bulk + refresh %.1f s, force merge %.1f s;%s%n", e.getKey(), s.indexSeconds(),
                s.mergeSeconds(), files));
        }
        for (String name : refused) {
            out.append(String.format(Locale.ROOT, "- `%s`: refused by the node (see above), not measured%n", name));
        }
        System.out.print(out);
    }

    private static String ratio(double value, double baseline) {
        return baseline > 0 ? String.format(Locale.ROOT, "%.2f", value / baseline) : "-";
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
