package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * {@code pq_vector} and {@code pq_knn} on the real distribution, with the {@code integ-vectors}
 * bundle (cosine, D=16, M=4, 8-bit) that make-bundles.sh made: mapping, bulk with a bad vector,
 * top-k, hybrid bool, native knn on the child, and the checksum guard over HTTP. Without
 * assertions (as in production), and with the node's entitlements.
 */
public class PqVectorIT {

    private static final RealNode NODE = RealNode.fromBuild();
    private static final String INDEX = "pq-it";
    private static final int N = 60;
    private static float[][] vectors;

    @BeforeClass
    public static void indexDocuments() {
        NODE.delete("/" + INDEX);
        RealNode.Response created = NODE.put(
            "/" + INDEX,
            "{\"settings\": {\"number_of_shards\": 2, \"number_of_replicas\": 0}, \"mappings\": {\"properties\": {"
                + "\"title\": {\"type\": \"text\"}, \"emb\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\"}}}}"
        );
        assertEquals(created.body(), 200, created.status());
        Random random = new Random(3);
        vectors = new float[N][16];
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < 16; j++) {
                vectors[i][j] = (float) random.nextGaussian();
            }
            bulk.append("{\"index\": {\"_id\": \"d").append(i).append("\"}}\n");
            bulk.append("{\"title\": \"").append(i % 2 == 0 ? "rain" : "wind").append(" clip ").append(i).append("\", \"emb\": ")
                .append(json(vectors[i])).append("}\n");
        }
        bulk.append("{\"index\": {\"_id\": \"bad\"}}\n{\"emb\": [1, 2, 3]}\n");
        RealNode.Response response = NODE.bulk("/" + INDEX + "/_bulk?refresh=true", bulk.toString());
        assertEquals(response.body(), 200, response.status());
        assertEquals(true, response.json().get("errors"));
        assertTrue(response.body(), response.body().contains("expects vectors of [16] dimensions (model bundle [integ-vectors]), the document has [3]"));
    }

    @AfterClass
    public static void cleanUp() {
        NODE.delete("/" + INDEX);
        NODE.delete("/pq-it-mismatch");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(RealNode.Response response) {
        assertEquals(response.body(), 200, response.status());
        return (List<Map<String, Object>>) ((Map<String, Object>) response.json().get("hits")).get("hits");
    }

    @Test
    @SuppressWarnings("unchecked")
    public void mappingRecordsTheBundle() {
        RealNode.Response response = NODE.get("/" + INDEX + "/_mapping");
        Map<String, Object> emb = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) response.json()
            .get(INDEX)).get("mappings")).get("properties")).get("emb");
        Map<String, Object> models = (Map<String, Object>) NODE.get("/_audio_pq/models/integ-vectors").json().get("models");
        assertEquals(((Map<String, Object>) models.get("integ-vectors")).get("checksum"), emb.get("model_checksum"));
        assertEquals(16, emb.get("dims"));
        assertEquals("cosine", emb.get("similarity"));
        assertEquals(N, ((Number) NODE.get("/" + INDEX + "/_count").json().get("count")).intValue());
    }

    @Test
    public void topKFindsTheDocumentItselfWithAnExactScore() {
        for (int doc : new int[] { 0, 17, 42 }) {
            List<Map<String, Object>> hits = hits(
                NODE.post("/" + INDEX + "/_search", "{\"size\": 5, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": "
                    + json(vectors[doc]) + ", \"k\": 5}}}")
            );
            assertEquals(5, hits.size());
            assertEquals("d" + doc, hits.get(0).get("_id"));
            assertEquals(1.0, ((Number) hits.get(0).get("_score")).doubleValue(), 1e-5);
        }
    }

    @Test
    public void hybridBoolAddsTextAndVectorScores() {
        float[] q = vectors[8];
        List<Map<String, Object>> text = hits(NODE.post("/" + INDEX + "/_search", "{\"size\": 100, \"query\": {\"match\": {\"title\": \"rain\"}}}"));
        List<Map<String, Object>> vector = hits(
            NODE.post("/" + INDEX + "/_search", "{\"size\": 100, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + json(q) + "}}}")
        );
        assertEquals(N / 2, text.size());
        assertEquals(N, vector.size());
        List<Map<String, Object>> hybrid = hits(
            NODE.post(
                "/" + INDEX + "/_search",
                "{\"size\": 100, \"query\": {\"bool\": {\"must\": [{\"match\": {\"title\": \"rain\"}}], \"should\": "
                    + "[{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + json(q) + "}}]}}}"
            )
        );
        assertEquals(N / 2, hybrid.size());
        for (Map<String, Object> hit : hybrid) {
            double expected = score(text, hit.get("_id")) + score(vector, hit.get("_id"));
            assertEquals(hit.toString(), expected, ((Number) hit.get("_score")).doubleValue(), 1e-4);
        }
        assertEquals("d8", hybrid.get(0).get("_id"));
    }

    /**
     * The stored _source leaves the vector out (index.mapping.exclude_source_vectors, true on new
     * indices): GET with _source_exclude_vectors=false rebuilds it from the raw vectors, also after a
     * partial update. cosine keeps the normalised vector and its magnitude, so float rounding only.
     */
    @Test
    @SuppressWarnings("unchecked")
    public void getReturnsTheVectorAndAPartialUpdateKeepsIt() {
        for (int doc : new int[] { 3, 30 }) {
            RealNode.Response got = NODE.get("/" + INDEX + "/_doc/d" + doc + "?_source_exclude_vectors=false");
            assertEquals(got.body(), 200, got.status());
            assertVector(vectors[doc], ((Map<String, Object>) got.json().get("_source")).get("emb"));
        }
        // A plain GET leaves vectors out, as for dense_vector.
        Map<String, Object> plain = (Map<String, Object>) NODE.get("/" + INDEX + "/_doc/d3").json().get("_source");
        assertEquals(Map.of("title", "wind clip 3"), plain);

        RealNode.Response updated = NODE.post("/" + INDEX + "/_update/d30?refresh=true", "{\"doc\": {\"title\": \"thunder\"}}");
        assertEquals(updated.body(), 200, updated.status());
        Map<String, Object> source = (Map<String, Object>) NODE.get("/" + INDEX + "/_doc/d30?_source_exclude_vectors=false").json().get("_source");
        assertEquals("thunder", source.get("title"));
        assertVector(vectors[30], source.get("emb"));
        List<Map<String, Object>> hits = hits(
            NODE.post("/" + INDEX + "/_search", "{\"size\": 1, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": "
                + json(vectors[30]) + ", \"k\": 1}}}")
        );
        assertEquals("d30", hits.get(0).get("_id"));
    }

    static void assertVector(float[] expected, Object actual) {
        List<?> values = (List<?>) actual;
        assertEquals(String.valueOf(actual), expected.length, values.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals("[" + i + "]", expected[i], ((Number) values.get(i)).floatValue(), 1e-6f * Math.max(1f, Math.abs(expected[i])));
        }
    }

    @Test
    public void nativeKnnOnTheChildField() {
        List<Map<String, Object>> knn = hits(
            NODE.post("/" + INDEX + "/_search", "{\"size\": 3, \"knn\": {\"field\": \"emb.pq\", \"query_vector\": " + json(vectors[5]) + ", \"k\": 3, \"num_candidates\": 3}}")
        );
        assertEquals(3, knn.size());
        assertEquals("d5", knn.get(0).get("_id"));
    }

    @Test
    public void aMappingWithAnotherChecksumIsRefusedWithBothChecksums() {
        String recorded = "0".repeat(64);
        RealNode.Response created = NODE.put(
            "/pq-it-mismatch",
            "{\"mappings\": {\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\", \"model_checksum\": \"" + recorded
                + "\", \"dims\": 16, \"m\": 4, \"bits\": 8, \"similarity\": \"cosine\"}}}}"
        );
        assertEquals(created.body(), 200, created.status());
        RealNode.Response indexed = NODE.put("/pq-it-mismatch/_doc/1", "{\"emb\": " + json(vectors[0]) + "}");
        assertFalse(indexed.body(), indexed.status() == 200 || indexed.status() == 201);
        assertTrue(indexed.body(), indexed.body().contains("cannot index field [emb] on node [audiopq-node-0]: model bundle [integ-vectors] on this node has checksum ["));
        assertTrue(indexed.body(), indexed.body().contains("but the mapping recorded checksum [" + recorded + "]"));
        RealNode.Response searched = NODE.post("/pq-it-mismatch/_search", "{\"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + json(vectors[0]) + "}}}");
        assertFalse(searched.body(), searched.status() == 200);
        assertTrue(searched.body(), searched.body().contains("cannot search field [emb] on node [audiopq-node-0]"));
    }

    /**
     * Global IVF on the real node: the bundle's centroids fill in the mapping's lists, a query
     * probing every list returns what the exhaustive field returns (the bundle's codes are direct),
     * and the mapping's nprobe scans a subset.
     */
    @Test
    @SuppressWarnings("unchecked")
    public void ivfTakesTheBundlesCentroids() {
        String index = "pq-it-ivf";
        NODE.delete("/" + index);
        try {
            RealNode.Response created = NODE.put(
                "/" + index,
                "{\"mappings\": {\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\", \"ivf\": {\"nprobe\": 4}}, "
                    + "\"flat\": {\"type\": \"pq_vector\", \"model\": \"integ-vectors\"}}}}"
            );
            assertEquals(created.body(), 200, created.status());
            Map<String, Object> emb = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) NODE
                .get("/" + index + "/_mapping").json().get(index)).get("mappings")).get("properties")).get("emb");
            assertEquals(Map.of("nlist", 51, "nprobe", 4, "centroids", "bundle"), emb.get("ivf"));
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < N; i++) {
                bulk.append("{\"index\": {\"_id\": \"d").append(i).append("\"}}\n{\"emb\": ").append(json(vectors[i]))
                    .append(", \"flat\": ").append(json(vectors[i])).append("}\n");
            }
            assertEquals(200, NODE.bulk("/" + index + "/_bulk?refresh=true", bulk.toString()).status());
            for (int doc : new int[] { 3, 29 }) {
                String query = json(vectors[doc]) + ", \"k\": 10, \"rescore\": {\"oversample\": 0}";
                List<Map<String, Object>> all = hits(NODE.post("/" + index + "/_search", "{\"size\": 10, \"_source\": false, \"query\": {\"pq_knn\": "
                    + "{\"field\": \"emb\", \"nprobe\": 51, \"query_vector\": " + query + "}}}"));
                List<Map<String, Object>> flat = hits(NODE.post("/" + index + "/_search", "{\"size\": 10, \"_source\": false, \"query\": {\"pq_knn\": "
                    + "{\"field\": \"flat\", \"query_vector\": " + query + "}}}"));
                assertEquals(flat.stream().map(h -> h.get("_id")).toList(), all.stream().map(h -> h.get("_id")).toList());
                List<Map<String, Object>> fewer = hits(NODE.post("/" + index + "/_search", "{\"size\": 10, \"_source\": false, \"query\": {\"pq_knn\": "
                    + "{\"field\": \"emb\", \"query_vector\": " + query + "}}}"));
                // The mapping's nprobe (4 of 51 lists) scans a subset of the codes: at every rank it can only do as well.
                for (int i = 0; i < fewer.size(); i++) {
                    assertTrue(((Number) fewer.get(i).get("_score")).doubleValue() <= ((Number) all.get(i).get("_score")).doubleValue());
                }
            }
        } finally {
            NODE.delete("/" + index);
        }
    }

    private static double score(List<Map<String, Object>> hits, Object id) {
        for (Map<String, Object> hit : hits) {
            if (hit.get("_id").equals(id)) {
                return ((Number) hit.get("_score")).doubleValue();
            }
        }
        return 0;
    }

    static String json(float[] v) {
        List<String> parts = new ArrayList<>();
        for (float x : v) {
            parts.add(Float.toString(x));
        }
        return "[" + String.join(",", parts) + "]";
    }
}
