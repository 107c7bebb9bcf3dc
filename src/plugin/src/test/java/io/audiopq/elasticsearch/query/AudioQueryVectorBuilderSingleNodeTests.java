package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.BundleNodeTestCase;

import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.audiopq.elasticsearch.query.QueryAudioSingleNodeTests.wav;
import static io.audiopq.testing.SoundKinds.hiss;
import static io.audiopq.testing.SoundKinds.ticks;
import static io.audiopq.testing.SoundKinds.tone;
import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertNoFailuresAndResponse;
import static org.hamcrest.Matchers.containsString;

/**
 * The {@code audio_embedding} query vector builder on an in-JVM node with the shipped default
 * bundle: Elasticsearch's {@code knn} query, top-level {@code knn} section and {@code knn}
 * retriever search by sound on a pq_vector's {@code <field>.pq} sub-field and on a plain
 * {@code dense_vector} field, and return the top 10 of {@code pq_knn.query_audio} on the same
 * clips; a bad builder is a 400 or 404 naming it.
 */
public class AudioQueryVectorBuilderSingleNodeTests extends BundleNodeTestCase {

    private static final String BUNDLE = "audiopq-default";
    private static final String PQ = "pq-sounds";
    private static final String DENSE = "dense-sounds";
    private static final String FIELD = "audio_embedding.embedding";
    /** Every document is a candidate, so each search ranks the whole corpus. */
    private static final int CANDIDATES = 16;

    @Override
    protected void writeBundles(Path models) throws IOException {
        copyBundle(Path.of("models", BUNDLE), models);
    }

    /** 16 clips of three kinds, so that a top 10 leaves some out. */
    private static Map<String, String> corpus() {
        Map<String, String> clips = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            clips.put("tone-" + i, wav(tone(300 + 70 * i, 0.3 + 0.05 * i, 16000, 1.5), 16000));
            clips.put("hiss-" + i, wav(hiss(16000, 1.5, 10 + i, 0.1 + 0.03 * i), 16000));
        }
        for (int i = 0; i < 4; i++) {
            clips.put("ticks-" + i, wav(ticks(16000, 1.5, 3 + i, 0.3 + 0.1 * i), 16000));
        }
        return clips;
    }

    /** The same clips, through the same pipeline, into a pq_vector index and a dense_vector index. */
    private void indexCorpus() {
        putJsonPipeline("audio", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true, "include_segments": false}}]}
            """.formatted(BUNDLE));
        create(PQ, """
            {"properties": {"audio_embedding": {"properties": {"embedding": {"type": "pq_vector", "model": "%s"}}}}}""".formatted(BUNDLE));
        create(DENSE, """
            {"properties": {"audio_embedding": {"properties": {"embedding": {"type": "dense_vector", "dims": %d, "similarity": "cosine",
              "index_options": {"type": "hnsw"}}}}}}""".formatted(defaultDimensions()));
        Map<String, String> clips = corpus();
        for (String index : new String[] { PQ, DENSE }) {
            BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
            clips.forEach((id, audio) -> bulk.add(client().prepareIndex(index).setId(id).setPipeline("audio").setSource(Map.of("audio", audio))));
            BulkResponse response = bulk.get();
            assertFalse(response.buildFailureMessage(), response.hasFailures());
        }
    }

    private void create(String index, String mapping) {
        client().admin().indices().prepareCreate(index)
            .setSettings(Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).put("index.codec", "default"))
            .setMapping(mapping).get();
        ensureGreen(index);
    }

    private static String builder(String clip) {
        return "{\"audio_embedding\": {\"model_id\": \"" + BUNDLE + "\", \"audio\": \"" + clip + "\"}}";
    }

    /** Ids of the hits of a search body, best first. */
    private List<String> ids(String index, String body) throws IOException {
        List<String> ids = new ArrayList<>();
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, body)) {
            assertNoFailuresAndResponse(
                client().prepareSearch(index).setSource(new SearchSourceBuilder().parseXContent(parser, true, nf -> true)),
                response -> {
                    for (SearchHit hit : response.getHits().getHits()) {
                        ids.add(hit.getId());
                    }
                }
            );
        }
        return ids;
    }

    /** {@code pq_knn}'s top 10 by {@code query_audio}, rescored as the field's default does (every candidate, exactly). */
    private List<String> pqKnnTop10(String clip) throws IOException {
        return ids(PQ, """
            {"size": 10, "_source": false, "query": {"pq_knn": {"field": "%s", "query_audio": {"audio": "%s"}, "k": 10,
             "num_candidates": %d}}}""".formatted(FIELD, clip, CANDIDATES));
    }

    private static String knnQuery(String field, String clip) {
        return "{\"size\": 10, \"_source\": false, \"query\": {\"knn\": {\"field\": \"" + field + "\", \"k\": 10, \"num_candidates\": "
            + CANDIDATES + ", \"query_vector_builder\": " + builder(clip) + "}}}";
    }

    private static String knnSection(String field, String clip) {
        return "{\"size\": 10, \"_source\": false, \"knn\": {\"field\": \"" + field + "\", \"k\": 10, \"num_candidates\": " + CANDIDATES
            + ", \"query_vector_builder\": " + builder(clip) + "}}";
    }

    private static String knnRetriever(String field, String clip) {
        return "{\"size\": 10, \"_source\": false, \"retriever\": {\"knn\": {\"field\": \"" + field + "\", \"k\": 10, \"num_candidates\": "
            + CANDIDATES + ", \"query_vector_builder\": " + builder(clip) + "}}}";
    }

    private static Map<String, String> queries() {
        return Map.of(
            "tone", wav(tone(455, 0.4, 44100, 2.0), 44100),
            "hiss", wav(hiss(44100, 1.5, 99, 0.15), 44100),
            "ticks", wav(ticks(44100, 2.0, 4.5, 0.5), 44100)
        );
    }

    /**
     * On the pq_vector's {@code .pq} sub-field, {@code knn} scans the same PQ codes as {@code pq_knn}
     * and rescores with the field's default oversample, as {@code pq_knn} does without
     * {@code rescore_vector}: the same top 10, in the same order, from each of the three entry points.
     */
    public void testKnnOnThePqSubFieldReturnsThePqKnnTop10() throws IOException {
        indexCorpus();
        for (Map.Entry<String, String> q : queries().entrySet()) {
            List<String> expected = pqKnnTop10(q.getValue());
            assertEquals(q.getKey() + ": " + expected, 10, expected.size());
            assertTrue(q.getKey() + ": " + expected, expected.get(0).startsWith(q.getKey() + "-"));
            assertEquals(q.getKey() + " knn query", expected, ids(PQ, knnQuery(FIELD + ".pq", q.getValue())));
            assertEquals(q.getKey() + " knn section", expected, ids(PQ, knnSection(FIELD + ".pq", q.getValue())));
            assertEquals(q.getKey() + " knn retriever", expected, ids(PQ, knnRetriever(FIELD + ".pq", q.getValue())));
        }
    }

    /**
     * On a dense_vector field holding the same clip embeddings, {@code knn} ranks by the exact
     * similarity, as {@code pq_knn} does once every candidate is rescored with the stored raw vectors
     * (the field's default oversample of 4 rescores all 16 documents here).
     */
    public void testKnnOnADenseVectorFieldReturnsTheRescoredPqKnnTop10() throws IOException {
        indexCorpus();
        for (Map.Entry<String, String> q : queries().entrySet()) {
            List<String> expected = pqKnnTop10(q.getValue());
            assertEquals(q.getKey() + ": " + expected, 10, expected.size());
            assertEquals(q.getKey() + " knn query", expected, ids(DENSE, knnQuery(FIELD, q.getValue())));
            assertEquals(q.getKey() + " knn section", expected, ids(DENSE, knnSection(FIELD, q.getValue())));
            assertEquals(q.getKey() + " knn retriever", expected, ids(DENSE, knnRetriever(FIELD, q.getValue())));
        }
    }

    public void testABadBuilderIsRefusedNamingIt() throws IOException {
        indexCorpus();
        String clip = queries().get("tone");
        Exception unknown = expectThrows(Exception.class, () -> ids(PQ, knnQuery(FIELD + ".pq", clip).replace(BUNDLE, "no-such-bundle")));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status(ExceptionsHelper.unwrapCause(unknown)));
        assertThat(messages(unknown), containsString("[audio_embedding] model bundle [no-such-bundle] is not installed"));

        Exception noModel = expectThrows(Exception.class,
            () -> ids(PQ, knnQuery(FIELD + ".pq", clip).replace("\"model_id\": \"" + BUNDLE + "\", ", "")));
        assertThat(messages(noModel), containsString("[audio_embedding] requires [model_id]: the audio bundle that embedded the indexed audio"));

        Exception badBase64 = expectThrows(Exception.class, () -> ids(PQ, knnSection(FIELD + ".pq", "@@ not base64")));
        assertThat(messages(badBase64), containsString("[audio_embedding] [audio] is not valid base64"));
    }

    private static String messages(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append(" / ");
        }
        return out.toString();
    }
}
