package io.audiopq.integ;

import io.audiopq.testing.RealNode;
import io.audiopq.testing.TestAudio;

import org.junit.Test;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.audiopq.testing.SoundKinds.hiss;
import static io.audiopq.testing.SoundKinds.ticks;
import static io.audiopq.testing.SoundKinds.tone;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Sound in Elasticsearch's own {@code knn} on the real node over HTTP: the {@code audio_embedding}
 * query vector builder in the {@code knn} query, the top-level {@code knn} section and the
 * {@code knn} retriever returns {@code pq_knn.query_audio}'s top 10, on a pq_vector's
 * {@code <field>.pq} and on a {@code dense_vector} copy of the same embeddings; errors inside
 * {@code query_audio} are the top-level reason of the 400; {@code knn} on the pq_vector field itself
 * is a 400 naming {@code pq_knn} and {@code <field>.pq}.
 */
public class AudioQueryVectorBuilderIT {

    private static final String BUNDLE = "audiopq-default";
    private static final String PQ = "knn-audio-pq";
    private static final String DENSE = "knn-audio-dense";
    private static final String FIELD = "audio_embedding.embedding";
    private static final int CANDIDATES = 16;
    private final RealNode node = RealNode.fromBuild();

    private static String wav(float[] samples, int rate) {
        return Base64.getEncoder().encodeToString(TestAudio.wav16(samples, rate));
    }

    private synchronized void indexCorpusOnce() {
        if (node.get("/" + PQ).status() == 200) {
            return;
        }
        RealNode.Response pipeline = node.put("/_ingest/pipeline/knn-audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true, "include_segments": false}}]}
            """.formatted(BUNDLE));
        assertEquals(pipeline.body(), 200, pipeline.status());
        create(PQ, "{\"type\": \"pq_vector\", \"model\": \"" + BUNDLE + "\"}");
        create(DENSE, "{\"type\": \"dense_vector\", \"dims\": " + DefaultBundle.dimensions() + ", \"similarity\": \"cosine\", \"index_options\": {\"type\": \"hnsw\"}}");
        Map<String, String> clips = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            clips.put("tone-" + i, wav(tone(300 + 70 * i, 0.3 + 0.05 * i, 16000, 1.5), 16000));
            clips.put("hiss-" + i, wav(hiss(16000, 1.5, 10 + i, 0.1 + 0.03 * i), 16000));
        }
        for (int i = 0; i < 4; i++) {
            clips.put("ticks-" + i, wav(ticks(16000, 1.5, 3 + i, 0.3 + 0.1 * i), 16000));
        }
        StringBuilder bulk = new StringBuilder();
        clips.forEach((id, audio) -> bulk.append("{\"index\": {\"_id\": \"").append(id).append("\"}}\n")
            .append("{\"audio\": \"").append(audio).append("\"}\n"));
        for (String index : new String[] { PQ, DENSE }) {
            RealNode.Response r = node.bulk("/" + index + "/_bulk?pipeline=knn-audio&refresh=true", bulk.toString());
            assertEquals(r.body(), 200, r.status());
            assertEquals(r.body(), false, r.json().get("errors"));
        }
    }

    private void create(String index, String embeddingMapping) {
        RealNode.Response created = node.put("/" + index, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"audio_embedding": {"properties": {"embedding": %s}}}}}""".formatted(embeddingMapping));
        assertEquals(created.body(), 200, created.status());
    }

    @SuppressWarnings("unchecked")
    private List<Object> ids(String index, String body) {
        RealNode.Response r = node.post("/" + index + "/_search", body);
        assertEquals(r.body(), 200, r.status());
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
        return hits.stream().map(h -> h.get("_id")).toList();
    }

    private static String builder(String clip) {
        return "{\"audio_embedding\": {\"model_id\": \"" + BUNDLE + "\", \"audio\": \"" + clip + "\"}}";
    }

    private static String knn(String field, String clip) {
        return "{\"field\": \"" + field + "\", \"k\": 10, \"num_candidates\": " + CANDIDATES + ", \"query_vector_builder\": " + builder(clip) + "}";
    }

    /** {@code pq_knn}'s top 10 by {@code query_audio}, rescored as the field's default does (all 16 candidates, exactly). */
    private List<Object> pqKnnTop10(String clip) {
        return ids(PQ, """
            {"size": 10, "_source": false, "query": {"pq_knn": {"field": "%s", "query_audio": {"audio": "%s"}, "k": 10,
             "num_candidates": %d}}}""".formatted(FIELD, clip, CANDIDATES));
    }

    private void assertAllEntryPointsReturn(List<Object> expected, String index, String field, String clip) {
        String knn = knn(field, clip);
        assertEquals(index + " knn query", expected, ids(index, "{\"size\": 10, \"_source\": false, \"query\": {\"knn\": " + knn + "}}"));
        assertEquals(index + " knn section", expected, ids(index, "{\"size\": 10, \"_source\": false, \"knn\": " + knn + "}"));
        assertEquals(index + " knn retriever", expected, ids(index, "{\"size\": 10, \"_source\": false, \"retriever\": {\"knn\": " + knn + "}}"));
    }

    @Test
    public void knnWithTheAudioBuilderReturnsThePqKnnTop10() {
        indexCorpusOnce();
        Map<String, String> queries = Map.of(
            "tone", wav(tone(455, 0.4, 44100, 2.0), 44100),
            "hiss", wav(hiss(44100, 1.5, 99, 0.15), 44100),
            "ticks", wav(ticks(44100, 2.0, 4.5, 0.5), 44100)
        );
        for (Map.Entry<String, String> q : queries.entrySet()) {
            List<Object> expected = pqKnnTop10(q.getValue());
            assertEquals(q.getKey() + ": " + expected, 10, expected.size());
            assertTrue(q.getKey() + ": " + expected, expected.get(0).toString().startsWith(q.getKey() + "-"));
            assertAllEntryPointsReturn(expected, PQ, FIELD + ".pq", q.getValue());
            assertAllEntryPointsReturn(expected, DENSE, FIELD, q.getValue());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void queryAudioErrorsAreTheTopLevelReason() {
        indexCorpusOnce();
        String[][] cases = {
            { "\"@@@ not base64\"", "[pq_knn] [query_audio] [audio] is not valid base64" },
            { "\"\"", "[pq_knn] [query_audio] requires [audio]: base64-encoded audio" },
            { "42", "[pq_knn] [query_audio] [audio] must hold base64-encoded audio as a string, found integer" } };
        for (String[] c : cases) {
            RealNode.Response r = node.post("/" + PQ + "/_search", """
                {"query": {"pq_knn": {"field": "%s", "k": 5, "query_audio": {"audio": %s}}}}""".formatted(FIELD, c[0]));
            assertEquals(r.body(), 400, r.status());
            Map<String, Object> error = (Map<String, Object>) r.json().get("error");
            assertEquals(r.body(), "parsing_exception", error.get("type"));
            assertTrue(r.body(), error.get("reason").toString().startsWith(c[1]));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void knnOnThePqVectorFieldNamesPqKnnAndTheSubField() {
        indexCorpusOnce();
        String knn = knn(FIELD, wav(tone(455, 0.4, 16000, 1.0), 16000));
        for (String body : new String[] { "{\"query\": {\"knn\": " + knn + "}}", "{\"knn\": " + knn + "}", "{\"retriever\": {\"knn\": " + knn + "}}" }) {
            RealNode.Response r = node.post("/" + PQ + "/_search", body);
            assertEquals(r.body(), 400, r.status());
            Map<String, Object> error = (Map<String, Object>) r.json().get("error");
            assertEquals(r.body(), "[knn] queries are only supported on [dense_vector] fields; [" + FIELD + "] is a [pq_vector] field: search it "
                + "with the [pq_knn] query, or run [knn] on its [" + FIELD + ".pq] sub-field", error.get("reason"));
        }
    }
}
