package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.PqSingleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;

import org.apache.lucene.search.Explanation;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.search.SearchRequestBuilder;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertNoFailuresAndResponse;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;

/**
 * {@code pq_knn} inside a node: both modes, scores against values computed here from the bundle's
 * codebook, hybrid bool, filters, deletes, {@code like}, explain, native {@code knn} on the child,
 * nested documents with inner hits, and the checksum guard.
 */
public class PqKnnQuerySingleNodeTests extends PqSingleNodeTestCase {

    private static final int N = 120;
    private static final String[] WORDS = { "alpha", "beta", "gamma", "delta" };

    private float[][] vectors;
    private ProductQuantizer pq;

    /** Index "idx": N docs with title, category and a cos16 vector; every 10th doc has no vector. */
    private void indexCorpus() {
        createIndexWithMapping(
            "idx",
            "{\"title\": {\"type\": \"text\"}, \"category\": {\"type\": \"keyword\"}, "
                + "\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}"
        );
        vectors = PqTestBundles.clustered(new Random(99), N, 16, 6, 0.4f, false);
        pq = bundle(PqTestBundles.COSINE).quantizer();
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) {
            String title = WORDS[i % 4] + (i % 3 == 0 ? " alpha" : "") + " doc" + i;
            String vector = hasVector(i) ? ", \"emb\": " + vectorJson(vectors[i]) : "";
            docs.put("d" + i, "{\"title\": \"" + title + "\", \"category\": \"c" + (i % 3) + "\"" + vector + "}");
        }
        indexDocs("idx", docs);
    }

    private static boolean hasVector(int i) {
        return i % 10 != 9;
    }

    private float[] queryNear(int doc, long seed) {
        Random r = new Random(seed);
        float[] q = vectors[doc].clone();
        for (int j = 0; j < q.length; j++) {
            q[j] += 0.05f * (float) r.nextGaussian();
        }
        return q;
    }

    private static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / Math.sqrt(s));
        }
        return u;
    }

    /** The ADC squared distance between the unit query and the code of the unit document vector. */
    private float adcDistance(float[] query, float[] doc) {
        byte[] code = pq.encode(unit(doc));
        return pq.adcTable(unit(query), Metric.L2).distance(code, 0);
    }

    /** knn's cosine scale from an ADC squared distance of unit vectors: (1 + cos) / 2 with cos = 1 − d/2. */
    private float adcScore(float[] query, float[] doc) {
        return Math.max(0f, 1f - adcDistance(query, doc) / 4f);
    }

    private static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    private static float exactScore(float[] query, float[] doc) {
        float[] a = unit(query), b = unit(doc);
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return (float) ((1 + dot) / 2);
    }

    private static int index(String id) {
        return Integer.parseInt(id.substring(1));
    }

    private List<Integer> docsWithVectors() {
        return IntStream.range(0, N).filter(PqKnnQuerySingleNodeTests::hasVector).boxed().toList();
    }

    public void testScoringModeGivesEveryDocumentWithAVectorItsAdcScore() throws IOException {
        indexCorpus();
        float[] q = queryNear(4, 1);
        List<Hit> hits = search("idx", "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + "}}}");
        assertEquals(docsWithVectors().size(), hits.size());
        for (Hit hit : hits) {
            int i = index(hit.id());
            assertTrue(hasVector(i));
            assertEquals(hit.id(), adcScore(q, vectors[i]), hit.score(), 1e-5f);
            // The same scale as knn: the ADC estimate differs from the exact (1 + cos) / 2 by at most the
            // document's reconstruction error e (|d_adc² − d²| / 4 ≤ e·(d_adc + d) / 4 ≤ e for unit vectors).
            float[] x = unit(vectors[i]);
            float e = (float) Math.sqrt(squaredDistance(x, pq.decode(pq.encode(x))));
            assertEquals(hit.id(), exactScore(q, vectors[i]), hit.score(), e + 1e-5f);
        }
    }

    /**
     * {@code similarity} as knn's: a cosine of 0.9 is the score 0.95; in scoring mode exactly the
     * documents whose ADC score reaches it match, in top-k mode the best k are cut at it; boost
     * scales the scores after the cut.
     */
    public void testSimilarityDropsDocumentsBelowTheThreshold() throws IOException {
        indexCorpus();
        float[] q = queryNear(4, 1);
        float threshold = 0.95f; // (1 + 0.9) / 2
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (hasVector(i) && adcScore(q, vectors[i]) >= threshold) {
                expected.add("d" + i);
            }
        }
        assertTrue("some documents pass, some do not: " + expected, expected.size() > 1 && expected.size() < docsWithVectors().size());
        List<Hit> scoring = search("idx", "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"similarity\": 0.9, \"boost\": 2, "
            + "\"query_vector\": " + vectorJson(q) + "}}}");
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(scoring.stream().map(Hit::id).toList()));
        for (Hit hit : scoring) {
            assertEquals(hit.id(), 2 * adcScore(q, vectors[index(hit.id())]), hit.score(), 1e-5f);
        }
        List<Hit> topK = search("idx", "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"similarity\": 0.9, \"k\": 100, "
            + "\"rescore_vector\": {\"oversample\": 0}, \"query_vector\": " + vectorJson(q) + "}}}");
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(topK.stream().map(Hit::id).toList()));
    }

    public void testTopKWithoutRescoringReturnsTheBestAdcScores() throws IOException {
        indexCorpus();
        float[] q = queryNear(11, 2);
        List<Hit> hits = search(
            "idx",
            "{\"size\": 20, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q)
                + ", \"k\": 7, \"rescore_vector\": {\"oversample\": 0}}}}"
        );
        assertEquals(7, hits.size());
        List<Float> expectedScores = docsWithVectors().stream().map(i -> adcScore(q, vectors[i])).sorted(Comparator.reverseOrder()).limit(7).toList();
        for (int r = 0; r < 7; r++) {
            assertEquals("rank " + r, expectedScores.get(r), hits.get(r).score(), 1e-5f);
            assertEquals(hits.get(r).id(), adcScore(q, vectors[index(hits.get(r).id())]), hits.get(r).score(), 1e-5f);
        }
    }

    public void testTopKRescoresExactlyWithTheRawVectors() throws IOException {
        indexCorpus();
        float[] q = vectors[21].clone();
        List<Hit> hits = search(
            "idx",
            "{\"size\": 20, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + ", \"k\": 5, \"num_candidates\": 10}}}"
        );
        assertEquals(5, hits.size());
        assertEquals("the document itself is its nearest neighbour", "d21", hits.get(0).id());
        assertEquals(1f, hits.get(0).score(), 1e-5f);
        for (Hit hit : hits) {
            assertEquals(hit.id(), exactScore(q, vectors[index(hit.id())]), hit.score(), 1e-5f);
        }
        List<String> exactTop = docsWithVectors().stream()
            .sorted(Comparator.comparing((Integer i) -> exactScore(q, vectors[i])).reversed())
            .limit(5)
            .map(i -> "d" + i)
            .toList();
        assertEquals(exactTop, hits.stream().map(Hit::id).toList());
    }

    public void testHybridBoolSumsTextAndVectorScores() throws IOException {
        indexCorpus();
        float[] q = queryNear(30, 3);
        Map<String, Float> text = scores(search("idx", "{\"size\": 200, \"query\": {\"match\": {\"title\": \"alpha\"}}}"));
        assertThat(text.size(), greaterThan(10));
        List<Hit> hybrid = search(
            "idx",
            "{\"size\": 200, \"query\": {\"bool\": {\"should\": [{\"match\": {\"title\": \"alpha\"}}, "
                + "{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + ", \"boost\": 2}}]}}}"
        );
        Set<String> expectedIds = new HashSet<>(text.keySet());
        docsWithVectors().forEach(i -> expectedIds.add("d" + i));
        assertEquals(expectedIds, scores(hybrid).keySet());
        for (Hit hit : hybrid) {
            int i = index(hit.id());
            float expected = text.getOrDefault(hit.id(), 0f) + (hasVector(i) ? 2 * adcScore(q, vectors[i]) : 0f);
            assertEquals(hit.id(), expected, hit.score(), 1e-4f);
        }
        // must(match) + should(pq_knn): only text matches, ranked by the sum.
        List<Hit> filtered = search(
            "idx",
            "{\"size\": 200, \"query\": {\"bool\": {\"must\": [{\"match\": {\"title\": \"alpha\"}}], "
                + "\"should\": [{\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + "}}]}}}"
        );
        assertEquals(text.keySet(), scores(filtered).keySet());
        for (Hit hit : filtered) {
            int i = index(hit.id());
            assertEquals(hit.id(), text.get(hit.id()) + (hasVector(i) ? adcScore(q, vectors[i]) : 0f), hit.score(), 1e-4f);
        }
    }

    public void testFilterAppliesInBothModes() throws IOException {
        indexCorpus();
        float[] q = queryNear(40, 4);
        String filter = "\"filter\": {\"term\": {\"category\": \"c1\"}}";
        List<Hit> topK = search(
            "idx",
            "{\"size\": 20, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q)
                + ", \"k\": 5, \"rescore_vector\": {\"oversample\": 0}, " + filter + "}}}"
        );
        List<Integer> c1 = docsWithVectors().stream().filter(i -> i % 3 == 1).toList();
        List<Float> expected = c1.stream().map(i -> adcScore(q, vectors[i])).sorted(Comparator.reverseOrder()).limit(5).toList();
        assertEquals(5, topK.size());
        for (int r = 0; r < 5; r++) {
            assertEquals(1, index(topK.get(r).id()) % 3);
            assertEquals(expected.get(r), topK.get(r).score(), 1e-5f);
        }
        List<Hit> scoring = search("idx", "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + ", " + filter + "}}}");
        assertEquals(c1.stream().map(i -> "d" + i).collect(Collectors.toSet()), scores(scoring).keySet());
    }

    public void testDeletedDocumentsAreNotReturned() throws IOException {
        indexCorpus();
        float[] q = vectors[50].clone();
        String body = "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + ", \"k\": 3}}}";
        assertEquals("d50", search("idx", body).get(0).id());
        client().prepareDelete("idx", "d50").setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE).get();
        List<Hit> after = search("idx", body);
        assertEquals(3, after.size());
        assertFalse(scores(after).containsKey("d50"));
        String scoringBody = "{\"size\": 200, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + "}}}";
        assertEquals(docsWithVectors().size() - 1, search("idx", scoringBody).size());
    }

    public void testLikeQueriesWithTheStoredVectorOfADocument() throws IOException {
        indexCorpus();
        List<Hit> byVector = search(
            "idx",
            "{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(vectors[7]) + ", \"k\": 4}}}"
        );
        List<Hit> byLike = search(
            "idx",
            "{\"size\": 10, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"like\": {\"index\": \"idx\", \"id\": \"d7\"}, \"k\": 4}}}"
        );
        assertEquals(byVector.stream().map(Hit::id).toList(), byLike.stream().map(Hit::id).toList());
        for (int r = 0; r < byVector.size(); r++) {
            assertEquals(byVector.get(r).score(), byLike.get(r).score(), 0f);
        }
        assertEquals("d7", byLike.get(0).id());

        Exception missing = expectThrows(
            Exception.class,
            () -> search("idx", "{\"query\": {\"pq_knn\": {\"field\": \"emb\", \"like\": {\"index\": \"idx\", \"id\": \"nope\"}}}}")
        );
        assertThat(allMessages(missing), containsString("[pq_knn] [like]: document [nope] does not exist in index [idx]"));
        Exception noVector = expectThrows(
            Exception.class,
            () -> search("idx", "{\"query\": {\"pq_knn\": {\"field\": \"emb\", \"like\": {\"index\": \"idx\", \"id\": \"d9\"}}}}")
        );
        assertThat(allMessages(noVector), containsString("[pq_knn] [like]: document [d9] in index [idx] has no value for field [emb]"));
    }

    public void testExplainShowsTheAdcDistance() throws IOException {
        indexCorpus();
        float[] q = queryNear(60, 5);
        for (String mode : List.of(", \"k\": 3, \"rescore_vector\": {\"oversample\": 0}", "")) {
            SearchRequestBuilder request = searchRequest(
                "idx",
                "{\"size\": 3, \"explain\": true, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + mode + "}}}"
            );
            assertNoFailuresAndResponse(request, response -> {
                assertEquals(3, response.getHits().getHits().length);
                for (SearchHit hit : response.getHits().getHits()) {
                    Explanation distance = find(hit.getExplanation(), "d, ADC squared L2 distance");
                    assertNotNull(mode + ": " + hit.getExplanation(), distance);
                    assertEquals(adcDistance(q, vectors[index(hit.getId())]), distance.getValue().floatValue(), 1e-5f);
                    assertEquals(hit.getScore(), hit.getExplanation().getValue().floatValue(), 1e-6f);
                }
            });
        }
    }

    public void testNativeKnnOnTheChildFieldUsesTheFormat() throws IOException {
        indexCorpus();
        float[] q = queryNear(70, 6);
        List<Hit> knn = search(
            "idx",
            "{\"size\": 5, \"knn\": {\"field\": \"emb.pq\", \"query_vector\": " + vectorJson(q) + ", \"k\": 5, \"num_candidates\": 5}}"
        );
        List<Hit> pqKnn = search("idx", "{\"size\": 5, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(q) + ", \"k\": 5}}}");
        assertEquals(pqKnn.stream().map(Hit::id).toList(), knn.stream().map(Hit::id).toList());
        for (int r = 0; r < 5; r++) {
            assertEquals(pqKnn.get(r).score(), knn.get(r).score(), 1e-6f);
        }
        // The format rescored knn's candidates with the raw vectors, so its scores are exact.
        for (Hit hit : knn) {
            assertEquals(exactScore(q, vectors[index(hit.id())]), hit.score(), 1e-5f);
        }
    }

    public void testNestedSegmentsRankParentsByTheirBestSegment() throws IOException {
        createIndexWithMapping(
            "tracks",
            "{\"title\": {\"type\": \"text\"}, \"segments\": {\"type\": \"nested\", \"properties\": {"
                + "\"start\": {\"type\": \"float\"}, \"end\": {\"type\": \"float\"}, "
                + "\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}}}"
        );
        pq = bundle(PqTestBundles.COSINE).quantizer();
        Random random = new Random(5);
        float[][] all = PqTestBundles.clustered(new Random(77), 80, 16, 6, 0.4f, false);
        Map<String, List<float[]>> segments = new LinkedHashMap<>();
        Map<String, String> docs = new LinkedHashMap<>();
        int next = 0;
        for (int t = 0; t < 20; t++) {
            int count = 1 + random.nextInt(4);
            List<float[]> list = new ArrayList<>();
            StringBuilder json = new StringBuilder("{\"title\": \"track " + t + "\", \"segments\": [");
            for (int s = 0; s < count; s++) {
                list.add(all[next++]);
                json.append(s == 0 ? "" : ",")
                    .append("{\"start\": ").append(s * 2.5f).append(", \"end\": ").append(s * 2.5f + 2.5f)
                    .append(", \"emb\": ").append(vectorJson(list.get(s))).append('}');
            }
            segments.put("t" + t, list);
            docs.put("t" + t, json.append("]}").toString());
        }
        indexDocs("tracks", docs);
        float[] q = all[13].clone();

        List<Hit> hits = search(
            "tracks",
            "{\"size\": 20, \"query\": {\"nested\": {\"path\": \"segments\", \"score_mode\": \"max\", "
                + "\"query\": {\"pq_knn\": {\"field\": \"segments.emb\", \"query_vector\": " + vectorJson(q) + "}}, "
                + "\"inner_hits\": {\"size\": 2, \"_source\": [\"segments.start\", \"segments.end\"]}}}}"
        );
        assertEquals(20, hits.size());
        float previous = Float.MAX_VALUE;
        for (Hit hit : hits) {
            List<float[]> segs = segments.get(hit.id());
            List<Integer> bySegmentScore = IntStream.range(0, segs.size()).boxed()
                .sorted(Comparator.comparing((Integer s) -> adcScore(q, segs.get(s))).reversed())
                .toList();
            float best = adcScore(q, segs.get(bySegmentScore.get(0)));
            assertEquals(hit.id(), best, hit.score(), 1e-5f);
            assertTrue(hit.score() <= previous);
            previous = hit.score();
            List<Hit> inner = hit.innerHits().get("segments");
            assertEquals(Math.min(2, segs.size()), inner.size());
            for (int r = 0; r < inner.size(); r++) {
                int offset = Integer.parseInt(inner.get(r).id());
                assertEquals(hit.id() + " inner rank " + r, adcScore(q, segs.get(offset)), inner.get(r).score(), 1e-5f);
                assertEquals(adcScore(q, segs.get(bySegmentScore.get(r))), inner.get(r).score(), 1e-5f);
                assertEquals(((Number) inner.get(r).source().get("start")).floatValue(), offset * 2.5f, 0f);
                assertEquals(((Number) inner.get(r).source().get("end")).floatValue(), offset * 2.5f + 2.5f, 0f);
            }
        }
        assertEquals("the track holding the query segment ranks first", "t" + trackOf(segments, 13), hits.get(0).id());

        // Top-k inside nested: the parents of the best k segments.
        List<Hit> topK = search(
            "tracks",
            "{\"size\": 20, \"query\": {\"nested\": {\"path\": \"segments\", \"score_mode\": \"max\", "
                + "\"query\": {\"pq_knn\": {\"field\": \"segments.emb\", \"query_vector\": " + vectorJson(q)
                + ", \"k\": 4, \"rescore_vector\": {\"oversample\": 0}}}}}}"
        );
        Set<String> expectedParents = new HashSet<>();
        List<float[]> flat = new ArrayList<>();
        List<String> owner = new ArrayList<>();
        segments.forEach((id, list) -> list.forEach(v -> {
            flat.add(v);
            owner.add(id);
        }));
        IntStream.range(0, flat.size()).boxed()
            .sorted(Comparator.comparing((Integer s) -> adcScore(q, flat.get(s))).reversed())
            .limit(4)
            .forEach(s -> expectedParents.add(owner.get(s)));
        assertEquals(expectedParents, scores(topK).keySet());
    }

    private static int trackOf(Map<String, List<float[]>> segments, int flatIndex) {
        int seen = 0;
        int t = 0;
        for (List<float[]> list : segments.values()) {
            if (flatIndex < seen + list.size()) {
                return t;
            }
            seen += list.size();
            t++;
        }
        throw new AssertionError();
    }

    public void testANodeWhoseBundleDiffersRefusesToIndexAndSearch() throws IOException {
        String recorded = "0".repeat(64);
        createIndexWithMapping(
            "other",
            "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"model_checksum\": \"" + recorded
                + "\", \"dims\": 16, \"m\": 4, \"bits\": 8, \"similarity\": \"cosine\"}}"
        );
        String nodeChecksum = bundle(PqTestBundles.COSINE).checksum();
        Exception index = expectThrows(
            Exception.class,
            () -> client().prepareIndex("other").setId("1").setSource("{\"emb\": " + vectorJson(new float[] {1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}) + "}", org.elasticsearch.xcontent.XContentType.JSON).get()
        );
        assertThat(
            allMessages(index),
            containsString(
                "cannot index field [emb] on node [" + NODE_NAME + "]: model bundle [" + PqTestBundles.COSINE + "] on this node has checksum ["
                    + nodeChecksum + "] but the mapping recorded checksum [" + recorded + "]"
            )
        );
        Exception search = expectThrows(
            Exception.class,
            () -> search("other", "{\"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(new float[16]).replace("[0.0", "[1.0") + "}}}")
        );
        assertThat(allMessages(search), containsString("cannot search field [emb] on node [" + NODE_NAME + "]: model bundle [" + PqTestBundles.COSINE + "] on this node has checksum [" + nodeChecksum + "] but the mapping recorded checksum [" + recorded + "]"));

        // A mapping recorded elsewhere with a bundle this node lacks is kept, and refused the same way.
        createIndexWithMapping(
            "gone",
            "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"gone\", \"model_checksum\": \"" + recorded
                + "\", \"dims\": 4, \"m\": 2, \"bits\": 8, \"similarity\": \"l2_norm\"}}"
        );
        Exception missing = expectThrows(
            Exception.class,
            () -> client().prepareIndex("gone").setId("1").setSource("{\"emb\": [1, 2, 3, 4]}", org.elasticsearch.xcontent.XContentType.JSON).get()
        );
        assertThat(allMessages(missing), containsString("cannot index field [emb] on node [" + NODE_NAME + "]: the mapping was created with model bundle [gone] checksum [" + recorded + "], but on this node it is not installed"));
    }

    /** Elasticsearch's knn on the pq_vector field itself is refused, naming pq_knn and the sub-field it does work on. */
    public void testKnnOnThePqVectorFieldNamesPqKnnAndTheSubField() throws IOException {
        indexCorpus();
        String knn = "{\"field\": \"emb\", \"query_vector\": " + vectorJson(queryNear(3, 2)) + ", \"k\": 5, \"num_candidates\": 5}";
        String expected = "[knn] queries are only supported on [dense_vector] fields; [emb] is a [pq_vector] field: search it with the "
            + "[pq_knn] query, or run [knn] on its [emb.pq] sub-field";
        for (String body : new String[] { "{\"query\": {\"knn\": " + knn + "}}", "{\"knn\": " + knn + "}", "{\"retriever\": {\"knn\": " + knn + "}}" }) {
            Exception e = expectThrows(Exception.class, () -> search("idx", body));
            assertEquals(body, RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
            assertEquals(body, expected, e.getMessage());
        }
        // Any other field type keeps Elasticsearch's own message.
        Exception text = expectThrows(Exception.class, () -> search("idx", "{\"knn\": " + knn.replace("\"emb\"", "\"title\"") + "}"));
        assertThat(allMessages(text), containsString(KnnOnPqVectorFilter.KNN_REFUSAL));
        assertThat(allMessages(text), org.hamcrest.Matchers.not(containsString("pq_knn")));
    }

    public void testQueryErrorsNameTheProblem() throws IOException {
        indexCorpus();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"field\": \"emb\", \"query_vector\": [1, 2, 3]}", "field [emb] of type [pq_vector] expects vectors of [16] dimensions, the query vector has [3]");
        cases.put("{\"field\": \"emb\", \"query_vector\": " + vectorJson(new float[16]) + "}", "the query vector is a zero vector");
        cases.put("{\"field\": \"title\", \"query_vector\": [1, 2, 3]}", "[pq_knn] queries are only supported on [pq_vector] fields, but field [title] is of type [text]");
        cases.put("{\"field\": \"emb\", \"query_vector\": [1], \"num_candidates\": 5}", "[num_candidates] applies to top-k mode only");
        cases.put("{\"field\": \"emb\", \"query_vector\": [1], \"k\": 5, \"num_candidates\": 2}", "[num_candidates] must be in [k=5, 10000], got [2]");
        cases.put("{\"field\": \"emb\", \"query_vector\": [1], \"k\": 5, \"rescore_vector\": {\"oversample\": 0.5}}", "[rescore_vector.oversample] must be 0 (no rescoring) or in [1, 100.0], got [0.5]");
        cases.put("{\"field\": \"emb\", \"query_vector\": [1], \"nprobe\": 4}", "[nprobe] applies to top-k mode only: set [k]");
        cases.put("{\"field\": \"emb\"}", "requires exactly one of [query_vector], [like] and [query_audio]");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Exception e = expectThrows(Exception.class, () -> search("idx", "{\"query\": {\"pq_knn\": " + c.getKey() + "}}"));
            assertThat(c.getKey(), allMessages(e), containsString(c.getValue()));
        }
        // An unmapped field matches nothing (as other queries do in an index without the field).
        assertEquals(0, search("idx", "{\"query\": {\"pq_knn\": {\"field\": \"nope\", \"query_vector\": [1, 2]}}}").size());
    }

    private static Explanation find(Explanation e, String prefix) {
        if (e.getDescription().startsWith(prefix)) {
            return e;
        }
        for (Explanation detail : e.getDetails()) {
            Explanation found = find(detail, prefix);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Map<String, Float> scores(List<Hit> hits) {
        Map<String, Float> scores = new HashMap<>();
        hits.forEach(h -> scores.put(h.id(), h.score()));
        return scores;
    }

    static String allMessages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
            for (Throwable s : t.getSuppressed()) {
                all.append(allMessages(s));
            }
        }
        return all.toString();
    }

}
