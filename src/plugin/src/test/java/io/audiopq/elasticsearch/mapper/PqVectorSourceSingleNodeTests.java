package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.PqSingleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.action.get.GetRequest;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.admin.indices.flush.FlushRequest;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.engine.Engine;
import org.elasticsearch.index.mapper.SourceFieldMapper;
import org.elasticsearch.index.mapper.Uid;
import org.elasticsearch.index.shard.IndexShard;
import org.elasticsearch.index.translog.Translog;
import org.elasticsearch.indices.IndicesService;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code pq_vector} and {@code _source}: with {@code store_raw} (and Elasticsearch's default
 * {@code index.mapping.exclude_source_vectors: true}) the stored {@code _source} leaves the vector
 * out and get, update and search put it back from the raw vectors, as {@code dense_vector} does;
 * the index setting opts out, and {@code store_raw: false} keeps the JSON.
 */
public class PqVectorSourceSingleNodeTests extends PqSingleNodeTestCase {

    private static final int N = 30;

    private static String field(String model, String extra) {
        return "{\"type\": \"pq_vector\", \"model\": \"" + model + "\"" + (extra == null ? "" : ", " + extra) + "}";
    }

    /** Indexes N docs {title, emb} (every 7th without a vector) into a new index and returns the vectors by id. */
    private Map<String, float[]> indexVectors(String index, Settings extraSettings, String embMapping, float[][] vectors) {
        indicesAdmin().prepareCreate(index)
            .setSettings(Settings.builder().put(indexSettings()).put(extraSettings))
            .setMapping("{\"properties\": {\"title\": {\"type\": \"keyword\"}, \"emb\": " + embMapping + "}}")
            .get();
        ensureGreen(index);
        Map<String, float[]> byId = new LinkedHashMap<>();
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) {
            String id = "d" + i;
            if (i % 7 == 6) {
                docs.put(id, "{\"title\": \"t" + i + "\"}");
            } else {
                byId.put(id, vectors[i]);
                docs.put(id, "{\"title\": \"t" + i + "\", \"emb\": " + vectorJson(vectors[i]) + "}");
            }
        }
        indexDocs(index, docs);
        return byId;
    }

    private static float[][] l2Vectors() {
        return PqTestBundles.clustered(new Random(3), N, 8, 4, 0.5f, false);
    }

    private static float[] floats(Object value) {
        assertTrue("expected a list of numbers, got " + value, value instanceof List<?>);
        List<?> list = (List<?>) value;
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    private static void assertVector(String id, float[] expected, Object actual, float relativeTolerance) {
        float[] got = floats(actual);
        assertEquals(id, expected.length, got.length);
        for (int i = 0; i < expected.length; i++) {
            if (relativeTolerance == 0) {
                assertEquals(id + "[" + i + "]", Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]));
            } else {
                assertEquals(id + "[" + i + "]", expected[i], got[i], relativeTolerance * Math.max(1f, Math.abs(expected[i])));
            }
        }
    }

    /** GET with {@code _source_exclude_vectors=false}: on 9.x indices GET leaves vectors out by default, for dense_vector too. */
    private Map<String, Object> getSource(String index, String id) {
        GetResponse response = client().get(
            new GetRequest(index, id).fetchSourceContext(FetchSourceContext.of(true, false, null, null))
        ).actionGet();
        assertTrue(id, response.isExists());
        return response.getSourceAsMap();
    }

    /** The {@code _source} of every root document as Lucene stores it, by {@code _id}; the sizes of {@code _recovery_source} too. */
    private Map<String, Map<String, Object>> storedSources(String index, List<Integer> recoverySourceBytes) throws IOException {
        IndexShard shard = getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex(index)).getShard(0);
        Map<String, Map<String, Object>> sources = new LinkedHashMap<>();
        try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                StoredFields stored = leaf.reader().storedFields();
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    var document = stored.document(doc);
                    BytesRef recovery = document.getBinaryValue(SourceFieldMapper.RECOVERY_SOURCE_NAME);
                    if (recovery != null) {
                        recoverySourceBytes.add(recovery.length);
                    }
                    BytesRef source = document.getBinaryValue(SourceFieldMapper.NAME);
                    if (source != null) {
                        Map<String, Object> map = XContentHelper.convertToMap(new BytesArray(source), false, XContentType.JSON).v2();
                        sources.put((String) map.get("title"), map);
                    }
                }
            }
        }
        return sources;
    }

    public void testStoredSourceLeavesTheVectorOutAndGetPutsTheExactFloatsBack() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors("src", Settings.EMPTY, field(PqTestBundles.L2, null), vectors);

        List<Integer> recovery = new ArrayList<>();
        Map<String, Map<String, Object>> stored = storedSources("src", recovery);
        assertEquals(N, stored.size());
        for (Map<String, Object> source : stored.values()) {
            assertFalse("stored _source still holds the vector: " + source, source.containsKey("emb"));
        }
        assertEquals("no _recovery_source: the vector is rebuilt for recovery too", List.of(), recovery);

        for (int i = 0; i < N; i++) {
            String id = "d" + i;
            Map<String, Object> source = getSource("src", id);
            assertEquals("t" + i, source.get("title"));
            if (byId.containsKey(id)) {
                assertVector(id, byId.get(id), source.get("emb"), 0);
            } else {
                assertFalse(id + " had no vector: " + source, source.containsKey("emb"));
            }
        }
    }

    /** The operation history (operation-based peer recovery, CCR) rebuilds the vector from the index too. */
    public void testChangesSnapshotCarriesTheVector() throws IOException {
        Map<String, float[]> byId = indexVectors("hist", Settings.EMPTY, field(PqTestBundles.L2, null), l2Vectors());
        IndexShard shard = getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex("hist")).getShard(0);
        shard.flush(new FlushRequest().force(true));
        int seen = 0;
        try (
            Translog.Snapshot snapshot = shard.newChangesSnapshot("test", 0, N - 1, true, true, false, ByteSizeValue.ofMb(1).getBytes())
        ) {
            for (Translog.Operation op = snapshot.next(); op != null; op = snapshot.next()) {
                Translog.Index index = (Translog.Index) op;
                Map<String, Object> source = XContentHelper.convertToMap(index.source(), false, XContentType.JSON).v2();
                String id = Uid.decodeId(index.uid());
                if (byId.containsKey(id)) {
                    assertVector(id, byId.get(id), source.get("emb"), 0);
                } else {
                    assertFalse(id + ": " + source, source.containsKey("emb"));
                }
                seen++;
            }
        }
        assertEquals(N, seen);
    }

    public void testDotProductAndCosineVectorsComeBack() {
        float[][] unit = PqTestBundles.clustered(new Random(4), N, 8, 4, 0.5f, true);
        Map<String, float[]> dot = indexVectors("dot", Settings.EMPTY, field(PqTestBundles.DOT, null), unit);
        dot.forEach((id, v) -> assertVector(id, v, getSource("dot", id).get("emb"), 0));

        // cosine: the child indexes the normalised vector and keeps the magnitude, as dense_vector
        // does; the product gives the original back up to float rounding.
        float[][] any = PqTestBundles.clustered(new Random(5), N, 16, 4, 0.5f, false);
        for (float[] v : any) {
            for (int i = 0; i < v.length; i++) {
                v[i] *= 3.5f;
            }
        }
        Map<String, float[]> cos = indexVectors("cos", Settings.EMPTY, field(PqTestBundles.COSINE, null), any);
        cos.forEach((id, v) -> assertVector(id, v, getSource("cos", id).get("emb"), 1e-6f));
    }

    public void testRealtimeGetBeforeRefresh() {
        createIndexWithMapping("rt", "{\"emb\": " + field(PqTestBundles.L2, null) + "}");
        float[] v = l2Vectors()[0];
        client().prepareIndex("rt").setId("1").setSource("{\"emb\": " + vectorJson(v) + "}", XContentType.JSON).get();
        assertVector("1", v, getSource("rt", "1").get("emb"), 0);
    }

    public void testSourceFilteringOnGetAndSearch() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors("filt", Settings.EMPTY, field(PqTestBundles.L2, null), vectors);
        String id = "d2";

        GetResponse onlyTitle = client().prepareGet("filt", id).setFetchSource(new String[] { "title" }, null).get();
        assertEquals(Map.of("title", "t2"), onlyTitle.getSourceAsMap());
        GetResponse withoutEmb = client().prepareGet("filt", id).setFetchSource(null, new String[] { "emb" }).get();
        assertEquals(Map.of("title", "t2"), withoutEmb.getSourceAsMap());
        GetResponse onlyEmb = client().prepareGet("filt", id).setFetchSource(new String[] { "emb" }, null).get();
        assertEquals(Map.of("emb", onlyEmb.getSourceAsMap().get("emb")), onlyEmb.getSourceAsMap());
        assertVector(id, byId.get(id), onlyEmb.getSourceAsMap().get("emb"), 0);
        // A plain GET leaves vectors out (index.mapping.exclude_source_vectors decides the default, as for dense_vector).
        assertEquals(Map.of("title", "t2"), client().prepareGet("filt", id).get().getSourceAsMap());
        GetResponse noVectors = client().get(
            new GetRequest("filt", id).fetchSourceContext(FetchSourceContext.of(true, true, null, null))
        ).actionGet();
        assertEquals(Map.of("title", "t2"), noVectors.getSourceAsMap());
        GetResponse titleAndVector = client().get(
            new GetRequest("filt", id).fetchSourceContext(FetchSourceContext.of(true, false, new String[] { "title" }, null))
        ).actionGet();
        assertEquals(Map.of("title", "t2"), titleAndVector.getSourceAsMap());

        String query = "\"query\": {\"ids\": {\"values\": [\"" + id + "\"]}}";
        // Search leaves vectors out unless asked, like for dense_vector.
        assertEquals(Map.of("title", "t2"), search("filt", "{" + query + "}").get(0).source());
        Map<String, Object> all = search("filt", "{" + query + ", \"_source\": {\"exclude_vectors\": false}}").get(0).source();
        assertEquals("t2", all.get("title"));
        assertVector(id, byId.get(id), all.get("emb"), 0);
        Map<String, Object> included = search(
            "filt",
            "{" + query + ", \"_source\": {\"includes\": [\"emb\"], \"exclude_vectors\": false}}"
        ).get(0).source();
        assertEquals(List.of("emb"), List.copyOf(included.keySet()));
        assertVector(id, byId.get(id), included.get("emb"), 0);
        Map<String, Object> excluded = search(
            "filt",
            "{" + query + ", \"_source\": {\"excludes\": [\"emb\"], \"exclude_vectors\": false}}"
        ).get(0).source();
        assertEquals(Map.of("title", "t2"), excluded);

        // A pq_knn hit carries its vector when asked.
        List<Hit> hits = search(
            "filt",
            "{\"size\": 3, \"_source\": {\"exclude_vectors\": false}, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": "
                + vectorJson(byId.get(id)) + ", \"k\": 3}}}"
        );
        assertEquals(id, hits.get(0).id());
        for (Hit hit : hits) {
            assertVector(hit.id(), byId.get(hit.id()), hit.source().get("emb"), 0);
        }
    }

    public void testFieldsOption() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors("flds", Settings.EMPTY, field(PqTestBundles.L2, null), vectors);
        var response = searchRequest("flds", "{\"query\": {\"ids\": {\"values\": [\"d1\"]}}, \"fields\": [\"emb\"], \"_source\": false}").get();
        try {
            var values = response.getHits().getHits()[0].field("emb").getValues();
            float[] got = new float[values.size()];
            for (int i = 0; i < got.length; i++) {
                got[i] = ((Number) values.get(i)).floatValue();
            }
            assertArrayEquals(byId.get("d1"), got, 0f);
        } finally {
            response.decRef();
        }
    }

    public void testNestedSegments() throws IOException {
        createIndexWithMapping(
            "tracks",
            "{\"title\": {\"type\": \"keyword\"}, \"segments\": {\"type\": \"nested\", \"properties\": {"
                + "\"start\": {\"type\": \"float\"}, \"end\": {\"type\": \"float\"}, \"embedding\": " + field(PqTestBundles.L2, null) + "}}}"
        );
        float[][] all = PqTestBundles.clustered(new Random(11), 60, 8, 4, 0.5f, false);
        Random random = new Random(12);
        Map<String, List<float[]>> segmentsById = new LinkedHashMap<>();
        Map<String, String> docs = new LinkedHashMap<>();
        int next = 0;
        for (int t = 0; t < 12; t++) {
            int count = 1 + random.nextInt(4);
            List<float[]> segs = new ArrayList<>();
            StringBuilder json = new StringBuilder("{\"title\": \"t" + t + "\", \"segments\": [");
            for (int s = 0; s < count; s++) {
                // The second segment of every third track has no embedding.
                boolean withVector = t % 3 != 0 || s != 1;
                segs.add(withVector ? all[next++] : null);
                json.append(s == 0 ? "" : ", ").append("{\"start\": ").append(s * 2.5f).append(", \"end\": ").append((s + 1) * 2.5f);
                if (withVector) {
                    json.append(", \"embedding\": ").append(vectorJson(segs.get(s)));
                }
                json.append('}');
            }
            segmentsById.put("t" + t, segs);
            docs.put("t" + t, json.append("]}").toString());
        }
        indexDocs("tracks", docs);

        for (Map<String, Object> source : storedSources("tracks", new ArrayList<>()).values()) {
            for (Object segment : (List<?>) source.get("segments")) {
                assertFalse("stored _source still holds the vector: " + segment, ((Map<?, ?>) segment).containsKey("embedding"));
            }
        }
        for (var entry : segmentsById.entrySet()) {
            assertSegments(entry.getKey(), entry.getValue(), getSource("tracks", entry.getKey()));
        }
        List<Hit> hits = search("tracks", "{\"size\": 20, \"_source\": {\"exclude_vectors\": false}, \"query\": {\"match_all\": {}}}");
        assertEquals(segmentsById.size(), hits.size());
        for (Hit hit : hits) {
            assertSegments(hit.id(), segmentsById.get(hit.id()), hit.source());
        }

        // Partial update of a nested track keeps every segment's vector.
        renameTitle("tracks", "t4");
        Map<String, Object> updated = getSource("tracks", "t4");
        assertEquals("renamed", updated.get("title"));
        assertSegments("t4", segmentsById.get("t4"), updated);
    }

    /** A partial update that touches only the title: vectors must survive it. */
    private void renameTitle(String index, String id) {
        client().prepareUpdate(index, id)
            .setDoc("{\"title\": \"renamed\"}", XContentType.JSON)
            .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
            .get();
    }

    private static void assertSegments(String id, List<float[]> expected, Map<String, Object> source) {
        List<?> segments = (List<?>) source.get("segments");
        assertEquals(id, expected.size(), segments.size());
        for (int s = 0; s < expected.size(); s++) {
            Map<?, ?> segment = (Map<?, ?>) segments.get(s);
            assertEquals(id, s * 2.5, ((Number) segment.get("start")).doubleValue(), 1e-6);
            if (expected.get(s) == null) {
                assertFalse(id + " segment " + s + ": " + segment, segment.containsKey("embedding"));
            } else {
                assertVector(id + " segment " + s, expected.get(s), segment.get("embedding"), 0);
            }
        }
    }

    public void testPartialUpdateKeepsTheVector() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors("upd", Settings.EMPTY, field(PqTestBundles.L2, null), vectors);
        renameTitle("upd", "d3");
        Map<String, Object> source = getSource("upd", "d3");
        assertEquals("renamed", source.get("title"));
        assertVector("d3", byId.get("d3"), source.get("emb"), 0);
        // Still indexed: the document is its own nearest neighbour (ADC only, so it ranks by its code).
        List<Hit> hits = search(
            "upd",
            "{\"size\": 1, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"query_vector\": " + vectorJson(byId.get("d3")) + ", \"k\": 1}}}"
        );
        assertEquals("d3", hits.get(0).id());
        assertFalse(storedSources("upd", new ArrayList<>()).get("renamed").containsKey("emb"));

        // An update that replaces the vector.
        float[] replacement = vectors[0];
        client().prepareUpdate("upd", "d3")
            .setDoc("{\"emb\": " + vectorJson(replacement) + "}", XContentType.JSON)
            .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
            .get();
        assertVector("d3", replacement, getSource("upd", "d3").get("emb"), 0);
    }

    public void testIndexSettingOptsOut() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors(
            "keep",
            Settings.builder().put("index.mapping.exclude_source_vectors", false).build(),
            field(PqTestBundles.L2, null),
            vectors
        );
        Map<String, Map<String, Object>> stored = storedSources("keep", new ArrayList<>());
        byId.forEach((id, v) -> {
            assertVector(id, v, stored.get("t" + id.substring(1)).get("emb"), 0);
            assertVector(id, v, getSource("keep", id).get("emb"), 0);
        });
    }

    /** Without raw vectors only PQ reconstructions could be rebuilt: the exact JSON stays in _source. */
    public void testCodesOnlyFieldKeepsTheJson() throws IOException {
        float[][] vectors = l2Vectors();
        Map<String, float[]> byId = indexVectors("codes", Settings.EMPTY, field(PqTestBundles.L2, "\"store_raw\": false"), vectors);
        Map<String, Map<String, Object>> stored = storedSources("codes", new ArrayList<>());
        byId.forEach((id, v) -> {
            assertTrue(stored.get("t" + id.substring(1)).containsKey("emb"));
            assertVector(id, v, getSource("codes", id).get("emb"), 0);
        });
    }
}
