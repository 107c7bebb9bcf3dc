package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * A full restart of the real node: PQ segments written before it are reopened by a new JVM through
 * the format's SPI name (the no-arg format) and answer the same queries with the same scores.
 */
public class NodeRestartIT {

    private static final String INDEX = "pq-restart-it";
    private final RealNode node = RealNode.fromBuild();

    @Test
    public void codesStaySearchableAcrossARestart() throws Exception {
        node.delete("/" + INDEX);
        RealNode.Response created = node.put("/" + INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"emb": {"type": "pq_vector", "model": "integ-vectors"}}}}""");
        assertEquals(created.body(), 200, created.status());
        Random random = new Random(11);
        StringBuilder bulk = new StringBuilder();
        float[] query = null;
        for (int i = 0; i < 200; i++) {
            float[] v = new float[16];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) random.nextGaussian();
            }
            query = i == 17 ? v : query;
            bulk.append("{\"index\": {\"_id\": \"r").append(i).append("\"}}\n{\"emb\": ").append(json(v)).append("}\n");
        }
        RealNode.Response indexed = node.bulk("/" + INDEX + "/_bulk?refresh=true", bulk.toString());
        assertEquals(indexed.body(), false, indexed.json().get("errors"));
        // Flushed, so the segments are on disk and the restart does not replay them from the translog.
        assertEquals(200, node.post("/" + INDEX + "/_flush", null).status());

        String search = """
            {"size": 5, "query": {"pq_knn": {"field": "emb", "query_vector": %s, "k": 5, "rescore_vector": {"oversample": 0}}}}"""
            .formatted(json(query));
        List<Map<String, Object>> before = hits(node.post("/" + INDEX + "/_search", search));
        assertEquals("r17", before.get(0).get("_id"));
        // One more document only in the translog: the restart replays it from its original source.
        // Opposite to the query, so it never enters the top 5 compared below.
        float[] late = new float[query.length];
        for (int j = 0; j < late.length; j++) {
            late[j] = -2.5f * query[j];
        }
        assertEquals(201, node.put("/" + INDEX + "/_doc/late", "{\"emb\": " + json(late) + "}").status());

        node.restart();

        RealNode.Response health = node.get("/_cluster/health/" + INDEX + "?wait_for_status=green&timeout=60s");
        assertEquals(health.body(), 200, health.status());
        List<Map<String, Object>> after = hits(node.post("/" + INDEX + "/_search", search));
        assertEquals(before.size(), after.size());
        for (int r = 0; r < before.size(); r++) {
            assertEquals("rank " + r, before.get(r).get("_id"), after.get(r).get("_id"));
            assertEquals("rank " + r, ((Number) before.get(r).get("_score")).doubleValue(), ((Number) after.get(r).get("_score")).doubleValue(), 0);
        }
        // The vectors left out of the stored _source come back from the reopened raw vectors.
        PqVectorIT.assertVector(query, sourceVector("r17"));
        PqVectorIT.assertVector(late, sourceVector("late"));
        assertTrue(node.get("/_cat/plugins").body().contains("audio-pq"));
        node.delete("/" + INDEX);
    }

    @SuppressWarnings("unchecked")
    private Object sourceVector(String id) {
        RealNode.Response got = node.get("/" + INDEX + "/_doc/" + id + "?_source_exclude_vectors=false");
        assertEquals(got.body(), 200, got.status());
        return ((Map<String, Object>) got.json().get("_source")).get("emb");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(RealNode.Response response) {
        assertEquals(response.body(), 200, response.status());
        return (List<Map<String, Object>>) ((Map<String, Object>) response.json().get("hits")).get("hits");
    }

    private static String json(float[] v) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            out.append(i == 0 ? "" : ",").append(v[i]);
        }
        return out.append(']').toString();
    }
}
