package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.PqSingleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;

import org.elasticsearch.action.support.broadcast.BroadcastResponse;
import org.elasticsearch.common.settings.Settings;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code pq_knn} with the default rescoring (raw vectors stored, the format's oversample): a
 * one-shard and a three-shard index of the same documents return the same top-10 ids (when the
 * candidates per shard hold the exact top 10), while both are split into many small segments and
 * again after a force merge to one segment per shard, and each index returns exactly what it
 * returned before the merge. Each shard rescores one candidate set
 * chosen across all its segments, so the segment layout cannot change the results.
 */
public class PqKnnShardLayoutSingleNodeTests extends PqSingleNodeTestCase {

    private static final int N = 600;
    private static final String MAPPING = "{\"category\": {\"type\": \"keyword\"}, \"emb\": {\"type\": \"pq_vector\", \"model\": \""
        + PqTestBundles.COSINE + "\", \"store_raw\": true}}";

    private void createIndex(String index, int shards) {
        indicesAdmin().prepareCreate(index)
            .setSettings(Settings.builder().put(indexSettings()).put("index.number_of_shards", shards).put("index.merge.policy.segments_per_tier", 100))
            .setMapping("{\"properties\": " + MAPPING + "}")
            .get();
        ensureGreen(index);
    }

    public void testOneAndThreeShardsAgreeBeforeAndAfterForceMerge() throws IOException {
        createIndex("one", 1);
        createIndex("three", 3);
        float[][] vectors = PqTestBundles.clustered(new Random(7), N, 16, 10, 0.4f, false);
        // Many small bulks, each refreshed: many segments per shard.
        for (int from = 0; from < N; from += 25) {
            Map<String, String> docs = new LinkedHashMap<>();
            for (int i = from; i < from + 25; i++) {
                docs.put("d" + i, "{\"category\": \"c" + (i % 4) + "\", \"emb\": " + vectorJson(vectors[i]) + "}");
            }
            indexDocs("one", docs);
            indexDocs("three", docs);
        }
        assertTrue(indicesAdmin().prepareSegments("one").get().getIndices().get("one").getShards().get(0).shards()[0].getSegments().size() > 10);

        Random random = new Random(11);
        // Default rescoring (the format's oversample) throughout. Bodies with num_candidates = 50
        // rescore 200 candidates per shard, which on this small test codebook (16 dims, cosine)
        // holds the exact top 10 in both layouts: those must agree across shard counts. With
        // k = 10 alone (40 candidates per shard) three shards rescore three times as many
        // candidates as one and may find better ones, as with Elasticsearch's own knn: those must
        // only be stable under merges.
        List<String> bodies = new ArrayList<>();
        List<Boolean> acrossShards = new ArrayList<>();
        for (int q = 0; q < 20; q++) {
            float[] query = vectors[random.nextInt(N)].clone();
            for (int j = 0; j < query.length; j++) {
                query[j] += 0.15f * (float) random.nextGaussian();
            }
            String vector = vectorJson(query);
            bodies.add("{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vector + ", \"k\": 10}}}");
            acrossShards.add(false);
            bodies.add("{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vector + ", \"k\": 10, \"num_candidates\": 50}}}");
            acrossShards.add(true);
            if (q % 4 == 0) {
                bodies.add("{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vector
                    + ", \"k\": 10, \"num_candidates\": 50, \"filter\": {\"term\": {\"category\": \"c1\"}}}}}");
                acrossShards.add(true);
            }
        }
        List<List<String>> beforeOne = new ArrayList<>();
        List<List<String>> beforeThree = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            String body = bodies.get(i);
            List<String> one = ids(search("one", body));
            List<String> three = ids(search("three", body));
            assertEquals(body, 10, one.size());
            if (acrossShards.get(i)) {
                assertEquals("segmented: " + body, one, three);
            }
            beforeOne.add(one);
            beforeThree.add(three);
        }

        for (String index : List.of("one", "three")) {
            BroadcastResponse merged = indicesAdmin().prepareForceMerge(index).setMaxNumSegments(1).setFlush(true).get();
            assertEquals(0, merged.getFailedShards());
        }
        indicesAdmin().prepareRefresh("one", "three").get();
        assertEquals(1, indicesAdmin().prepareSegments("one").get().getIndices().get("one").getShards().get(0).shards()[0].getSegments().size());

        for (int i = 0; i < bodies.size(); i++) {
            String body = bodies.get(i);
            List<String> one = ids(search("one", body));
            List<String> three = ids(search("three", body));
            assertEquals("one shard, merged: " + body, beforeOne.get(i), one);
            assertEquals("three shards, merged: " + body, beforeThree.get(i), three);
            if (acrossShards.get(i)) {
                assertEquals("merged: " + body, one, three);
            }
        }
    }

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).toList();
    }
}
