package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import io.audiopq.model.ModelBundleLoader;
import io.audiopq.tools.RetrievalMetrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.Assume;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static io.audiopq.integ.Esc10OnNode.ok;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Issue 6, "the same numbers must also come out of a real node": a bundle trained by the toolkit
 * ({@code train.sh}: mn04 backbone, DQN head on 10 % of ESC-10's labels, 32-bit codes), installed
 * in the node, indexes all 400 clips through the {@code audio_embedding} processor (the head runs
 * under ONNX Runtime there, under DJL in the toolkit) straight into a {@code pq_vector} field of
 * that bundle; every clip then queries the others with {@code pq_knn} (pure ADC) and, for the float
 * figure, with exact {@code knn} on a {@code dense_vector} copy of the vectors the processor wrote.
 * The node's mAP must agree with the toolkit's own figures ({@code <bundle>.json} beside the
 * bundle) within 0.01, and meet the target (quantised ≥ 0.96).
 *
 * <p>{@code integTest/make-bundles.sh} trains the bundle (with {@code src/scripts/train.sh}) into the
 * ITs' bundle folder before the node starts. Skips without ../shared.
 */
public class TrainedBundleNodeIT {

    static final String BUNDLE = "integ-mn04-dqn";
    private static final String INDEX = "esc10-dqn";
    private static final String FLOAT_INDEX = "esc10-dqn-float";
    private static final String EMBEDDING = "audio_embedding.embedding";
    /** The bar for agreement between the toolkit and the node. */
    private static final double AGREEMENT = 0.01;

    private final RealNode node = RealNode.fromBuild();
    private final Path integBundles = Path.of(System.getProperty("audiopq.integ.bundles", "target/integ-bundles"));
    private final Path esc10 = Path.of(System.getProperty("audiopq.shared", "../shared")).resolve("data").resolve("esc10");

    @Test
    public void toolkitFiguresComeOutOfTheNode() throws Exception {
        Assume.assumeTrue("no ESC-10 under " + esc10 + " (../shared absent): skipping", Files.isRegularFile(esc10.resolve("esc10_meta.csv")));
        Path figuresFile = integBundles.resolve(BUNDLE + ".json");
        Assume.assumeTrue("no trained bundle " + figuresFile + ": integTest/make-bundles.sh trains it when ../shared is present; skipping",
            Files.isRegularFile(figuresFile) && Files.isDirectory(integBundles.resolve(BUNDLE)));
        JsonNode toolkit = new ObjectMapper().readTree(figuresFile.toFile());
        Esc10OnNode data = new Esc10OnNode(node, esc10);
        assertEquals(toolkit.get("items").asInt(), data.size());

        // The node must run the very bundle the figures belong to.
        RealNode.Response installed = node.get("/_audio_pq/models/" + BUNDLE);
        ok(installed);
        assertTrue(installed.body(), installed.body().contains(toolkit.get("checksum").asText()));

        node.delete("/" + INDEX);
        node.delete("/" + FLOAT_INDEX);
        data.putClipPipeline("esc10-dqn", BUNDLE);
        ok(node.put("/" + INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"n": {"type": "integer"}, "clip": {"type": "keyword"}, "label": {"type": "keyword"},
               "audio_embedding": {"properties": {"embedding": {"type": "pq_vector", "model": "%s"}}}}}}
            """.formatted(BUNDLE)));
        double ingestSeconds = data.ingest(INDEX, "esc10-dqn");
        int dims = ModelBundleLoader.load(integBundles.resolve(BUNDLE)).descriptor().dimensions();
        float[][] vectors = data.readVectors(INDEX, EMBEDDING, dims);
        ok(node.put("/" + FLOAT_INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"n": {"type": "integer"},
               "v": {"type": "dense_vector", "dims": %d, "similarity": "cosine", "index_options": {"type": "flat"}}}}}
            """.formatted(dims)));
        data.indexVectors(FLOAT_INDEX, vectors, "v");

        double nodeFloat = RetrievalMetrics.ofRankings(data.knnRankings(FLOAT_INDEX, "v", vectors), data.labels).map();
        double nodePq = RetrievalMetrics.ofRankings(data.pqKnnRankings(INDEX, EMBEDDING, vectors), data.labels).map();
        double toolkitFloat = toolkit.get("head_float_map").asDouble();
        double toolkitPq = toolkit.get("head_pq_map").asDouble();

        String table = String.format(Locale.ROOT, """
            Trained bundle %s (%d-bit codes) on ESC-10, %d clips, every clip querying all others; ingest through audio_embedding %.1f s

            | embedding | mAP, toolkit (DJL head) | mAP, node (ONNX head, processor) | difference |
            | --- | ---: | ---: | ---: |
            | head, float (cosine; node: dense_vector flat, exact knn) | %.4f | %.4f | %+.4f |
            | head, PQ (ADC; node: pq_knn, no rescoring) | %.4f | %.4f | %+.4f |
            """, BUNDLE, toolkit.get("code_bits").asInt(), data.size(), ingestSeconds, toolkitFloat, nodeFloat, nodeFloat - toolkitFloat, toolkitPq, nodePq,
            nodePq - toolkitPq);
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "trained-bundle-node-evaluation.md"), table, StandardCharsets.UTF_8);

        assertEquals(table, toolkitFloat, nodeFloat, AGREEMENT);
        assertEquals(table, toolkitPq, nodePq, AGREEMENT);
        assertTrue(table, nodePq >= 0.96);
        node.delete("/" + INDEX);
        node.delete("/" + FLOAT_INDEX);
    }
}
