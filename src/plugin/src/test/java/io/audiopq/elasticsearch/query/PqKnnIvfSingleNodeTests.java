package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.PqSingleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;
import io.audiopq.lucene.PqVectorsReader;

import org.apache.lucene.index.LeafReaderContext;
import org.elasticsearch.action.support.broadcast.BroadcastResponse;
import org.elasticsearch.index.engine.Engine;
import org.elasticsearch.index.shard.IndexShard;
import org.elasticsearch.indices.IndicesService;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

/**
 * {@code pq_vector} with {@code ivf} inside a node: the mapping's options reach the segments, a
 * query with {@code nprobe = nlist} returns exactly what the same query returns on a field without
 * IVF over the same vectors and codebook, and small {@code nprobe} values (the query's, and the
 * mapping's default) really visit fewer lists yet still find the query's own document.
 */
public class PqKnnIvfSingleNodeTests extends PqSingleNodeTestCase {

    private static final int N = 2000;
    private static final int NLIST = 8;
    private static final int DEFAULT_NPROBE = 2;

    private float[][] vectors;

    /**
     * Index "idx": N docs, each with the same vector in "flat" (no IVF) and "ivf" (nlist 8, nprobe 2),
     * force-merged into one segment of N vectors, far above the 8 × nlist a segment needs for lists.
     */
    private void indexCorpus() {
        createIndexWithMapping(
            "idx",
            "{\"flat\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}, "
                + "\"ivf\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": {\"nlist\": " + NLIST
                + ", \"nprobe\": " + DEFAULT_NPROBE + "}}}"
        );
        vectors = PqTestBundles.clustered(new Random(4242), N, 16, 12, 0.4f, false);
        for (int start = 0; start < N; start += 500) {
            Map<String, String> docs = new LinkedHashMap<>();
            for (int i = start; i < Math.min(N, start + 500); i++) {
                String v = vectorJson(vectors[i]);
                docs.put("d" + i, "{\"flat\": " + v + ", \"ivf\": " + v + "}");
            }
            indexDocs("idx", docs);
        }
        BroadcastResponse merged = indicesAdmin().prepareForceMerge("idx").setMaxNumSegments(1).get();
        assertEquals(0, merged.getFailedShards());
        indicesAdmin().prepareRefresh("idx").get();
    }

    private String query(String field, float[] vector, int k, Integer nprobe, float oversample) {
        return "{\"size\": " + k + ", \"_source\": false, \"query\": {\"pq_knn\": {\"field\": \"" + field + "\", \"query_vector\": "
            + vectorJson(vector) + ", \"k\": " + k + (nprobe == null ? "" : ", \"nprobe\": " + nprobe)
            + ", \"rescore_vector\": {\"oversample\": " + oversample + "}}}}";
    }

    public void testSegmentsCarryTheMappingsLists() throws IOException {
        indexCorpus();
        IndexShard shard = getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex("idx")).getShard(0);
        try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            assertEquals("force-merged to one segment", 1, leaves.size());
            PqVectorsReader ivf = PqVectorsReader.forField(leaves.get(0).reader(), "ivf.pq");
            PqVectorsReader flat = PqVectorsReader.forField(leaves.get(0).reader(), "flat.pq");
            assertEquals(NLIST, ivf.nlist("ivf.pq"));
            assertEquals(DEFAULT_NPROBE, ivf.defaultNprobe("ivf.pq"));
            assertEquals(0, flat.nlist("flat.pq"));
            String codebook = bundle(PqTestBundles.COSINE).quantizer().id();
            assertEquals("IVF keeps the bundle's codebook", codebook, ivf.codebook("ivf.pq").id());
            assertEquals(codebook, flat.codebook("flat.pq").id());
        }
    }

    /** Global IVF: two segments and their merge file their vectors under the bundle's centroids. */
    public void testSegmentsAndMergesUseTheBundlesCentroids() throws IOException {
        createIndexWithMapping("global", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE_IVF + "\", \"ivf\": {}}}");
        float[][] data = PqTestBundles.clustered(new Random(99), 200, 16, 12, 0.4f, false);
        for (int start = 0; start < data.length; start += 100) {
            Map<String, String> docs = new LinkedHashMap<>();
            for (int i = start; i < start + 100; i++) {
                docs.put("g" + i, "{\"emb\": " + vectorJson(data[i]) + "}");
            }
            indexDocs("global", docs);
        }
        String centroids = bundle(PqTestBundles.COSINE_IVF).ivf().coarse().id();
        // two bulks make at least two segments (a periodic refresh on a loaded machine can cut a bulk in two: seen as 3)
        int segments = assertCentroids("global", centroids);
        assertTrue("segments before the merge: " + segments, segments >= 2);
        assertEquals(0, indicesAdmin().prepareForceMerge("global").setMaxNumSegments(1).get().getFailedShards());
        indicesAdmin().prepareRefresh("global").get();
        assertEquals(1, assertCentroids("global", centroids));
        // A small nprobe still finds a document's own vector.
        List<Hit> hits = search("global", query("emb", data[17], 3, 2, 4f));
        assertEquals("g17", hits.get(0).id());
    }

    /** Checks that every segment files its vectors under {@code centroids}; returns the number of segments. */
    private int assertCentroids(String index, String centroids) throws IOException {
        IndexShard shard = getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex(index)).getShard(0);
        try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            for (LeafReaderContext leaf : leaves) {
                PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), "emb.pq");
                assertEquals(PqTestBundles.IVF_NLIST, pq.nlist("emb.pq"));
                assertEquals("provided", pq.ivfCentroids("emb.pq"));
                assertEquals(centroids, pq.ivfCentroidsId("emb.pq"));
            }
            return leaves.size();
        }
    }

    /**
     * With nprobe = nlist every list is visited, and the codes are the bundle codebook's codes of the
     * vectors themselves (not residuals), so ADC scores and hence the top k equal the non-IVF field's:
     * compared with pure ADC scores (no rescoring) and with the default rescoring.
     */
    public void testAllListsProbedEqualsTheFieldWithoutIvf() throws IOException {
        indexCorpus();
        Random random = new Random(7);
        for (int q = 0; q < 10; q++) {
            float[] query = vectors[random.nextInt(N)].clone();
            for (int j = 0; j < query.length; j++) {
                query[j] += 0.1f * (float) random.nextGaussian();
            }
            for (float oversample : new float[] { 0f, 4f }) {
                List<Hit> flat = search("idx", query("flat", query, 10, null, oversample));
                List<Hit> ivf = search("idx", query("ivf", query, 10, NLIST, oversample));
                assertEquals(10, flat.size());
                assertEquals("query " + q + ", oversample " + oversample, ids(flat), ids(ivf));
                for (int i = 0; i < flat.size(); i++) {
                    assertEquals(flat.get(i).score(), ivf.get(i).score(), 0f);
                }
            }
        }
    }

    /**
     * A single probed list still holds the query's own document (the query's nearest coarse centroid
     * is the one the document was filed under), while fewer than all documents are visited: asking
     * for k = N returns only the probed lists' documents. The mapping's default nprobe (2) applies
     * when the query gives none.
     */
    public void testFewListsStillFindTheQuerysOwnDocument() throws IOException {
        indexCorpus();
        Random random = new Random(11);
        for (int q = 0; q < 10; q++) {
            int doc = random.nextInt(N);
            for (Integer nprobe : new Integer[] { 1, null }) {
                List<Hit> hits = search("idx", query("ivf", vectors[doc], 5, nprobe, 4f));
                assertEquals("nprobe " + nprobe, "d" + doc, hits.get(0).id());
            }
        }
        float[] query = vectors[0];
        int one = search("idx", query("ivf", query, N, 1, 0f)).size();
        int byDefault = search("idx", query("ivf", query, N, null, 0f)).size();
        int all = search("idx", query("ivf", query, N, NLIST, 0f)).size();
        int flat = search("idx", query("flat", query, N, null, 0f)).size();
        assertEquals(N, flat);
        assertEquals("nprobe = nlist visits every list", N, all);
        assertThat("one list of " + NLIST + " holds only some documents", one, lessThan(N));
        assertThat(one, greaterThan(0));
        assertThat("the mapping's default nprobe 2 visits more than one list", byDefault, greaterThan(one));
        assertThat(byDefault, lessThan(N));
    }

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).toList();
    }
}
