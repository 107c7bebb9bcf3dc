package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import io.audiopq.tools.Esc10Evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * ESC-10 on a real node, shared by the evaluation ITs: ingest every clip through a pipeline, read
 * back the embeddings the processor wrote, and get each clip's leave-one-out ranking through
 * {@code _msearch}. Clip {@code i} is document {@code c<i>} with doc value {@code n = i}.
 */
final class Esc10OnNode {

    /** Clips per bulk request through the processor (each carries ~0.6 MB of base64 audio). */
    static final int BATCH = 25;
    private static final int QUERY_BATCH = 50;
    /** Hits carry only the clip number (doc values): fetching _id for 399 hits per query costs ~2.5x more. */
    static final String HITS = "\"_source\": false, \"stored_fields\": \"_none_\", \"docvalue_fields\": [\"n\"],";

    final RealNode node;
    final Path esc10;
    final List<String[]> clips;
    final int[] labels;
    final int classes;

    Esc10OnNode(RealNode node, Path esc10) throws IOException {
        this.node = node;
        this.esc10 = esc10;
        this.clips = Esc10Evaluation.readMeta(esc10.resolve("esc10_meta.csv"));
        this.labels = new int[clips.size()];
        Map<String, Integer> classIds = new HashMap<>();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classIds.computeIfAbsent(clips.get(i)[1], k -> classIds.size());
        }
        this.classes = classIds.size();
    }

    int size() {
        return clips.size();
    }

    /** Creates ingest pipeline {@code name}: one clip-level {@code audio_embedding} processor with {@code bundle}, audio removed. */
    void putClipPipeline(String name, String bundle) {
        ok(node.put("/_ingest/pipeline/" + name, """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true, "include_segments": false}}]}
            """.formatted(bundle)));
    }

    /** Bulk-indexes every clip (fields n, clip, label, audio) into {@code index} through {@code pipeline}; returns seconds taken. */
    double ingest(String index, String pipeline) throws IOException {
        long start = System.nanoTime();
        for (int from = 0; from < size(); from += BATCH) {
            StringBuilder bulk = new StringBuilder();
            for (int i = from; i < Math.min(size(), from + BATCH); i++) {
                String audio = Base64.getEncoder().encodeToString(Files.readAllBytes(esc10.resolve(clips.get(i)[0])));
                bulk.append("{\"index\": {\"_id\": \"c").append(i).append("\"}}\n");
                bulk.append("{\"n\": ").append(i).append(", \"clip\": ").append(quote(clips.get(i)[0])).append(", \"label\": ")
                    .append(quote(clips.get(i)[1])).append(", \"audio\": \"").append(audio).append("\"}\n");
            }
            noBulkErrors(node.bulk("/" + index + "/_bulk?pipeline=" + pipeline, bulk.toString()));
        }
        ok(node.get("/" + index + "/_refresh"));
        return (System.nanoTime() - start) / 1e9;
    }

    /** Every clip's vector at {@code path} (an object path such as {@code audio_embedding.embedding}) in {@code index}'s _source. */
    @SuppressWarnings("unchecked")
    float[][] readVectors(String index, String path, int dims) {
        int n = size();
        RealNode.Response r = node.post("/" + index + "/_search", """
            {"size": %d, "_source": {"includes": ["%s"], "exclude_vectors": false}}""".formatted(n, path));
        ok(r);
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
        assertEquals(n, hits.size());
        float[][] vectors = new float[n][];
        for (Map<String, Object> hit : hits) {
            int i = Integer.parseInt(((String) hit.get("_id")).substring(1));
            Object value = hit.get("_source");
            for (String key : path.split("\\.")) {
                value = ((Map<String, Object>) value).get(key);
            }
            List<Number> v = (List<Number>) value;
            assertEquals("clip " + i, dims, v.size());
            vectors[i] = new float[v.size()];
            for (int j = 0; j < v.size(); j++) {
                vectors[i][j] = v.get(j).floatValue();
            }
        }
        for (int i = 0; i < n; i++) {
            assertTrue("clip " + i + " missing", vectors[i] != null);
        }
        return vectors;
    }

    /** Every clip's tag labels at {@code path} (the processor's {@code tags}: [{label, score}], best first) in {@code index}'s _source. */
    @SuppressWarnings("unchecked")
    List<List<String>> readTags(String index, String path) {
        int n = size();
        RealNode.Response r = node.post("/" + index + "/_search", """
            {"size": %d, "_source": {"includes": ["%s"]}}""".formatted(n, path));
        ok(r);
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
        assertEquals(n, hits.size());
        List<List<String>> tags = new java.util.ArrayList<>(java.util.Collections.nCopies(n, null));
        for (Map<String, Object> hit : hits) {
            Object value = hit.get("_source");
            for (String key : path.split("\\.")) {
                value = value == null ? null : ((Map<String, Object>) value).get(key);
            }
            assertTrue("clip " + hit.get("_id") + " has no " + path, value instanceof List<?>);
            tags.set(Integer.parseInt(((String) hit.get("_id")).substring(1)),
                ((List<Map<String, Object>>) value).stream().map(t -> (String) t.get("label")).toList());
        }
        return tags;
    }

    /** Indexes {@code vectors} as documents {@code c<i>} with {@code n} and each of {@code fields} (top-level vector fields). */
    void indexVectors(String index, float[][] vectors, String... fields) {
        for (int from = 0; from < vectors.length; from += 100) {
            StringBuilder bulk = new StringBuilder();
            for (int i = from; i < Math.min(vectors.length, from + 100); i++) {
                bulk.append("{\"index\": {\"_id\": \"c").append(i).append("\"}}\n{\"n\": ").append(i);
                for (String field : fields) {
                    bulk.append(", \"").append(field).append("\": ").append(json(vectors[i]));
                }
                bulk.append("}\n");
            }
            noBulkErrors(node.bulk("/" + index + "/_bulk", bulk.toString()));
        }
        ok(node.get("/" + index + "/_refresh"));
    }

    interface QueryBody {
        String of(int query, String vector);
    }

    /** For every clip, the clip numbers the node ranked for it, best first, via _msearch. */
    @SuppressWarnings("unchecked")
    int[][] rankings(String index, float[][] vectors, QueryBody body) {
        int n = vectors.length;
        int[][] rankings = new int[n][];
        for (int from = 0; from < n; from += QUERY_BATCH) {
            StringBuilder msearch = new StringBuilder();
            int to = Math.min(n, from + QUERY_BATCH);
            for (int q = from; q < to; q++) {
                msearch.append("{}\n").append(body.of(q, json(vectors[q])).replace('\n', ' ')).append('\n');
            }
            RealNode.Response r = node.bulk("/" + index + "/_msearch?filter_path=responses.hits.hits.fields,responses.status,responses.error",
                msearch.toString());
            ok(r);
            List<Map<String, Object>> responses = (List<Map<String, Object>>) r.json().get("responses");
            assertEquals(to - from, responses.size());
            for (int q = from; q < to; q++) {
                Map<String, Object> response = responses.get(q - from);
                assertEquals(response.toString(), 200, response.get("status"));
                List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits");
                assertEquals("ranking for clip " + q, n - 1, hits.size());
                rankings[q] = hits.stream().mapToInt(h -> ((Number) ((List<?>) ((Map<String, Object>) h.get("fields")).get("n")).get(0)).intValue())
                    .toArray();
            }
        }
        return rankings;
    }

    /** Exact leave-one-out {@code knn} on a flat {@code dense_vector} field. */
    int[][] knnRankings(String index, String field, float[][] vectors) {
        int k = size() - 1;
        return rankings(index, vectors, (q, v) -> """
            {"size": %d, %s "knn": {"field": "%s", "query_vector": %s, "k": %d, "num_candidates": %d,
              "filter": {"bool": {"must_not": {"term": {"n": %d}}}}}}""".formatted(k, HITS, field, v, k, k, q));
    }

    /** Leave-one-out {@code pq_knn} over all codes, pure ADC (no rescoring: that would reproduce the float order). */
    int[][] pqKnnRankings(String index, String field, float[][] vectors) {
        int k = size() - 1;
        return rankings(index, vectors, (q, v) -> """
            {"size": %d, %s "query": {"pq_knn": {"field": "%s", "query_vector": %s, "k": %d, "num_candidates": %d,
              "rescore_vector": {"oversample": 0}, "filter": {"bool": {"must_not": {"term": {"n": %d}}}}}}}""".formatted(k, HITS, field, v, k, k, q));
    }

    static void ok(RealNode.Response r) {
        assertTrue(r.body(), r.status() == 200 || r.status() == 201);
    }

    static void noBulkErrors(RealNode.Response r) {
        ok(r);
        assertFalse(r.body().length() > 4000 ? r.body().substring(0, 4000) : r.body(), (Boolean) r.json().get("errors"));
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String json(float[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ",").append(v[i]);
        }
        return s.append(']').toString();
    }
}
