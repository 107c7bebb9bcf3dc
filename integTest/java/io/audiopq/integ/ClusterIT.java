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
