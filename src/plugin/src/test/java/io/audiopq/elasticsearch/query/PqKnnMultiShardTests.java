package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioPqPlugin;
import io.audiopq.elasticsearch.PqTestBundles;

import org.elasticsearch.action.index.IndexRequestBuilder;
import org.elasticsearch.action.search.SearchRequestBuilder;
import org.elasticsearch.action.search.SearchType;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.test.ESIntegTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertNoFailuresAndResponse;

/**
 * Several nodes, an index with several shards and replicas, and the same documents in a
 * one-shard index: {@code pq_knn} returns the same top results from both. With one codebook for
 * the whole index (the bundle's), ADC scores do not depend on how documents are spread over
 * shards and segments, so per-shard top-k merged by the coordinator equals the global top-k.
 */
@ESIntegTestCase.ClusterScope(scope = ESIntegTestCase.Scope.SUITE, numDataNodes = 3, numClientNodes = 0)
public class PqKnnMultiShardTests extends ESIntegTestCase {

    private static Path configDir;

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(AudioPqPlugin.class);
    }

    @Override
    protected Path nodeConfigPath(int nodeOrdinal) {
        // Every node reads the same bundle files: the same bundle, the same checksum.
        synchronized (PqKnnMultiShardTests.class) {
            if (configDir == null) {
                configDir = createTempDir();
                PqTestBundles.writeAll(configDir);
            }
            return configDir;
        }
    }

    @org.junit.AfterClass
    public static void forgetConfig() {
        configDir = null;
    }

    private static final String MAPPING = "{\"properties\": {\"title\": {\"type\": \"text\"}, \"category\": {\"type\": \"keyword\"}, "
        + "\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}}";

    public void testSeveralShardsAndReplicasReturnWhatOneShardReturns() throws Exception {
        prepareCreate("multi").setSettings(
            Settings.builder().put("index.number_of_shards", 3).put("index.number_of_replicas", 1).put("index.codec", "default")
        ).setMapping(MAPPING).get();
        prepareCreate("single").setSettings(
            Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).put("index.codec", "default")
        ).setMapping(MAPPING).get();
        ensureGreen("multi", "single");

        float[][] vectors = PqTestBundles.clustered(new Random(2024), 300, 16, 8, 0.4f, false);
        String[] words = { "rain", "thunder", "birds", "traffic", "waves" };
        List<IndexRequestBuilder> docs = new ArrayList<>();
        for (String index : List.of("multi", "single")) {
            for (int i = 0; i < vectors.length; i++) {
                String source = "{\"title\": \"" + words[i % 5] + " " + words[(i / 5) % 5] + "\", \"category\": \"c" + (i % 4) + "\", \"emb\": "
                    + vectorJson(vectors[i]) + "}";
                docs.add(prepareIndex(index).setId("d" + i).setSource(source, XContentType.JSON));
            }
        }
        // Random bulks, refreshes and flushes: several segments per shard.
        indexRandom(true, false, docs);

        for (int round = 0; round < 4; round++) {
            float[] q = vectors[randomIntBetween(0, vectors.length - 1)].clone();
            for (int j = 0; j < q.length; j++) {
                q[j] += 0.1f * (float) random().nextGaussian();
            }
            String topK = "{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q)
                + ", \"k\": 10, \"rescore_vector\": {\"oversample\": 0}}}}";
            assertSameHits(topK, 10, 1e-6f);

            String filtered = "{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q)
                + ", \"k\": 10, \"rescore_vector\": {\"oversample\": 0}, \"filter\": {\"term\": {\"category\": \"c2\"}}}}}";
            assertSameHits(filtered, 10, 1e-6f);

            String scoring = "{\"size\": 15, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + "}}}";
            assertSameHits(scoring, 15, 1e-6f);

            // Hybrid: BM25 needs global term statistics to be comparable across shard layouts.
            String hybrid = "{\"size\": 15, \"query\": {\"bool\": {\"should\": [{\"match\": {\"title\": \"" + words[round] + "\"}}, "
                + "{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + "}}]}}}";
            assertSameHits(hybrid, 15, 1e-4f);
        }
        // Every shard copy settled (the plugin's .audio-pq-models system index too) before the suite's cleanup deletes the
        // indices and gives each shard lock 5 s: on a loaded machine a replica still recovering held one past that.
        ensureGreen();
    }

    /** The hits of {@code body} on "multi" (read from each node's shard copies) equal those on "single": same scores, rank by rank, and same ids where scores differ. */
    private void assertSameHits(String body, int expectedHits, float tolerance) throws IOException {
        List<Scored> single = hits("single", body, null);
        assertEquals(body, expectedHits, single.size());
        // Each node's copies in turn (primaries and replicas), then the default routing.
        List<String> preferences = new ArrayList<>();
        internalCluster().clusterService().state().nodes().forEach(node -> preferences.add("_prefer_nodes:" + node.getId()));
        preferences.add(null);
        for (String preference : preferences) {
            List<Scored> multi = hits("multi", body, preference);
            assertEquals(body, single.size(), multi.size());
            for (int r = 0; r < single.size(); r++) {
                assertEquals(preference + " rank " + r + ": " + body, single.get(r).score(), multi.get(r).score(), tolerance);
                // The last rank may tie with the first hit past the page, which we do not see: there
                // only the score is compared (a seed hit exactly that).
                boolean lastRank = r == single.size() - 1;
                boolean tiedWithNeighbour = (r > 0 && Math.abs(single.get(r).score() - single.get(r - 1).score()) <= tolerance)
                    || (r + 1 < single.size() && Math.abs(single.get(r).score() - single.get(r + 1).score()) <= tolerance)
                    || lastRank;
                if (tiedWithNeighbour == false) {
                    assertEquals(preference + " rank " + r + ": " + body, single.get(r).id(), multi.get(r).id());
                }
            }
        }
    }

    private List<Scored> hits(String index, String body, String preference) throws IOException {
        List<Scored> hits = new ArrayList<>();
        SearchRequestBuilder request;
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, body)) {
            request = prepareSearch(index).setSource(new SearchSourceBuilder().parseXContent(parser, true, nf -> true))
                .setSearchType(SearchType.DFS_QUERY_THEN_FETCH);
        }
        if (preference != null) {
            request.setPreference(preference);
        }
        assertNoFailuresAndResponse(request, response -> {
            for (SearchHit hit : response.getHits().getHits()) {
                hits.add(new Scored(hit.getId(), hit.getScore()));
            }
        });
        return hits;
    }

    private record Scored(String id, float score) {}

    private static String vectorJson(float[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.append(']').toString();
    }
}
