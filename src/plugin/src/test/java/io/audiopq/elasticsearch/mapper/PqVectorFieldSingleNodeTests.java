package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.PqSingleNodeTestCase;
import io.audiopq.elasticsearch.PqTestBundles;
import io.audiopq.lucene.PqVectorsReader;
import io.audiopq.model.ModelBundle;

import org.apache.lucene.index.LeafReaderContext;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.IndexService;
import org.elasticsearch.index.engine.Engine;
import org.elasticsearch.index.mapper.MappedFieldType;
import org.elasticsearch.index.mapper.MapperService;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;
import org.elasticsearch.index.shard.IndexShard;
import org.elasticsearch.indices.IndicesService;
import org.elasticsearch.xcontent.XContentType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertHitCount;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesRegex;
import static org.hamcrest.Matchers.instanceOf;

/**
 * {@code pq_vector} inside a node: mappings through the index APIs, segments written by the
 * engine, bulk item failures, search. {@link PqVectorFieldMapperTests} runs the mapper through
 * Elasticsearch's {@code MapperTestCase}.
 */
public class PqVectorFieldSingleNodeTests extends PqSingleNodeTestCase {

    public void testMappingTakesShapeAndChecksumFromTheBundle() {
        createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}");
        ModelBundle bundle = bundle(PqTestBundles.COSINE);

        Map<String, Object> emb = fieldMapping("idx", "emb");
        assertEquals("pq_vector", emb.get("type"));
        assertEquals(PqTestBundles.COSINE, emb.get("model"));
        assertEquals(bundle.checksum(), emb.get("model_checksum"));
        assertEquals(16, emb.get("dims"));
        assertEquals(4, emb.get("m"));
        assertEquals(8, emb.get("bits"));
        assertEquals("cosine", emb.get("similarity"));
        assertEquals(true, emb.get("store_raw"));
        assertNull("the child is internal, not part of the mapping", emb.get("fields"));

        MapperService mapperService = indexService("idx").mapperService();
        MappedFieldType parent = mapperService.fieldType("emb");
        assertThat(parent, instanceOf(PqVectorFieldType.class));
        MappedFieldType child = mapperService.fieldType("emb.pq");
        assertThat(child, instanceOf(DenseVectorFieldMapper.DenseVectorFieldType.class));
        DenseVectorFieldMapper.DenseVectorFieldType dense = (DenseVectorFieldMapper.DenseVectorFieldType) child;
        assertEquals(16, dense.getVectorDimensions());
        assertEquals(DenseVectorFieldMapper.VectorSimilarity.COSINE, dense.getSimilarity());
        assertNotNull(dense.getIndexOptions());
        assertFalse("flat options would bypass the PQ reader", dense.getIndexOptions().isFlat());
    }

    public void testExplicitValuesAndSimilarityOverride() {
        createIndexWithMapping(
            "idx",
            "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.L2 + "\", \"dims\": 8, \"m\": 2, \"bits\": 4, "
                + "\"similarity\": \"cosine\", \"store_raw\": false, \"ivf\": {\"enabled\": false}}}"
        );
        Map<String, Object> emb = fieldMapping("idx", "emb");
        assertEquals("cosine", emb.get("similarity"));
        assertEquals(false, emb.get("store_raw"));
        assertEquals(bundle(PqTestBundles.L2).checksum(), emb.get("model_checksum"));
        assertNull(emb.get("ivf"));
    }

    public void testSegmentsCarryTheBundlesCodebook() throws Exception {
        createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}");
        float[][] vectors = PqTestBundles.clustered(new Random(PqTestBundles.DATA_SEED), 50, 16, 12, 0.3f, false);
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < vectors.length; i++) {
            docs.put("d" + i, "{\"emb\": " + vectorJson(vectors[i]) + "}");
        }
        indexDocs("idx", docs);
        indicesAdmin().prepareFlush("idx").get();

        String codebookId = bundle(PqTestBundles.COSINE).quantizer().id();
        IndexShard shard = indexService("idx").getShard(0);
        int vectorsSeen = 0;
        try (Engine.Searcher searcher = shard.acquireSearcher("test")) {
            assertFalse(searcher.getIndexReader().leaves().isEmpty());
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                PqVectorsReader reader = PqVectorsReader.forField(leaf.reader(), "emb.pq");
                assertNotNull("segment " + leaf + " does not hold emb.pq in the PQ format", reader);
                assertEquals(codebookId, reader.codebook("emb.pq").id());
                assertTrue(reader.hasRawVectors("emb.pq"));
                vectorsSeen += leaf.reader().getFloatVectorValues("emb.pq").size();
            }
        }
        assertEquals(50, vectorsSeen);
    }

    public void testUnknownBundleIsRejected() {
        Exception e = expectThrows(Exception.class, () -> createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"nope\"}}"));
        assertThat(rootMessage(e), containsString("model bundle [nope] is not available on node [" + NODE_NAME + "]"));
        // Lucene's test file system may add stray entries (extraN) to the models folder, which
        // the list rightly shows too: check that the test's bundles are listed, not the whole list.
        for (String bundle : new String[] { PqTestBundles.COSINE, PqTestBundles.DOT, PqTestBundles.L2 }) {
            assertThat(rootMessage(e), containsString("bundles on this node: ["));
            assertThat(rootMessage(e), matchesRegex("(?s).*bundles on this node: \\[[^\\]]*\\b" + bundle + "\\b.*"));
        }
    }

    public void testModelIsRequired() {
        Exception e = expectThrows(Exception.class, () -> createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\"}}"));
        assertThat(rootMessage(e), containsString("[model] is required"));
    }

    public void testExplicitShapeMustMatchTheBundle() {
        for (String[] option : List.of(new String[] { "dims", "12", "16" }, new String[] { "m", "8", "4" }, new String[] { "bits", "4", "8" })) {
            Exception e = expectThrows(
                Exception.class,
                () -> createIndexWithMapping(
                    "idx",
                    "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"" + option[0] + "\": " + option[1] + "}}"
                )
            );
            assertThat(
                rootMessage(e),
                containsString(
                    "field [emb] of type [pq_vector]: [" + option[0] + "] is [" + option[1] + "] but model bundle [" + PqTestBundles.COSINE
                        + "] has " + option[0] + " = " + option[2]
                )
            );
        }
    }

    public void testBadOptionsAreRejectedWithTheirName() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("\"similarity\": \"max_inner_product\"", "unknown [similarity] [max_inner_product]; expected one of [l2_norm, cosine, dot_product]");
        cases.put("\"ivf\": true", "[ivf] must be an object {\"nlist\": <lists>, \"nprobe\": <lists probed>} (or {\"enabled\": false}), got [true]");
        cases.put("\"ivf\": {\"nprobe\": 4}", "[ivf.nlist] is required");
        cases.put("\"ivf\": {\"nlist\": 0}", "[ivf.nlist] must be in [1, 65536], got [0]");
        cases.put("\"ivf\": {\"nlist\": 70000}", "[ivf.nlist] must be in [1, 65536], got [70000]");
        cases.put("\"ivf\": {\"nlist\": \"many\"}", "[ivf.nlist] must be an integer, got [many]");
        cases.put("\"ivf\": {\"nlist\": 8, \"nprobe\": 9}", "[ivf.nprobe] must be in [1, 8] (1 to ivf.nlist), got [9]");
        cases.put("\"ivf\": {\"nlist\": 8, \"nprobe\": 0}", "[ivf.nprobe] must be in [1, 8] (1 to ivf.nlist), got [0]");
        cases.put("\"ivf\": {\"nlist\": 8, \"probes\": 2}", "unknown [ivf] option [probes]; expected [nlist], [nprobe], [centroids] or [enabled]");
        cases.put("\"ivf\": {\"enabled\": false, \"nlist\": 8}", "[ivf] with [enabled: false] takes no other options");
        cases.put("\"ivf\": {\"enabled\": \"no\", \"nlist\": 8}", "[ivf.enabled] must be a boolean, got [no]");
        cases.put("\"bits\": 6", "[bits] must be 4 or 8, got [6]");
        cases.put("\"dims\": \"sixteen\"", "[dims] must be an integer, got [sixteen]");
        cases.put("\"model_checksum\": \"abc\"", "[model_checksum] must be a lowercase hex SHA-256");
        cases.put("\"colour\": \"red\"", "unknown parameter [colour]");
        cases.put("\"fields\": {\"raw\": {\"type\": \"keyword\"}}", "does not support multi-fields");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Exception e = expectThrows(
                Exception.class,
                () -> createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", " + c.getKey() + "}}")
            );
            assertThat(c.getKey(), rootMessage(e), containsString(c.getValue()));
        }
    }

    public void testIvfOptionsAreRecordedWithTheirDefaultAndNotUpdatable() {
        createIndexWithMapping(
            "idx",
            "{\"a\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": {\"nlist\": 64, \"nprobe\": 5}}, "
                + "\"b\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": {\"nlist\": 64}}, "
                + "\"c\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": {\"enabled\": true, \"nlist\": 4}}}"
        );
        // The bundle has no centroids: each segment trains its own, and the mapping says so.
        assertEquals(Map.of("nlist", 64, "nprobe", 5, "centroids", "per_segment"), fieldMapping("idx", "a").get("ivf"));
        assertEquals("nprobe defaults to min(16, nlist)", Map.of("nlist", 64, "nprobe", 16, "centroids", "per_segment"), fieldMapping("idx", "b").get("ivf"));
        assertEquals(Map.of("nlist", 4, "nprobe", 4, "centroids", "per_segment"), fieldMapping("idx", "c").get("ivf"));

        // The recorded form merges cleanly with itself...
        String same = "{\"a\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": {\"nlist\": 64, \"nprobe\": 5}}}";
        assertTrue(indicesAdmin().preparePutMapping("idx").setSource("{\"properties\": " + same + "}", XContentType.JSON).get().isAcknowledged());
        // ...but the lists are part of the written segments: neither nlist nor the default nprobe can change.
        for (String changed : List.of("{\"nlist\": 64, \"nprobe\": 6}", "{\"nlist\": 32, \"nprobe\": 5}", "{\"enabled\": false}")) {
            Exception e = expectThrows(
                Exception.class,
                () -> indicesAdmin().preparePutMapping("idx")
                    .setSource(
                        "{\"properties\": {\"a\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\", \"ivf\": " + changed + "}}}",
                        XContentType.JSON
                    )
                    .get()
            );
            assertThat(changed, rootMessage(e), containsString("Cannot update parameter [ivf]"));
        }
    }

    public void testIvfTakesTheBundlesCentroidsByDefault() {
        String ivfBundle = PqTestBundles.COSINE_IVF;
        createIndexWithMapping(
            "idx",
            "{\"a\": {\"type\": \"pq_vector\", \"model\": \"" + ivfBundle + "\", \"ivf\": {}}, "
                + "\"b\": {\"type\": \"pq_vector\", \"model\": \"" + ivfBundle + "\", \"ivf\": {\"nlist\": 8, \"nprobe\": 3}}, "
                + "\"c\": {\"type\": \"pq_vector\", \"model\": \"" + ivfBundle + "\", \"ivf\": {\"nlist\": 32, \"centroids\": \"per_segment\"}}, "
                + "\"d\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE_IVF_RESIDUAL + "\", \"ivf\": {\"nprobe\": 8}}}"
        );
        assertEquals(Map.of("nlist", 8, "nprobe", 8, "centroids", "bundle"), fieldMapping("idx", "a").get("ivf"));
        assertEquals(Map.of("nlist", 8, "nprobe", 3, "centroids", "bundle"), fieldMapping("idx", "b").get("ivf"));
        assertEquals(Map.of("nlist", 32, "nprobe", 16, "centroids", "per_segment"), fieldMapping("idx", "c").get("ivf"));
        assertEquals(Map.of("nlist", 8, "nprobe", 8, "centroids", "bundle"), fieldMapping("idx", "d").get("ivf"));

        Map<String, String> cases = new LinkedHashMap<>();
        cases.put(ivfBundle + "\", \"ivf\": {\"nlist\": 16}", "[ivf.nlist] is [16] but the centroids of model bundle [cos16-ivf] make 8 lists");
        cases.put(ivfBundle + "\", \"ivf\": {\"nprobe\": 9}", "[ivf.nprobe] must be in [1, 8] (1 to ivf.nlist), got [9]");
        cases.put(PqTestBundles.COSINE + "\", \"ivf\": {\"centroids\": \"bundle\", \"nlist\": 8}", "model bundle [cos16] has no IVF centroids");
        cases.put(ivfBundle + "\", \"ivf\": {\"centroids\": \"global\"}", "[ivf.centroids] must be [bundle] (the model bundle's) or [per_segment]");
        cases.put(PqTestBundles.COSINE_IVF_RESIDUAL + "\"", "has a codebook trained on IVF residuals, which only encodes with its centroids");
        cases.put(PqTestBundles.COSINE_IVF_RESIDUAL + "\", \"ivf\": {\"nlist\": 8, \"centroids\": \"per_segment\"}", "trained on IVF residuals");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Exception e = expectThrows(
                Exception.class,
                () -> indicesAdmin().prepareCreate("bad")
                    .setSettings(Settings.builder().put("index.codec", "default"))
                    .setMapping("{\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + c.getKey() + "}}}")
                    .get()
            );
            assertThat(c.getKey(), rootMessage(e), containsString(c.getValue()));
        }
    }

    public void testNonElasticsearchCodecIsRejected() {
        Exception e = expectThrows(
            Exception.class,
            () -> indicesAdmin().prepareCreate("idx")
                .setSettings(Settings.builder().put("index.codec", "lucene_default"))
                .setMapping("{\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}}")
                .get()
        );
        assertThat(rootMessage(e), containsString("needs an Elasticsearch codec, but index [idx] has [index.codec: lucene_default]"));
    }

    public void testMappingIsIdempotentAndNotUpdatable() {
        String mapping = "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}}";
        createIndexWithMapping("idx", mapping);
        // The same mapping again (without the recorded values) merges cleanly.
        assertTrue(indicesAdmin().preparePutMapping("idx").setSource("{\"properties\": " + mapping + "}", XContentType.JSON).get().isAcknowledged());
        Exception e = expectThrows(
            Exception.class,
            () -> indicesAdmin().preparePutMapping("idx")
                .setSource("{\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.L2 + "\"}}}", XContentType.JSON)
                .get()
        );
        assertThat(rootMessage(e), containsString("Cannot update parameter [model] from [" + PqTestBundles.COSINE + "] to [" + PqTestBundles.L2 + "]"));
    }

    public void testBadVectorsFailTheirItemAndTheRestOfTheBulkIndexes() {
        createIndexWithMapping(
            "idx",
            "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.COSINE + "\"}, \"title\": {\"type\": \"text\"}}"
        );
        float[] good = PqTestBundles.clustered(new Random(1), 1, 16, 1, 0.3f, false)[0];
        String goodJson = vectorJson(good);
        String fifteen = goodJson.substring(0, goodJson.lastIndexOf(',')) + "]";
        String zeros = vectorJson(new float[16]);
        String overflow = goodJson.replaceFirst("\\[[^,]*,", "[1e39,");
        String withString = goodJson.replaceFirst("\\[[^,]*,", "[\"0.5\",");

        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("ok1", "{\"emb\": " + goodJson + "}");
        docs.put("short", "{\"emb\": " + fifteen + "}");
        docs.put("zero", "{\"emb\": " + zeros + "}");
        docs.put("inf", "{\"emb\": " + overflow + "}");
        docs.put("string", "{\"emb\": " + withString + "}");
        docs.put("scalar", "{\"emb\": 3}");
        docs.put("nested-array", "{\"emb\": [" + goodJson + "]}");
        docs.put("ok2", "{\"emb\": " + goodJson + ", \"title\": \"second\"}");
        docs.put("no-vector", "{\"title\": \"no vector at all\"}");

        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        docs.forEach((id, source) -> bulk.add(client().prepareIndex("idx").setId(id).setSource(source, XContentType.JSON)));
        BulkResponse response = bulk.get();

        Map<String, String> expectedErrors = new HashMap<>();
        expectedErrors.put("short", "field [emb] of type [pq_vector] expects vectors of [16] dimensions (model bundle [cos16]), the document has [15]");
        expectedErrors.put("zero", "field [emb] of type [pq_vector] with similarity [cosine]: the document's vector is a zero vector");
        expectedErrors.put("inf", "field [emb] of type [pq_vector]: element [0] is [1e39], which is not a finite float");
        expectedErrors.put("string", "field [emb] of type [pq_vector] takes an array of 16 numbers, but element [0] is the string [0.5]");
        expectedErrors.put("scalar", "field [emb] of type [pq_vector] takes an array of 16 numbers, got [VALUE_NUMBER]");
        expectedErrors.put("nested-array", "field [emb] of type [pq_vector] takes an array of 16 numbers, but element [0] is a nested array");
        for (BulkItemResponse item : response.getItems()) {
            String expected = expectedErrors.get(item.getId());
            if (expected == null) {
                assertFalse(item.getId() + ": " + item.getFailureMessage(), item.isFailed());
            } else {
                assertTrue(item.getId() + " should have failed", item.isFailed());
                assertThat(item.getId(), rootMessage(item.getFailure().getCause()), containsString(expected));
            }
        }
        assertHitCount(client().prepareSearch("idx").setSize(0), 3L);
    }

    public void testDotProductNeedsUnitVectors() {
        createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.DOT + "\"}}");
        Exception e = expectThrows(
            Exception.class,
            () -> client().prepareIndex("idx").setId("1").setSource("{\"emb\": [1,1,0,0,0,0,0,0]}", XContentType.JSON).get()
        );
        assertThat(rootMessage(e), containsString("with similarity [dot_product]: the document's vector must have unit length"));
        client().prepareIndex("idx").setId("2").setSource("{\"emb\": [0.6,0.8,0,0,0,0,0,0]}", XContentType.JSON).get();
    }

    public void testSearchReturnsTheVectorAndExistsQueryWorks() throws Exception {
        createIndexWithMapping("idx", "{\"emb\": {\"type\": \"pq_vector\", \"model\": \"" + PqTestBundles.L2 + "\"}}");
        indexDocs("idx", Map.of("1", "{\"emb\": [1.5, -2, 0, 0, 0, 0, 0, 0.25]}"));
        // Like dense_vector, search responses leave vectors out of _source unless asked for.
        assertEquals(Map.of(), search("idx", "{\"query\": {\"exists\": {\"field\": \"emb\"}}}").get(0).source());
        List<Hit> hits = search("idx", "{\"_source\": {\"exclude_vectors\": false}, \"query\": {\"exists\": {\"field\": \"emb\"}}}");
        assertEquals(1, hits.size());
        // Rebuilt from the stored float32 vector (see PqVectorSourceSingleNodeTests), so whole numbers come back as floats.
        assertEquals(List.of(1.5, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25), hits.get(0).source().get("emb"));
        assertEquals(0, search("idx", "{\"query\": {\"exists\": {\"field\": \"other\"}}}").size());
    }

    private Map<String, Object> fieldMapping(String index, String field) {
        Map<String, Object> mapping = indicesAdmin().prepareGetMappings(TEST_REQUEST_TIMEOUT, index).get().mappings().get(index).sourceAsMap();
        @SuppressWarnings("unchecked")
        Map<String, Object> properties = (Map<String, Object>) mapping.get("properties");
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) properties.get(field);
        return result;
    }

    private IndexService indexService(String index) {
        return getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex(index));
    }

    static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
