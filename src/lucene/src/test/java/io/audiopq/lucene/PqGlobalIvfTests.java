package io.audiopq.lucene;

import static io.audiopq.lucene.PqTestData.FIELD;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.QuantizedAdcTable;
import io.audiopq.testing.GaussianMixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;

/** Global IVF: one provided coarse quantiser for every segment and merge of a field (a bundle's centroids). */
public class PqGlobalIvfTests extends LuceneTestCase {

    private static final int D = 32;

    private static IndexWriterConfig config(PqVectorsFormat format) {
        return new IndexWriterConfig().setCodec(PqTestData.codec(format)).setUseCompoundFile(false).setMergePolicy(NoMergePolicy.INSTANCE);
    }

    private static float[] flatten(float[][] rows, VectorSimilarityFunction similarity) {
        float[] flat = new float[rows.length * D];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(PqSimilarity.prepare(similarity, rows[i]), 0, flat, i * D, D);
        }
        return flat;
    }

    private static float[][] rows(float[] flat) {
        float[][] rows = new float[flat.length / D][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * D, (i + 1) * D);
        }
        return rows;
    }

    public void testSegmentsAndTheirMergeShareTheProvidedCentroids() throws Exception {
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), false);
        float[][] data = PqTestData.clustered(random(), 900, D, 8, 0.4f, false);
        IvfPqQuantizer.Encoding encoding = random().nextBoolean() ? IvfPqQuantizer.Encoding.RESIDUAL : IvfPqQuantizer.Encoding.DIRECT;
        int nbits = random().nextBoolean() ? 4 : 8;
        IvfPqQuantizer model = IvfPqQuantizer.train(flatten(data, similarity), data.length, D, 8, 8, nbits, encoding, KMeans.Params.DEFAULT);
        PqVectorsFormat global = new PqVectorsFormat(PqFormatConfig.DEFAULT.withIvf(model));
        // The fallback, for contrast: per-segment centroids differ from segment to segment.
        PqVectorsFormat perSegment = new PqVectorsFormat(PqFormatConfig.DEFAULT.withNlist(8));
        try (Directory dir = newDirectory(); Directory fallbackDir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(global)); IndexWriter fallback = new IndexWriter(fallbackDir, config(perSegment))) {
                PqTestData.addAll(writer, data, similarity, 300);
                PqTestData.addAll(fallback, data, similarity, 300);
            }
            try (IndexReader reader = DirectoryReader.open(dir); IndexReader fallback = DirectoryReader.open(fallbackDir)) {
                assertEquals(3, reader.leaves().size());
                for (LeafReaderContext leaf : reader.leaves()) {
                    PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), FIELD);
                    assertEquals("provided", pq.ivfCentroids(FIELD));
                    assertEquals(model.coarse().id(), pq.ivfCentroidsId(FIELD));
                    assertEquals(model.pq().id(), pq.codebook(FIELD).id());
                }
                Set<String> trained = new HashSet<>();
                for (LeafReaderContext leaf : fallback.leaves()) {
                    PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), FIELD);
                    assertEquals("segment", pq.ivfCentroids(FIELD));
                    trained.add(pq.ivfCentroidsId(FIELD));
                }
                assertEquals("each segment trained its own centroids", 3, trained.size());
            }
            // The merge keeps the provided centroids: no retraining.
            try (IndexWriter writer = new IndexWriter(dir, config(global).setMergePolicy(newLogMergePolicy()))) {
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                PqVectorsReader pq = PqVectorsReader.forField(getOnlyLeafReader(reader), FIELD);
                assertEquals("provided", pq.ivfCentroids(FIELD));
                assertEquals(model.coarse().id(), pq.ivfCentroidsId(FIELD));
                assertEquals(data.length, getOnlyLeafReader(reader).getFloatVectorValues(FIELD).size());
            }
            assertTrue(TestUtil.checkIndex(dir).clean);
        }
    }

    /**
     * With every list probed, global IVF returns the exhaustive result: for 8-bit codes exactly the
     * brute-force ADC ranking (and, with direct codes, exactly what an exhaustive field with the
     * same codebook returns); for 4-bit codes the fast-scan ranking, within the quantised table's bound.
     */
    public void testEveryListProbedEqualsTheExhaustiveResult() throws Exception {
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), false);
        float[][] data = PqTestData.clustered(random(), 1200, D, 10, 0.4f, false);
        IvfPqQuantizer.Encoding encoding = random().nextBoolean() ? IvfPqQuantizer.Encoding.RESIDUAL : IvfPqQuantizer.Encoding.DIRECT;
        int nbits = random().nextBoolean() ? 4 : 8;
        int nlist = 8 + random().nextInt(9);
        IvfPqQuantizer model = IvfPqQuantizer.train(flatten(data, similarity), data.length, D, nlist, 8, nbits, encoding, KMeans.Params.DEFAULT);
        PqFormatConfig base = PqFormatConfig.DEFAULT.withStoreRaw(false).withNprobe(2);
        try (Directory ivfDir = newDirectory(); Directory flatDir = newDirectory()) {
            try (
                IndexWriter ivf = new IndexWriter(ivfDir, config(new PqVectorsFormat(base.withIvf(model))));
                IndexWriter flat = new IndexWriter(flatDir, config(new PqVectorsFormat(base.withCodebook(model.pq()))))
            ) {
                PqTestData.addAll(ivf, data, similarity, 0);
                PqTestData.addAll(flat, data, similarity, 0);
                ivf.forceMerge(1);
                flat.forceMerge(1);
            }
            try (IndexReader ivfReader = DirectoryReader.open(ivfDir); IndexReader flatReader = DirectoryReader.open(flatDir)) {
                LeafReader ivfLeaf = getOnlyLeafReader(ivfReader);
                LeafReader flatLeaf = getOnlyLeafReader(flatReader);
                PqVectorsReader pq = PqVectorsReader.forField(ivfLeaf, FIELD);
                PqVectorsReader exhaustive = PqVectorsReader.forField(flatLeaf, FIELD);
                assertEquals(nlist, pq.nlist(FIELD));
                assertEquals(0, exhaustive.nlist(FIELD));
                boolean higherIsBetter = PqSimilarity.metric(similarity) == Metric.INNER_PRODUCT;
                for (int q = 0; q < 10; q++) {
                    float[] query = data[random().nextInt(data.length)].clone();
                    query[1] -= 0.1f;
                    int k = 1 + random().nextInt(15);
                    AdcTable table = pq.adcTable(FIELD, query);
                    TopDocs all = search(pq, table, query, k, nlist + random().nextInt(3));
                    assertEquals(k, all.scoreDocs.length);
                    List<float[]> truth = bruteForce(pq, table, query, higherIsBetter);
                    if (nbits == 8) {
                        for (int i = 0; i < k; i++) {
                            assertEquals("hit " + i, (int) truth.get(i)[0], all.scoreDocs[i].doc);
                            assertEquals(PqSimilarity.score(similarity, truth.get(i)[1]), all.scoreDocs[i].score, 0f);
                        }
                        if (encoding == IvfPqQuantizer.Encoding.DIRECT) {
                            TopDocs flat = search(exhaustive, exhaustive.adcTable(FIELD, query), query, k, PqKnnQuery.FIELD_DEFAULT_NPROBE);
                            for (int i = 0; i < k; i++) {
                                assertEquals(flat.scoreDocs[i].doc, all.scoreDocs[i].doc);
                                assertEquals(flat.scoreDocs[i].score, all.scoreDocs[i].score, 0f);
                            }
                        }
                    } else {
                        // Re-ranked with the exact table: exact ADC scores in order, each within the
                        // bound of the brute-force i-th best (residual L2 quantises one table per list).
                        float bound = maxErrorBound(pq, table, query, similarity, nlist);
                        float previous = Float.POSITIVE_INFINITY;
                        for (int i = 0; i < k; i++) {
                            ScoreDoc hit = all.scoreDocs[i];
                            PqVectorScorer scorer = pq.scorer(FIELD, table, query);
                            assertEquals(hit.doc, scorer.iterator().advance(hit.doc));
                            assertEquals(scorer.score(), hit.score, 0f);
                            assertTrue(hit.score <= previous);
                            previous = hit.score;
                            float adc = scorer.adc(), best = truth.get(i)[1];
                            assertTrue("hit " + i + ": " + adc + " vs " + best + ", bound " + bound,
                                higherIsBetter ? adc >= best - 2 * bound : adc <= best + 2 * bound);
                        }
                    }
                }
            }
        }
    }

    /** The largest quantisation error bound over the tables the 4-bit IVF scan quantises. */
    private static float maxErrorBound(PqVectorsReader pq, AdcTable table, float[] query, VectorSimilarityFunction similarity, int nlist)
        throws IOException {
        PqFieldEntry entry = pq.fieldEntry(FIELD);
        PqIvf ivf = entry.ivf();
        Metric metric = PqSimilarity.metric(similarity);
        if (ivf.residual() == false || metric != Metric.L2) {
            return QuantizedAdcTable.quantize(table).errorBound();
        }
        float bound = 0f;
        float[] scratch = new float[table.values().length];
        for (int l = 0; l < nlist; l++) {
            AdcTable listTable = new AdcTable(table.metric(), table.m(), table.ksub(), ivf.listTable(l, table.values(), metric, scratch));
            bound = Math.max(bound, QuantizedAdcTable.quantize(listTable).errorBound());
        }
        return bound;
    }

    private static TopDocs search(PqVectorsReader pq, AdcTable table, float[] query, int k, int nprobe) throws IOException {
        TopKnnCollector collector = new TopKnnCollector(k, Integer.MAX_VALUE);
        pq.searchWithTable(FIELD, table, query, collector, null, 0f, nprobe);
        return collector.topDocs();
    }

    /** (doc, ADC) of every doc by the reader's scorer, best first, ties by doc. */
    private static List<float[]> bruteForce(PqVectorsReader pq, AdcTable table, float[] query, boolean higherIsBetter) throws IOException {
        PqVectorScorer scorer = pq.scorer(FIELD, table, query);
        List<float[]> all = new ArrayList<>();
        DocIdSetIterator it = scorer.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            all.add(new float[] {doc, scorer.adc()});
        }
        all.sort((a, b) -> a[1] != b[1] ? (higherIsBetter ? Float.compare(b[1], a[1]) : Float.compare(a[1], b[1])) : Float.compare(a[0], b[0]));
        return all;
    }

    /**
     * Recall@10 against the exhaustive ADC ranking of the same index (nprobe = nlist) by nprobe, for
     * global centroids (trained once on a separate sample of the mixture) and for per-segment
     * centroids, on four segments of Gaussian-mixture vectors; both with residual 8-bit codes. The
     * figures go to {@code target/ivf-global-vs-segment-recall.md}.
     */
    public void testRecallByNprobeGlobalAgainstPerSegmentCentroids() throws Exception {
        int n = 8000, nlist = 32, queries = 40;
        GaussianMixture mixture = new GaussianMixture(D, 64, 1.0f, 1.0f, 8, 7L);
        float[][] data = rows(mixture.sample(n, 11L));
        float[] training = mixture.sample(4096, 13L);
        float[][] queryVectors = rows(mixture.sample(queries, 17L));
        VectorSimilarityFunction similarity = VectorSimilarityFunction.EUCLIDEAN;
        KMeans.Params params = new KMeans.Params(10, 42L, 4096, true);
        IvfPqQuantizer model = IvfPqQuantizer.train(training, 4096, D, nlist, 8, 8, IvfPqQuantizer.Encoding.RESIDUAL, params);
        PqFormatConfig base = PqFormatConfig.DEFAULT.withStoreRaw(false).withDefaultM(8).withTrainingParams(params);
        int[] nprobes = {1, 2, 4, 8, nlist};
        double[] global = recallByNprobe(new PqVectorsFormat(base.withIvf(model)), data, queryVectors, nprobes, similarity);
        double[] perSegment = recallByNprobe(new PqVectorsFormat(base.withNlist(nlist)), data, queryVectors, nprobes, similarity);
        StringBuilder table = new StringBuilder("| nprobe (of " + nlist + ") | global centroids | per-segment centroids |\n| ---: | ---: | ---: |\n");
        for (int p = 0; p < nprobes.length; p++) {
            table.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f |%n", nprobes[p], global[p], perSegment[p]));
            if (p > 0) {
                assertTrue("global recall drops at nprobe " + nprobes[p], global[p] >= global[p - 1]);
                assertTrue("per-segment recall drops at nprobe " + nprobes[p], perSegment[p] >= perSegment[p - 1]);
            }
        }
        assertEquals(1.0, global[nprobes.length - 1], 1e-9);
        assertEquals(1.0, perSegment[nprobes.length - 1], 1e-9);
        assertTrue("probing one list of 32 cannot find everything: " + table, global[0] < 1.0);
        Path out = Path.of("target", "ivf-global-vs-segment-recall.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, "recall@10 vs exhaustive ADC, n=" + n + " D=" + D + " M=8 8-bit residual, 4 segments, " + queries + " queries\n\n" + table);
        System.out.print(table);
    }

    private static double[] recallByNprobe(PqVectorsFormat format, float[][] data, float[][] queries, int[] nprobes, VectorSimilarityFunction similarity)
        throws IOException {
        double[] recall = new double[nprobes.length];
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, similarity, data.length / 4);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                assertEquals(4, reader.leaves().size());
                IndexSearcher searcher = newSearcher(reader, false);
                int all = nprobes[nprobes.length - 1];
                for (float[] query : queries) {
                    int[] exhaustive = ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f, all), 10));
                    for (int p = 0; p < nprobes.length; p++) {
                        int[] found = ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f, nprobes[p]), 10));
                        recall[p] += PqTestData.recall(found, exhaustive) / queries.length;
                    }
                }
            }
        }
        return recall;
    }

    private static int[] ids(IndexSearcher searcher, TopDocs topDocs) throws IOException {
        StoredFields stored = searcher.storedFields();
        int[] ids = new int[topDocs.scoreDocs.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.parseInt(stored.document(topDocs.scoreDocs[i].doc).get(PqTestData.ID));
        }
        return ids;
    }
}
