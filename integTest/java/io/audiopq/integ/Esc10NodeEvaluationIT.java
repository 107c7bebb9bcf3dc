package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.quantization.VectorMath;
import io.audiopq.tools.RetrievalMetrics;

import org.junit.Assume;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.audiopq.integ.Esc10OnNode.ok;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Issue 5, "checks with real data": all 400 ESC-10 clips from {@code ../shared/data/esc10} go
 * through the {@code audio_embedding} processor (EfficientAT mn04 bundle, clip level) into the real
 * node, then every clip queries all the others through the node (leave-one-out query by example)
 * and {@link RetrievalMetrics} scores the rankings the node returned.
 *
 * <ul>
 *   <li>Index {@code esc10-float}: bulk (batches of {@value Esc10OnNode#BATCH}) through a pipeline with one
 *       {@code audio_embedding} processor ({@code include_segments: false}); the clip embedding
 *       {@code audio_embedding.embedding} is mapped as {@code dense_vector} (cosine, {@code flat}:
 *       brute force, so {@code knn} with {@code num_candidates} = 399 is exact).</li>
 *   <li>Index {@code esc10-pq}: the same vectors, read back from {@code esc10-float}'s
 *       {@code _source} (exactly what the processor wrote), bulk-indexed into three
 *       {@code pq_vector} fields at 64, 128 and 256 bits (bundles {@code integ-mn04-eval-m8/-m16/-m32},
 *       8-bit codes, codebooks trained on all 400 clips by make-bundles.sh). The integ-test
 *       distribution has no ingest-common ({@code set}/{@code script}), and vectors cannot be
 *       {@code copy_to} targets, so copying client-side is the cheapest honest way: the processor
 *       runs once per clip instead of four times.</li>
 *   <li>Queries: {@code knn} on the dense field and {@code pq_knn} top-k with {@code k} =
 *       {@code num_candidates} = 399 and {@code rescore.oversample: 0} (pure ADC scores: with
 *       rescoring of all 399 candidates the ranking would be the float one by construction), each
 *       excluding the query clip with a {@code must_not ids} filter; sent in {@code _msearch}
 *       batches.</li>
 * </ul>
 *
 * The node's rankings are also checked against the same metrics computed in this JVM from the
 * vectors the node stored (float: cosine; PQ: the field's ADC order, distance from the unit query to
 * each code decoded by the bundle's own quantizer), within 0.002 (float rounding near ties), so a
 * mismatch between the node's scoring and the project's PQ shows up here. Figures go to the test output and
 * to {@code target/esc10-node-evaluation.md}. Skips when ../shared (or the bundles made from it) is absent.
 *
 * <p>Alone: {@code mvn -B -ntp verify -Dit.test=Esc10NodeEvaluationIT} (the build still makes the
 * bundles and starts the node).
 */
public class Esc10NodeEvaluationIT {

    private static final int[] MS = { 8, 16, 32 };
    private static final String FLOAT_INDEX = "esc10-float";
    private static final String PQ_INDEX = "esc10-pq";
    private static final String EMBEDDING = "audio_embedding.embedding";

    private final RealNode node = RealNode.fromBuild();
    private final Path integBundles = Path.of(System.getProperty("audiopq.integ.bundles", "target/integ-bundles"));
    private final Path esc10 = Path.of(System.getProperty("audiopq.shared", "../shared")).resolve("data").resolve("esc10");

    private static String bundle(int m) {
        return "integ-mn04-eval-m" + m;
    }

    private static String pqField(int m) {
        return "pq" + (m * 8);
    }

    @Test
    public void leaveOneOutQueryByExampleThroughTheNode() throws Exception {
        Assume.assumeTrue("no ESC-10 under " + esc10 + " (../shared absent): skipping", Files.isRegularFile(esc10.resolve("esc10_meta.csv")));
        for (int m : MS) {
            Assume.assumeTrue("no " + bundle(m) + " bundle (../shared absent when the build made the ITs' bundles): skipping",
                Files.isDirectory(integBundles.resolve(bundle(m))));
        }
        Esc10OnNode data = new Esc10OnNode(node, esc10);
        assertEquals(400, data.size());
        assertEquals(10, data.classes);
        int n = data.size();
        int[] labels = data.labels;

        // 1. Ingest every clip through the processor.
        node.delete("/" + FLOAT_INDEX);
        node.delete("/" + PQ_INDEX);
        data.putClipPipeline("esc10-mn04", bundle(32));
        ok(node.put("/" + FLOAT_INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"n": {"type": "integer"}, "clip": {"type": "keyword"}, "label": {"type": "keyword"},
               "audio_embedding": {"properties": {"embedding": {"type": "dense_vector", "dims": 384, "similarity": "cosine",
                 "index_options": {"type": "flat"}}}}}}}
            """));
        double ingestSeconds = data.ingest(FLOAT_INDEX, "esc10-mn04");
        float[][] vectors = data.readVectors(FLOAT_INDEX, EMBEDDING, 384);

        // 2. The same vectors into three pq_vector fields.
        StringBuilder mapping = new StringBuilder("{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0}, \"mappings\": {\"properties\": {\"n\": {\"type\": \"integer\"}");
        for (int m : MS) {
            mapping.append(", \"").append(pqField(m)).append("\": {\"type\": \"pq_vector\", \"model\": \"")
                .append(bundle(m)).append("\"}");
        }
        ok(node.put("/" + PQ_INDEX, mapping.append("}}}").toString()));
        data.indexVectors(PQ_INDEX, vectors, java.util.Arrays.stream(MS).mapToObj(Esc10NodeEvaluationIT::pqField).toArray(String[]::new));

        // 3. Leave-one-out through the node.
        Map<String, RetrievalMetrics> figures = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        long start = System.nanoTime();
        figures.put("float (dense_vector, flat, exact knn)", RetrievalMetrics.ofRankings(data.knnRankings(FLOAT_INDEX, EMBEDDING, vectors), labels));
        seconds.put("float (dense_vector, flat, exact knn)", (System.nanoTime() - start) / 1e9);
        for (int m : MS) {
            start = System.nanoTime();
            String name = String.format(Locale.ROOT, "PQ %d bits (M=%d, pq_knn ADC)", m * 8, m);
            figures.put(name, RetrievalMetrics.ofRankings(data.pqKnnRankings(PQ_INDEX, pqField(m), vectors), labels));
            seconds.put(name, (System.nanoTime() - start) / 1e9);
        }

        // 4. The same figures in this JVM, from the vectors the node stored.
        float[][] unit = new float[n][];
        for (int i = 0; i < n; i++) {
            unit[i] = VectorMath.normalize(vectors[i].clone());
        }
        List<RetrievalMetrics> inJvm = new ArrayList<>();
        inJvm.add(RetrievalMetrics.leaveOneOutCosine(unit, labels));
        for (int m : MS) {
            ModelBundle bundle = ModelBundleLoader.load(integBundles.resolve(bundle(m)));
            float[][] decoded = new float[n][];
            for (int i = 0; i < n; i++) {
                decoded[i] = bundle.quantizer().decode(bundle.quantizer().encode(unit[i]));
            }
            inJvm.add(RetrievalMetrics.ofRankings(adcRankings(unit, decoded), labels));
        }

        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "ESC-10 leave-one-out query by example through the node: %d clips, %d classes, mn04 clip embeddings "
            + "(ingest through audio_embedding: %.1f s)%n%n", n, data.classes, ingestSeconds));
        table.append("| collection | mAP | top-1 | P@10 | mAP in-JVM | queries (s) |\n| --- | --- | --- | --- | --- | --- |\n");
        int row = 0;
        for (Map.Entry<String, RetrievalMetrics> e : figures.entrySet()) {
            RetrievalMetrics r = e.getValue();
            table.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.1f |%n", e.getKey(), r.map(),
                r.top1(), r.precisionAt(10), inJvm.get(row++).map(), seconds.get(e.getKey())));
        }
        table.append("\nPQ codebooks were trained on these same 400 clips (clip and segment embeddings): in-sample figures. "
            + "Rankings are over all 399 other clips, pure ADC (no rescoring); mAP in-JVM: the same rankings computed here from the stored "
            + "vectors (cosine; for PQ the field's ADC order with the bundle's quantizer).\n");
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "esc10-node-evaluation.md"), table, StandardCharsets.UTF_8);

        List<RetrievalMetrics> results = new ArrayList<>(figures.values());
        RetrievalMetrics exact = results.get(0);
        // Reference 0.936 (Esc10Evaluation, in-JVM): far below means the decode/resample/front-end chain is wrong.
        assertTrue(table.toString(), exact.map() >= 0.93);
        for (int i = 0; i < results.size(); i++) {
            assertEquals(n, results.get(i).queries());
            // The node ranks as the project's own scoring does (ties aside): node and in-JVM agree.
            assertEquals(table.toString(), inJvm.get(i).map(), results.get(i).map(), 0.002);
        }
        // 256 bits (32 codes of 8 bits for 384 dimensions: 12 dimensions per sub-quantiser) keeps the
        // ranking close to float (measured 0.942 against 0.937: the codebook is trained on these clips,
        // which helps). A loose band, 0.05 below float (so at least 0.88), catches a broken codebook,
        // encoder or ADC table without depending on k-means details.
        assertTrue(table.toString(), results.get(3).map() >= exact.map() - 0.05);
        node.delete("/" + FLOAT_INDEX);
        node.delete("/" + PQ_INDEX);
    }

    /**
     * Leave-one-out rankings as a cosine pq_vector field scores in ADC mode: by the squared distance
     * between the unit query and each decoded code (1 - d^2/4), not by their dot product (the
     * decoded vectors are not unit length, so the two orders differ slightly); ties by index, as the node
     * orders tied documents (so these are the rankings the node should return, not {@link
     * RetrievalMetrics#leaveOneOutAdc}, which breaks ties at random).
     */
    static int[][] adcRankings(float[][] queries, float[][] decoded) {
        int n = queries.length;
        int[][] rankings = new int[n][];
        for (int q = 0; q < n; q++) {
            double[] d2 = new double[n];
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (i != q) {
                    d2[i] = RetrievalMetrics.squaredDistance(queries[q], decoded[i]);
                    order.add(i);
                }
            }
            order.sort((a, b) -> d2[a] != d2[b] ? Double.compare(d2[a], d2[b]) : Integer.compare(a, b));
            rankings[q] = order.stream().mapToInt(Integer::intValue).toArray();
        }
        return rankings;
    }
}
