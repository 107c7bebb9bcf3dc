package io.audiopq.integ;

import io.audiopq.model.BundleArchive;
import io.audiopq.testing.RealNode;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * A real cluster of the distribution on loopback: three nodes started together by
 * {@code node.sh cluster-start 3} (their own ports, seed hosts and initial masters), a fourth
 * added later. One bundle upload through HTTP is loaded by every node, the late node included, with
 * no restart; {@code DELETE} is refused while a mapping names the bundle and allowed once the index
 * is gone; {@code pq_knn} (ADC scores) returns the same hits and scores from a one-shard and a three-shard index.
 * Last, {@code _train} whose node is killed mid-training leaves no bundle on the others.
 * One cluster start serves every step (a single test method, in order).
 */
public class ClusterIT {

    private static final String BUNDLE = "integ-cluster-vectors";
    private static final Path DIR = Path.of(System.getProperty("audiopq.node.dir", "target/integ-node")).resolveSibling("integ-cluster");

    private static Map<String, String> env() throws IOException {
        // The distribution Maven copied for the single node: the cluster runs from the same zip.
        Path buildNode = Path.of(System.getProperty("audiopq.node.dir", "target/integ-node"));
        try (var files = Files.list(buildNode)) {
            Path zip = files.filter(f -> f.getFileName().toString().matches("elasticsearch-.*\\.zip")).findFirst()
                .orElseThrow(() -> new IOException("no distribution zip in " + buildNode));
            return Map.of("ES_ZIP", zip.toString());
        }
    }

    @BeforeClass
    public static void startCluster() throws Exception {
        RealNode.nodeScript(DIR, env(), "cluster-start", "3");
    }

    @AfterClass
    public static void stopCluster() throws Exception {
        RealNode.nodeScript(DIR, env(), "cluster-stop");
    }

    @Test
    @SuppressWarnings("unchecked")
    public void uploadLoadsEverywhereDeleteFollowsMappingsAndShardCountDoesNotChangeResults() throws Exception {
        List<RealNode> nodes = RealNode.cluster(DIR);
        assertEquals(3, nodes.size());

        RealNode.Response put = nodes.get(0).putBytes("/_audio_pq/models/" + BUNDLE, archive(), "application/zip");
        assertEquals(put.body(), 200, put.status());
        assertEquals(put.body(), "loaded", put.json().get("status"));
        assertEquals(put.body(), 3, ((Map<String, Object>) put.json().get("nodes")).size());
        String checksum = (String) put.json().get("checksum");
        assertLoadedOn(nodes.get(1), checksum, 3);

        RealNode.nodeScript(DIR, env(), "cluster-add");
        nodes = RealNode.cluster(DIR);
        assertEquals(4, nodes.size());
        RealNode late = nodes.get(3);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                assertLoadedOn(late, checksum, 4);
                break;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }

        // The same vectors in a one-shard and a three-shard index, both mapped to the uploaded bundle.
        for (String index : List.of("one-shard", "three-shards")) {
            int shards = index.equals("one-shard") ? 1 : 3;
            RealNode.Response created = nodes.get(0).put("/" + index, "{\"settings\": {\"number_of_shards\": " + shards
                + ", \"number_of_replicas\": 1}, \"mappings\": {\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + BUNDLE + "\"}}}}");
            assertEquals(created.body(), 200, created.status());
        }
        Random random = new Random(20240917);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            String vector = vector(random);
            for (String index : List.of("one-shard", "three-shards")) {
                bulk.append("{\"index\": {\"_index\": \"").append(index).append("\", \"_id\": \"d").append(i).append("\"}}\n");
                bulk.append("{\"emb\": ").append(vector).append("}\n");
            }
        }
        RealNode.Response indexed = nodes.get(1).bulk("/_bulk?refresh=true", bulk.toString());
        assertEquals(indexed.body(), 200, indexed.status());
        assertEquals(indexed.body(), false, indexed.json().get("errors"));
        for (int q = 0; q < 10; q++) {
            // Pure ADC (no exact rescoring): scores come from the bundle's one codebook, whatever the shard layout. With
            // rescoring each shard rescores its own k × oversample candidates, so three shards may find better hits than one.
            String query = "{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"k\": 10, \"rescore\": {\"oversample\": 0}, "
                + "\"query_vector\": " + vector(random) + "}}}";
            List<String> one = hits(nodes.get(2).post("/one-shard/_search", query));
            List<String> three = hits(nodes.get(3).post("/three-shards/_search", query));
            assertEquals("query " + q, one, three);
            assertEquals(10, one.size());
        }

        RealNode.Response refused = nodes.get(2).delete("/_audio_pq/models/" + BUNDLE);
        assertEquals(refused.body(), 409, refused.status());
        assertTrue(refused.body(), refused.body().contains("model bundle [" + BUNDLE + "] is in use: the mappings of indices [one-shard, three-shards] name it"));

        assertEquals(200, nodes.get(0).delete("/one-shard,three-shards").status());
        RealNode.Response deleted = nodes.get(2).delete("/_audio_pq/models/" + BUNDLE);
        assertEquals(deleted.body(), 200, deleted.status());
        for (RealNode node : nodes) {
            assertEquals(404, node.get("/_audio_pq/models/" + BUNDLE).status());
        }

        killingTheTrainingNodeLeavesNoModel(nodes);
    }

    /**
     * {@code _train} on a node that is then killed (SIGKILL) while {@code _tasks} shows it training
     * (1,000 k-means iterations per subspace: far from done then): the waiting client gets an error,
     * and no node that is left has or lists a bundle of that name. The last step: it leaves the
     * cluster one node short.
     */
    @SuppressWarnings("unchecked")
    private static void killingTheTrainingNodeLeavesNoModel(List<RealNode> nodes) throws Exception {
        String name = "integ-cluster-trained";
        RealNode.Response created = nodes.get(0).put("/train-source", "{\"settings\": {\"number_of_shards\": 2, \"number_of_replicas\": 1}, "
            + "\"mappings\": {\"properties\": {\"v\": {\"type\": \"dense_vector\", \"dims\": 16, \"similarity\": \"l2_norm\", "
            + "\"index_options\": {\"type\": \"flat\"}}}}}");
        assertEquals(created.body(), 200, created.status());
        Random random = new Random(20261202);
        for (int batch = 0; batch < 4; batch++) {
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                bulk.append("{\"index\": {}}\n{\"v\": ").append(vector(random)).append("}\n");
            }
            RealNode.Response indexed = nodes.get(0).bulk("/train-source/_bulk", bulk.toString());
            assertEquals(indexed.body(), false, indexed.json().get("errors"));
        }
        assertEquals(200, nodes.get(0).post("/train-source/_refresh", null).status());

        // Train on a node that is not the elected master, so that the rest of the cluster keeps its master.
        String master = (String) ((List<Map<String, Object>>) (Object) jsonArray(nodes.get(0).get("/_cat/master?format=json"))).get(0).get("node");
        int victim = nodes.size() - 1;
        while (("audiopq-node-" + victim).equals(master)) {
            victim--;
        }
        RealNode trainer = nodes.get(victim);
        java.util.concurrent.CompletableFuture<RealNode.Response> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> trainer.post(
            "/_audio_pq/models/" + name + "/_train", "{\"index\": \"train-source\", \"field\": \"v\", \"m\": 4, \"iterations\": 1000}"));
        while (true) {
            Map<String, Object> listed = trainer.get("/_tasks?detailed&actions=*audio_pq/models/train").json();
            Map<String, Object> status = null;
            for (Object node : ((Map<String, Object>) listed.get("nodes")).values()) {
                for (Object task : ((Map<String, Object>) ((Map<String, Object>) node).get("tasks")).values()) {
                    status = (Map<String, Object>) ((Map<String, Object>) task).get("status");
                }
            }
            assertTrue("the training ended before it was seen training: " + (answer.isDone() ? answer.get().body() : ""), answer.isDone() == false);
            if (status != null && "training".equals(status.get("phase")) && status.containsKey("stage")) {
                break;
            }
            Thread.sleep(20);
        }
        long pid = Long.parseLong(Files.readString(DIR.resolve("state/nodes/" + victim + "/pid")).trim());
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);

        // The waiting client loses its connection with the node: an error, not a bundle.
        try {
            RealNode.Response response = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            throw new AssertionError("the training answered although its node was killed: " + response.status() + " " + response.body());
        } catch (java.util.concurrent.ExecutionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof java.io.UncheckedIOException);
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (i == victim) {
                continue;
            }
            RealNode node = nodes.get(i);
            RealNode.Response one = node.get("/_audio_pq/models/" + name);
            assertEquals(one.body(), 404, one.status());
            Map<String, Object> models = (Map<String, Object>) node.get("/_audio_pq/models").json().get("models");
            assertTrue(models.keySet().toString(), models.containsKey(name) == false);
        }
        // The name is free: a training elsewhere may take it.
        RealNode.Response again = nodes.get(0).post("/_audio_pq/models/" + name + "/_train",
            "{\"index\": \"train-source\", \"field\": \"v\", \"m\": 4, \"bits\": 4, \"max_vectors\": 2000}");
        assertEquals(again.body(), 200, again.status());
        assertEquals(again.body(), 200, nodes.get(0).delete("/_audio_pq/models/" + name).status());
    }

    private static Object jsonArray(RealNode.Response response) throws IOException {
        assertEquals(response.body(), 200, response.status());
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(response.body(), List.class);
    }

    @SuppressWarnings("unchecked")
    private static void assertLoadedOn(RealNode node, String checksum, int nodeCount) {
        RealNode.Response response = node.get("/_audio_pq/models/" + BUNDLE);
        assertEquals(response.body(), 200, response.status());
        Map<String, Object> bundle = (Map<String, Object>) ((Map<String, Object>) response.json().get("models")).get(BUNDLE);
        assertEquals(response.body(), "loaded", bundle.get("status"));
        assertEquals(response.body(), "cluster", bundle.get("source"));
        Map<String, Object> perNode = (Map<String, Object>) bundle.get("nodes");
        assertEquals(response.body(), nodeCount, perNode.size());
        for (Object status : perNode.values()) {
            assertEquals(response.body(), Map.of("status", "loaded", "checksum", checksum), status);
        }
    }

    /** Hit ids with their scores, as the search returned them. */
    @SuppressWarnings("unchecked")
    private static List<String> hits(RealNode.Response response) {
        assertEquals(response.body(), 200, response.status());
        List<String> hits = new ArrayList<>();
        for (Object hit : (List<Object>) ((Map<String, Object>) response.json().get("hits")).get("hits")) {
            Map<String, Object> h = (Map<String, Object>) hit;
            hits.add(h.get("_id") + "@" + String.format(Locale.ROOT, "%.6f", ((Number) h.get("_score")).doubleValue()));
        }
        return hits;
    }

    private static String vector(Random random) {
        StringBuilder v = new StringBuilder("[");
        for (int d = 0; d < 16; d++) {
            v.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", random.nextGaussian()));
        }
        return v.append(']').toString();
    }

    /** The ITs' 16-dimensional codebook bundle (make-bundles.sh) under this test's own name, zipped. */
    private static byte[] archive() throws IOException {
        Path bundles = Path.of(System.getProperty("audiopq.integ.bundles", "target/integ-bundles"));
        Path folder = Files.createTempDirectory("cluster-bundle").resolve(BUNDLE);
        Files.createDirectories(folder);
        // Every file but model.json (codebook, IVF centroids), and model.json under this test's name.
        try (var files = Files.list(bundles.resolve("integ-vectors"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("model.json") == false).toList()) {
                Files.copy(file, folder.resolve(file.getFileName().toString()));
            }
        }
        Files.writeString(folder.resolve("model.json"),
            Files.readString(bundles.resolve("integ-vectors").resolve("model.json")).replace("\"integ-vectors\"", "\"" + BUNDLE + "\""));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        BundleArchive.zipFolder(folder, zip);
        return zip.toByteArray();
    }
}
