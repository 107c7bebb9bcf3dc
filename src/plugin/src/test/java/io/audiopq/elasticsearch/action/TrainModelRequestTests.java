package io.audiopq.elasticsearch.action;

import io.audiopq.model.CodebookTraining;
import io.audiopq.model.Similarity;

import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.List;

/** The {@code _train} body: strict parsing, validation messages, and the mapping preconditions the transport action checks first. */
public class TrainModelRequestTests extends ESTestCase {

    private TrainModelAction.Request parse(String json) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, json)) {
            return TrainModelAction.Request.parse("my-model", parser);
        }
    }

    public void testParsesEveryKey() throws IOException {
        TrainModelAction.Request request = parse("""
            {"index": "vecs-*", "field": "emb", "m": 8, "bits": 4, "ivf": {"nlist": 64}, "max_vectors": 1000,
             "similarity": "l2_norm", "iterations": 10, "description": "trained here"}""");
        assertNull(request.validate());
        assertEquals("my-model", request.name());
        assertEquals("vecs-*", request.index());
        assertEquals("emb", request.field());
        assertEquals(8, request.m());
        assertEquals(4, request.bits());
        assertTrue(request.ivf());
        assertEquals(64, request.nlist());
        assertEquals(1000, request.maxVectors());
        assertEquals(Similarity.L2_NORM, request.similarity());
        assertEquals(10, request.iterations());
        assertEquals("trained here", request.description());
        assertFalse(request.getShouldStoreResult());
    }

    public void testDefaults() throws IOException {
        TrainModelAction.Request request = parse("{\"index\": \"v\", \"field\": \"emb\", \"m\": 4}");
        assertNull(request.validate());
        assertEquals(8, request.bits());
        assertFalse(request.ivf());
        assertEquals(TrainModelAction.DEFAULT_MAX_VECTORS, request.maxVectors());
        assertNull(request.similarity());
        assertEquals(25, request.iterations());
        // An empty ivf object asks for centroids under the automatic rule.
        TrainModelAction.Request auto = parse("{\"index\": \"v\", \"field\": \"emb\", \"m\": 4, \"ivf\": {}}");
        assertTrue(auto.ivf());
        assertEquals(CodebookTraining.AUTO_NLIST, auto.nlist());
    }

    public void testUnknownKeysAreRefused() {
        XContentParseException top = expectThrows(XContentParseException.class, () -> parse("{\"index\": \"v\", \"feild\": \"emb\"}"));
        assertTrue(top.getMessage(), top.getMessage().contains("[audio_pq_train] unknown field [feild]"));
        XContentParseException ivf = expectThrows(XContentParseException.class, () -> parse("{\"ivf\": {\"nprobe\": 4}}"));
        assertTrue(ivf.getMessage(), ivf.getMessage().contains("[audio_pq_train] failed to parse field [ivf]"));
        assertTrue(ivf.getCause().getMessage(), ivf.getCause().getMessage().contains("[ivf] unknown field [nprobe]"));
    }

    public void testValidationNamesEveryBadParameter() throws IOException {
        ActionRequestValidationException missing = parse("{}").validate();
        assertEquals(List.of(
            "[index] is required: the index (or pattern or alias) to sample vectors from",
            "[field] is required: a [dense_vector] (float) or [pq_vector] field of [index]",
            "[m] is required: the number of sub-quantisers, a divisor of the field's dimensions"), missing.validationErrors());
        ActionRequestValidationException bad = parse("""
            {"index": "v", "field": "emb", "m": 0, "bits": 6, "ivf": {"nlist": 0}, "max_vectors": 0, "similarity": "max_inner_product",
             "iterations": -1}""").validate();
        assertEquals(List.of(
            "[m] must be >= 1, got 0",
            "[bits] must be 4 or 8, got 6",
            "[ivf.nlist] must be in [1, 65536] (or left out for the automatic rule), got 0",
            "[max_vectors] must be >= 1, got 0",
            "[similarity] must be one of [l2_norm, cosine, dot_product], got [max_inner_product]",
            "[iterations] must be in [0, 1000], got -1"), bad.validationErrors());
    }

    private static IndexMetadata index(String name, String mapping) {
        return IndexMetadata.builder(name)
            .settings(Settings.builder().put(IndexMetadata.SETTING_VERSION_CREATED, IndexVersion.current()))
            .numberOfShards(1)
            .numberOfReplicas(0)
            .putMapping(mapping)
            .build();
    }

    public void testFieldPreconditions() {
        IndexMetadata dense = index("a", "{\"properties\": {\"v\": {\"type\": \"dense_vector\", \"dims\": 32, \"similarity\": \"l2_norm\"}}}");
        assertEquals(new TransportTrainModelAction.FieldVectors("a", "dense_vector", 32, "l2_norm", null), TransportTrainModelAction.fieldVectors(dense, "v"));
        assertEquals("[field] [w] is not mapped in index [a]",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.fieldVectors(dense, "w")).getMessage());

        IndexMetadata text = index("b", "{\"properties\": {\"v\": {\"type\": \"keyword\"}}}");
        assertEquals("[field] [v] in index [b] is of type [keyword]; training needs a [dense_vector] (float) or [pq_vector] field",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.fieldVectors(text, "v")).getMessage());
        IndexMetadata bytes = index("c", "{\"properties\": {\"v\": {\"type\": \"dense_vector\", \"dims\": 8, \"element_type\": \"byte\"}}}");
        assertEquals("[field] [v] in index [c] is a [dense_vector] of element_type [byte]; training needs float vectors",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.fieldVectors(bytes, "v")).getMessage());
        IndexMetadata codesOnly = index("d", "{\"properties\": {\"v\": {\"type\": \"pq_vector\", \"model\": \"x\", \"dims\": 16, \"store_raw\": false}}}");
        assertEquals("[field] [v] in index [d] is a [pq_vector] with [store_raw: false]: only its codes are kept, not the float vectors training needs",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.fieldVectors(codesOnly, "v")).getMessage());
        IndexMetadata pq = index("e", "{\"properties\": {\"o\": {\"properties\": {\"v\": {\"type\": \"pq_vector\", \"model\": \"x\", \"dims\": 16, "
            + "\"similarity\": \"cosine\"}}}}}");
        assertEquals(new TransportTrainModelAction.FieldVectors("e", "pq_vector", 16, "cosine", null), TransportTrainModelAction.fieldVectors(pq, "o.v"));
        // The processor's segments: the vectors are nested documents under the innermost nested object.
        IndexMetadata segments = index("f", "{\"properties\": {\"clip\": {\"properties\": {\"segments\": {\"type\": \"nested\", \"properties\": {"
            + "\"embedding\": {\"type\": \"pq_vector\", \"model\": \"x\", \"dims\": 16}}}}}}}");
        assertEquals(new TransportTrainModelAction.FieldVectors("f", "pq_vector", 16, null, "clip.segments"),
            TransportTrainModelAction.fieldVectors(segments, "clip.segments.embedding"));
        var flat = TransportTrainModelAction.fieldVectors(pq, "o.v");
        var nested = TransportTrainModelAction.fieldVectors(segments, "clip.segments.embedding");
        assertEquals("clip.segments", TransportTrainModelAction.nestedPath("v", List.of(nested, nested)));
        assertEquals("[field] [v] is nested differently in the resolved indices (nested paths [null, clip.segments]); narrow [index]",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.nestedPath("v", List.of(flat, nested))).getMessage());
    }

    public void testDimensionsAndSimilarityAcrossIndices() {
        var a = new TransportTrainModelAction.FieldVectors("a", "dense_vector", 32, null, null);
        var b = new TransportTrainModelAction.FieldVectors("b", "dense_vector", 16, "l2_norm", null);
        var c = new TransportTrainModelAction.FieldVectors("c", "pq_vector", 32, "dot_product", null);
        var empty = new TransportTrainModelAction.FieldVectors("d", "dense_vector", -1, null, null);
        assertEquals(32, TransportTrainModelAction.dimensions("v", List.of(a, c, empty)));
        assertEquals("[field] [v] has different dimensions in the resolved indices: 16 in [b], 32 in [a, c]; a codebook has one dimension: narrow [index]",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.dimensions("v", List.of(a, b, c))).getMessage());
        assertEquals("[field] [v] has no dimensions yet in [d]: no vector has been indexed",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.dimensions("v", List.of(empty))).getMessage());
        // dense_vector's default for float vectors is cosine.
        assertEquals(Similarity.COSINE, TransportTrainModelAction.fieldSimilarity("v", List.of(a)));
        assertEquals(Similarity.L2_NORM, TransportTrainModelAction.fieldSimilarity("v", List.of(b)));
        var mip = new TransportTrainModelAction.FieldVectors("m", "dense_vector", 8, "max_inner_product", null);
        assertEquals("field [v] in index [m] has similarity [max_inner_product], which a bundle cannot have; pass [similarity] (one of "
            + "[l2_norm, cosine, dot_product])",
            expectThrows(IllegalArgumentException.class, () -> TransportTrainModelAction.fieldSimilarity("v", List.of(mip))).getMessage());
    }

    public void testPagesHoldAboutHalfAMillionFloats() {
        assertEquals(10_000, TransportTrainModelAction.pageSize(32));
        assertEquals(1302, TransportTrainModelAction.pageSize(384));
        assertEquals(122, TransportTrainModelAction.pageSize(4096));
    }
}
