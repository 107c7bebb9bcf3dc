package io.audiopq.integ;

import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.TopKHeap;
import io.audiopq.quantization.VectorMath;
import io.audiopq.testing.GaussianMixture;
import io.audiopq.testing.RealNode;

import org.junit.BeforeClass;
import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * {@code POST _audio_pq/models/{name}/_train} on the real node (the build's one node, shared with
 * the other ITs): 100,000 Gaussian-mixture vectors in a {@code dense_vector} field are trained on
 * in the cluster and by the offline tool ({@code make-bundle.sh}'s {@code CodebookBundleTool}) on
 * the same sample; the codebooks' recall@10 is compared; the task is watched in {@code _tasks},
 * cancelled, and every precondition's refusal is checked.
 */
public class TrainModelIT {

    private static final int D = 32;
    private static final int N = 100_000;
    private static final String VECTORS = "train-vectors";
    private static final String FEW = "train-few";
    private static final String NARROW = "train-narrow";
    private static final String PQ_RAW = "pqtrain-raw";
    private static final String PQ_CODES = "pqtrain-codes";
    private static final String SEGMENTS = "pqtrain-segments";
    private static final String TRAIN_ACTION = "cluster:admin/audio_pq/models/train";

    private static final RealNode node = RealNode.fromBuild();
    private static float[] data;

    @BeforeClass
    public static void indexVectors() {
        GaussianMixture mixture = new GaussianMixture(D, 64, 1f, 0.3f, 8, 20261202L);
        data = mixture.sample(N, 1L);
        // flat: no HNSW graph to build, the test only needs the vectors to be stored.
        String mapping = "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0}, \"mappings\": {\"properties\": {"
            + "\"v\": {\"type\": \"dense_vector\", \"dims\": %d, \"similarity\": \"l2_norm\", \"index_options\": {\"type\": \"flat\"}},"
            + "\"tag\": {\"type\": \"keyword\"}}}}";
        for (String index : List.of(VECTORS, FEW, NARROW)) {
            node.delete("/" + index);
            RealNode.Response created = node.put("/" + index, String.format(Locale.ROOT, mapping, index.equals(NARROW) ? 16 : D));
            assertEquals(created.body(), 200, created.status());
        }
        bulk(VECTORS, data, N, D);
        bulk(FEW, data, 100, D);
        bulk(NARROW, mixture.sample(300, 2L), 300, D, 16);
        // pq_vector fields mapped to the ITs' 16-dimensional bundle: with raw vectors (the default) and codes only.
        float[] narrow = mixture.sample(300, 3L);
        for (String index : List.of(PQ_RAW, PQ_CODES)) {
            node.delete("/" + index);
            RealNode.Response created = node.put("/" + index, "{\"settings\": {\"index.codec\": \"default\", \"number_of_shards\": 1, "
                + "\"number_of_replicas\": 0}, \"mappings\": {\"properties\": {\"p\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\""
                + (index.equals(PQ_CODES) ? ", \"store_raw\": false" : "") + "}}}}");
            assertEquals(created.body(), 200, created.status());
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                body.append("{\"index\":{}}\n{\"p\":[");
                for (int j = 0; j < 16; j++) {
                    body.append(j == 0 ? "" : ",").append(narrow[i * D + j]);
                }
                body.append("]}\n");
            }
            RealNode.Response response = node.bulk("/" + index + "/_bulk", body.toString());
            assertEquals(response.body(), false, response.json().get("errors"));
        }
        // The processor's output shape: segment vectors in a nested object, three per document.
        node.delete("/" + SEGMENTS);
        RealNode.Response nested = node.put("/" + SEGMENTS, "{\"settings\": {\"index.codec\": \"default\", \"number_of_shards\": 2, "
            + "\"number_of_replicas\": 0}, \"mappings\": {\"properties\": {\"segments\": {\"type\": \"nested\", \"properties\": {"
            + "\"start\": {\"type\": \"float\"}, \"embedding\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\"}}}}}}");
        assertEquals(nested.body(), 200, nested.status());
        StringBuilder segments = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            segments.append("{\"index\":{}}\n{\"segments\":[");
            for (int s = 0; s < 3; s++) {
                segments.append(s == 0 ? "" : ",").append("{\"start\":").append(s * 0.5).append(",\"embedding\":[");
                for (int j = 0; j < 16; j++) {
                    segments.append(j == 0 ? "" : ",").append(narrow[(3 * i + s) % 300 * D + j]);
                }
                segments.append("]}");
            }
            segments.append("]}\n");
        }
        RealNode.Response indexed = node.bulk("/" + SEGMENTS + "/_bulk", segments.toString());
        assertEquals(indexed.body(), false, indexed.json().get("errors"));
        for (String index : List.of(VECTORS, FEW, NARROW, PQ_RAW, PQ_CODES, SEGMENTS)) {
            assertEquals(200, node.post("/" + index + "/_refresh", null).status());
        }
    }

    private static void bulk(String index, float[] vectors, int n, int d) {
        bulk(index, vectors, n, d, d);
    }

    /** Bulk-indexes the first {@code keep} coordinates of n d-dimensional vectors. */
    private static void bulk(String index, float[] vectors, int n, int d, int keep) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < n; i++) {
            body.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"tag\":\"t").append(i % 7).append("\",\"v\":[");
            for (int j = 0; j < keep; j++) {
                body.append(j == 0 ? "" : ",").append(vectors[i * d + j]);
            }
            body.append("]}\n");
            if ((i + 1) % 10_000 == 0 || i == n - 1) {
                RealNode.Response response = node.bulk("/" + index + "/_bulk", body.toString());
                assertEquals(response.body(), 200, response.status());
                assertEquals(response.body().substring(0, Math.min(500, response.body().length())), false, response.json().get("errors"));
                body.setLength(0);
            }
        }
    }

    private static RealNode.Response train(String name, String body) {
        return node.post("/_audio_pq/models/" + name + "/_train", body);
    }

    /** A refusal: its status, and its top-level reason starts with {@code reason}. */
    @SuppressWarnings("unchecked")
    private static void assertRefused(RealNode.Response response, int status, String reason) {
        assertEquals(response.body(), status, response.status());
        String actual = (String) ((Map<String, Object>) response.json().get("error")).get("reason");
        assertTrue("expected a reason starting with [" + reason + "], got [" + actual + "]", actual.startsWith(reason));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void refusesEveryPreconditionUpFrontAndStoresNothing() {
        String name = "train-it-refused";
        assertRefused(train(name, "{\"index\": \"no-such-index\", \"field\": \"v\", \"m\": 8}"), 400,
            "[index] [no-such-index] matches no open index");
        assertRefused(train(name, "{\"index\": \"" + VECTORS + "\", \"field\": \"nope\", \"m\": 8}"), 400,
            "[field] [nope] is not mapped in index [" + VECTORS + "]");
        assertRefused(train(name, "{\"index\": \"" + VECTORS + "\", \"field\": \"tag\", \"m\": 8}"), 400,
            "[field] [tag] in index [" + VECTORS + "] is of type [keyword]; training needs a [dense_vector] (float) or [pq_vector] field");
        assertRefused(train(name, "{\"index\": \"train-*\", \"field\": \"v\", \"m\": 8}"), 400,
            "[field] [v] has different dimensions in the resolved indices: 16 in [" + NARROW + "], 32 in [" + FEW + ", " + VECTORS + "]");
        assertRefused(train(name, "{\"index\": \"" + VECTORS + "\", \"field\": \"v\", \"m\": 5}"), 400,
            "[m] 5 must divide the dimensions of field [v], which are 32");
        assertRefused(train(name, "{\"index\": \"" + VECTORS + "\", \"field\": \"v\", \"m\": 8, \"bits\": 6}"), 400,
            "Validation Failed: 1: [bits] must be 4 or 8, got 6;");
        assertRefused(train(name, "{\"index\": \"" + VECTORS + "\", \"field\": \"v\", \"m\": 8, \"feild\": 1}"), 400,
            "[1:50] [audio_pq_train] unknown field [feild] did you mean [field]?");
        assertRefused(train(name, "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8}"), 400,
            "[bits] 8 needs at least 256 vectors (2^bits codewords per subspace; ideally 30x that), but field [v] holds 100 in [" + FEW + "]");
        assertRefused(train(name, "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8, \"bits\": 4, \"ivf\": {\"nlist\": 200}}"), 400,
            "[ivf.nlist] 200 needs at least as many training vectors, got 100");
        assertRefused(train("Bad_Name", "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8, \"bits\": 4}"), 400,
            "model bundle [Bad_Name]: ");
        // The ITs' config-folder bundle, as PUT refuses it.
        assertRefused(train("integ-vectors", "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8, \"bits\": 4}"), 409,
            "model bundle [integ-vectors] is installed in the config folder");
        assertRefused(train(name, "{\"index\": \"" + PQ_CODES + "\", \"field\": \"p\", \"m\": 4, \"bits\": 4}"), 400,
            "[field] [p] in index [" + PQ_CODES + "] is a [pq_vector] with [store_raw: false]: only its codes are kept");
        assertEquals(404, node.get("/_audio_pq/models/" + name).status());

        // Too few vectors per centroid is a warning (as FAISS's), not a refusal; a name taken by a stored bundle is a 409.
        String small = "train-it-small";
        node.delete("/_audio_pq/models/" + small);
        RealNode.Response ok = train(small, "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8, \"bits\": 4, \"ivf\": {\"nlist\": 8}}");
        assertEquals(ok.body(), 200, ok.status());
        assertEquals(ok.body(), "loaded", ok.json().get("status"));
        assertEquals(List.of("[ivf.nlist] 8 is trained on 100 vectors, fewer than 39 per centroid (FAISS warns below that); the automatic rule "
            + "would choose 2"), ok.json().get("warnings"));
        Map<String, Object> listed = (Map<String, Object>) ((Map<String, Object>) node.get("/_audio_pq/models/" + small).json().get("models")).get(small);
        assertEquals(listed.toString(), Map.of("centroids", "centroids.ivf", "nlist", 8, "encoding", "direct"), listed.get("ivf"));
        assertRefused(train(small, "{\"index\": \"" + FEW + "\", \"field\": \"v\", \"m\": 8, \"bits\": 4}"), 409,
            "model bundle [" + small + "] already exists in the cluster");
        assertEquals(200, node.delete("/_audio_pq/models/" + small).status());
    }

    /** A pq_vector field's raw vectors (left out of the stored _source, as dense_vector's) train too, with the field's similarity. */
    @Test
    @SuppressWarnings("unchecked")
    public void trainsOnAPqVectorFieldsRawVectors() {
        String name = "train-it-from-pq";
        node.delete("/_audio_pq/models/" + name);
        RealNode.Response ok = train(name, "{\"index\": \"" + PQ_RAW + "\", \"field\": \"p\", \"m\": 4, \"bits\": 4}");
        assertEquals(ok.body(), 200, ok.status());
        Map<String, Object> training = (Map<String, Object>) ok.json().get("training");
        assertEquals(training.toString(), 300, training.get("vectors_used"));
        assertEquals(training.toString(), 16, training.get("dimensions"));
        // integ-vectors is a cosine bundle, so the mapping's similarity is cosine.
        assertEquals(training.toString(), "cosine", training.get("similarity"));
        assertEquals(200, node.delete("/_audio_pq/models/" + name).status());
    }

    /** Segment vectors in a nested object (the processor's output) are counted and read one per nested document. */
    @Test
    @SuppressWarnings("unchecked")
    public void trainsOnNestedSegmentVectors() {
        String name = "train-it-from-segments";
        node.delete("/_audio_pq/models/" + name);
        // 300 segment vectors in 100 documents: enough for 8 bits only when every nested vector counts.
        RealNode.Response ok = train(name, "{\"index\": \"" + SEGMENTS + "\", \"field\": \"segments.embedding\", \"m\": 4, \"bits\": 8}");
        assertEquals(ok.body(), 200, ok.status());
        Map<String, Object> training = (Map<String, Object>) ok.json().get("training");
        assertEquals(training.toString(), 300, training.get("vectors_used"));
        assertEquals(training.toString(), 16, training.get("dimensions"));
        assertEquals(200, node.delete("/_audio_pq/models/" + name).status());
    }

    /**
     * Cancelled through {@code _tasks/_cancel} once {@code _tasks} shows it training (with 1,000
     * iterations per subspace it cannot be close to done then): the task ends with
     * {@code task_cancelled_exception} and no bundle of that name exists anywhere.
     */
    @Test
    @SuppressWarnings("unchecked")
    public void aCancelledTrainingLeavesNothingBehind() throws Exception {
        String name = "train-it-cancelled";
        RealNode.Response started = node.post("/_audio_pq/models/" + name + "/_train?wait_for_completion=false",
            "{\"index\": \"" + VECTORS + "\", \"field\": \"v\", \"m\": 8, \"max_vectors\": " + N + ", \"iterations\": 1000}");
        assertEquals(started.body(), 200, started.status());
        String taskId = (String) started.json().get("task");
        Map<String, Object> status;
        while (true) {
            RealNode.Response listed = node.get("/_tasks?detailed&actions=*audio_pq*");
            assertEquals(listed.body(), 200, listed.status());
            status = null;
            for (Object n : ((Map<String, Object>) listed.json().get("nodes")).values()) {
                Map<String, Object> task = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) n).get("tasks")).get(taskId);
                if (task != null) {
                    assertEquals(TRAIN_ACTION, task.get("action"));
                    assertEquals(true, task.get("cancellable"));
                    assertTrue(task.toString(), ((String) task.get("description")).startsWith("train model [" + name + "] on index [" + VECTORS + "]"));
                    status = (Map<String, Object>) task.get("status");
                }
            }
            assertNotNull("the task ended before it was seen training: " + node.get("/_tasks/" + taskId).body(), status);
            if ("training".equals(status.get("phase")) && status.containsKey("stage")) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(N, ((Number) status.get("vectors_read")).intValue());
        assertEquals(1000, status.get("iterations"));

        RealNode.Response cancel = node.post("/_tasks/" + taskId + "/_cancel", null);
        assertEquals(cancel.body(), 200, cancel.status());
        RealNode.Response result = node.get("/_tasks/" + taskId + "?wait_for_completion=true&timeout=60s");
        assertEquals(result.body(), 200, result.status());
        Map<String, Object> done = result.json();
        assertEquals(done.toString(), true, done.get("completed"));
        Map<String, Object> error = (Map<String, Object>) done.get("error");
        assertNotNull("the training should have been cancelled: " + done, error);
        assertEquals(error.toString(), "task_cancelled_exception", error.get("type"));
        assertEquals(404, node.get("/_audio_pq/models/" + name).status());
        Map<String, Object> models = (Map<String, Object>) node.get("/_audio_pq/models").json().get("models");
        assertFalse(models.keySet().toString(), models.containsKey(name));
        // Nothing half-made either: the name is free for the next training or upload.
        assertEquals(404, node.delete("/_audio_pq/models/" + name).status());
    }

    /**
     * Trains on all 100,000 vectors without waiting, watches the task until it completes, then
     * trains the offline tool on the same vectors (read back through the same point-in-time order)
     * and compares the codebooks and their recall@10.
     */
    @Test
    @SuppressWarnings("unchecked")
    public void trainsTheSameCodebookAsTheOfflineTool() throws Exception {
        String name = "train-it-100k";
        node.delete("/_audio_pq/models/" + name);
        RealNode.Response started = node.post("/_audio_pq/models/" + name + "/_train?wait_for_completion=false",
            "{\"index\": \"" + VECTORS + "\", \"field\": \"v\", \"m\": 8, \"bits\": 8, \"max_vectors\": " + N + "}");
        assertEquals(started.body(), 200, started.status());
        String taskId = (String) started.json().get("task");
        assertNotNull(started.body(), taskId);

        // Watch the task while it runs: every status seen is well-formed; the phases only move forward.
        List<String> order = List.of("checking", "sampling", "training", "storing");
        int lastPhase = 0;
        int statuses = 0;
        Map<String, Object> done;
        while (true) {
            RealNode.Response task = node.get("/_tasks/" + taskId);
            assertEquals(task.body(), 200, task.status());
            done = task.json();
            if (Boolean.TRUE.equals(done.get("completed"))) {
                break;
            }
            Map<String, Object> status = (Map<String, Object>) ((Map<String, Object>) done.get("task")).get("status");
            assertEquals(TRAIN_ACTION, ((Map<String, Object>) done.get("task")).get("action"));
            int phase = order.indexOf((String) status.get("phase"));
            assertTrue(status.toString(), phase >= lastPhase);
            lastPhase = phase;
            if (status.containsKey("vectors_total")) {
                assertEquals(status.toString(), N, ((Number) status.get("vectors_total")).intValue());
                assertTrue(status.toString(), ((Number) status.get("vectors_read")).intValue() <= N);
            }
            if ("training".equals(status.get("phase")) && status.containsKey("stage")) {
                assertEquals(status.toString(), "codebook", status.get("stage"));
                assertEquals(status.toString(), 8, status.get("subspaces"));
                assertTrue(status.toString(), ((Number) status.get("subspace")).intValue() < 8);
                assertTrue(status.toString(), ((Number) status.get("iteration")).intValue() <= 25);
            }
            statuses++;
            Thread.sleep(20);
        }
        System.out.printf(Locale.ROOT, "_train: %d running statuses seen, last phase [%s]%n", statuses, order.get(lastPhase));
        assertFalse(done.toString(), done.containsKey("error"));
        Map<String, Object> response = (Map<String, Object>) done.get("response");
        assertEquals(response.toString(), "loaded", response.get("status"));
        Map<String, Object> training = (Map<String, Object>) response.get("training");
        assertEquals(training.toString(), N, training.get("vectors_read"));
        assertEquals(training.toString(), N, training.get("vectors_used"));
        assertEquals(training.toString(), D, training.get("dimensions"));
        assertEquals(training.toString(), 0, training.get("nlist"));
        assertEquals(training.toString(), "l2_norm", training.get("similarity"));
        assertEquals(List.of(VECTORS), training.get("indices"));
        System.out.printf(Locale.ROOT, "_train on %d vectors (D=%d, M=8, 8 bits): took %s ms%n", N, D, training.get("took_in_millis"));
        String checksum = (String) response.get("checksum");

        // The bundle as the node unpacked it, and as GET lists it.
        Map<String, Object> listed = (Map<String, Object>) ((Map<String, Object>) node.get("/_audio_pq/models/" + name).json().get("models")).get(name);
        assertEquals(listed.toString(), "cluster", listed.get("source"));
        assertEquals(listed.toString(), checksum, listed.get("checksum"));
        Path unpacked = node.dataDir().resolve("audio-pq/models").resolve(checksum).resolve(name);
        byte[] trained = Files.readAllBytes(unpacked.resolve("codebook.pq"));

        // The same vectors, in the order the node read them (a point in time, _shard_doc), through make-bundle.sh's tool.
        float[] sample = readBack(VECTORS, N);
        Path dir = Files.createTempDirectory("train-it");
        Path fvecs = dir.resolve("sample.fvecs");
        writeFvecs(fvecs, sample, N, D);
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            io.audiopq.tools.CodebookBundleTool.main(new String[] { "--input", fvecs.toString(), "--name", "offline", "--m", "8", "--bits", "8",
                "--similarity", "l2_norm", "--max-training-vectors", String.valueOf(N), "--nlist", "0", "--out", dir.toString() });
        } finally {
            System.setOut(stdout);
        }
        byte[] offline = Files.readAllBytes(dir.resolve("offline/codebook.pq"));

        float[] queries = new GaussianMixture(D, 64, 1f, 0.3f, 8, 20261202L).sample(200, 99L);
        double recallTrained = recallAt10(ProductQuantizer.fromBytes(trained), queries, 200);
        double recallOffline = recallAt10(ProductQuantizer.fromBytes(offline), queries, 200);
        System.out.printf(Locale.ROOT, "recall@10 (exhaustive ADC vs exact, 200 queries): _train %.4f, offline %.4f; codebooks %s%n",
            recallTrained, recallOffline, sha256(trained).equals(sha256(offline)) ? "byte-identical" : "differ");
        assertTrue("recall " + recallTrained + " vs " + recallOffline, Math.abs(recallTrained - recallOffline) <= 0.01);
        // Same sample, seed, iterations and code: the cluster's codebook is the offline tool's, byte for byte.
        assertEquals(sha256(offline), sha256(trained));

        assertEquals(200, node.delete("/_audio_pq/models/" + name).status());
    }

    /** Every vector of the index, in point-in-time {@code _shard_doc} order, as the node reads them. */
    @SuppressWarnings("unchecked")
    private static float[] readBack(String index, int n) {
        String pit = (String) node.post("/" + index + "/_pit?keep_alive=2m", null).json().get("id");
        float[] out = new float[n * D];
        int read = 0;
        List<Object> after = null;
        while (true) {
            String body = "{\"size\": 10000, \"query\": {\"exists\": {\"field\": \"v\"}}, \"pit\": {\"id\": \"" + pit + "\", \"keep_alive\": \"2m\"},"
                + "\"sort\": [\"_shard_doc\"], \"_source\": {\"includes\": [\"v\"], \"exclude_vectors\": false}, \"track_total_hits\": false"
                + (after == null ? "" : ", \"search_after\": " + after) + "}";
            RealNode.Response response = node.post("/_search", body);
            assertEquals(response.body(), 200, response.status());
            List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) response.json().get("hits")).get("hits");
            for (Map<String, Object> hit : hits) {
                List<Number> v = (List<Number>) ((Map<String, Object>) hit.get("_source")).get("v");
                for (int j = 0; j < D; j++) {
                    out[read * D + j] = v.get(j).floatValue();
                }
                read++;
            }
            if (hits.size() < 10_000) {
                break;
            }
            after = (List<Object>) hits.get(hits.size() - 1).get("sort");
        }
        node.send("DELETE", "/_pit", "{\"id\": \"" + pit + "\"}");
        assertEquals(n, read);
        return out;
    }

    private static void writeFvecs(Path file, float[] vectors, int n, int d) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(n * (d + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buffer.putInt(d);
            for (int j = 0; j < d; j++) {
                buffer.putFloat(vectors[i * d + j]);
            }
        }
        Files.write(file, buffer.array());
    }

    /** Mean overlap of the exhaustive ADC top 10 (distances to each code's reconstruction) with the exact L2 top 10. */
    private static double recallAt10(ProductQuantizer pq, float[] queries, int nq) {
        float[] decoded = new float[N * D];
        byte[] code = new byte[pq.codeSize()];
        for (int i = 0; i < N; i++) {
            pq.encode(data, i * D, code, 0);
            pq.decode(code, 0, decoded, i * D);
        }
        double hits = 0;
        for (int q = 0; q < nq; q++) {
            int[] exact = top10(data, queries, q);
            int[] approx = top10(decoded, queries, q);
            for (int a : approx) {
                for (int e : exact) {
                    if (a == e) {
                        hits++;
                    }
                }
            }
        }
        return hits / (nq * 10.0);
    }

    private static int[] top10(float[] vectors, float[] queries, int q) {
        TopKHeap best = TopKHeap.forMetric(Metric.L2, 10);
        for (int i = 0; i < N; i++) {
            best.offer(i, VectorMath.squaredDistance(queries, q * D, vectors, i * D, D));
        }
        return best.sorted().ids();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
