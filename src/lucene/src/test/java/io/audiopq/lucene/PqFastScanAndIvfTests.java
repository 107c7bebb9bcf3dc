package io.audiopq.lucene;

import static io.audiopq.lucene.PqTestData.FIELD;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.QuantizedAdcTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/** The 4-bit fast-scan layout and IVF lists inside the Lucene format. */
public class PqFastScanAndIvfTests extends LuceneTestCase {


    private static final int D = 32;

    private static IndexWriterConfig config(KnnVectorsFormat format) {
        return new IndexWriterConfig().setCodec(PqTestData.codec(format)).setUseCompoundFile(false).setMergePolicy(NoMergePolicy.INSTANCE);
    }

    private static int id(StoredFields stored, int doc) throws IOException {
        return Integer.parseInt(stored.document(doc).get(PqTestData.ID));
    }

    /** (doc, ADC value) of every doc with a vector, by the reader's scorer: the brute-force reference. */
    private static List<float[]> bruteForceAdc(PqVectorsReader pq, AdcTable table, float[] query, Bits accept) throws IOException {
        PqVectorScorer scorer = pq.scorer(FIELD, table, query);
        List<float[]> all = new ArrayList<>();
        DocIdSetIterator it = scorer.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            if (accept == null || accept.get(doc)) {
                all.add(new float[] {doc, scorer.adc()});
            }
        }
        return all;
    }

    /** The reference sorted best first (lower ADC for L2 tables, higher for inner products), ties by doc. */
    private static List<float[]> sortedBest(List<float[]> all, boolean higherIsBetter) {
        List<float[]> sorted = new ArrayList<>(all);
        sorted.sort((a, b) -> a[1] != b[1] ? (higherIsBetter ? Float.compare(b[1], a[1]) : Float.compare(a[1], b[1])) : Float.compare(a[0], b[0]));
        return sorted;
    }

    private static TopDocs searchLeaf(PqVectorsReader pq, AdcTable table, float[] query, int k, Bits accept, int maxDoc, int nprobe)
        throws IOException {
        TopKnnCollector collector = new TopKnnCollector(k, Integer.MAX_VALUE);
        pq.searchWithTable(FIELD, table, query, collector, accept == null ? null : AcceptDocs.fromLiveDocs(accept, maxDoc), 0f, nprobe);
        return collector.topDocs();
    }

    public void testFourBitSearchIsWithinTheQuantisedTableBoundAndInExactAdcOrder() throws Exception {
        boolean unit = random().nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), unit);
        float[][] data = PqTestData.clustered(random(), 1500 + random().nextInt(500), D, 12, 0.4f, unit);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withDefaultNbits(4).withDefaultM(16));
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                for (int i = 0; i < data.length; i++) {
                    // Sparse: some docs have no vector, so ords and docs differ.
                    writer.addDocument(PqTestData.doc(i, i % 11 == 5 ? null : data[i], similarity));
                }
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                assertEquals(4, pq.codebook(FIELD).nbits());
                boolean higherIsBetter = PqSimilarity.metric(similarity) == Metric.INNER_PRODUCT;
                for (int q = 0; q < 20; q++) {
                    float[] query = data[random().nextInt(data.length)].clone();
                    query[0] += 0.1f;
                    int k = 1 + random().nextInt(20);
                    FixedBitSet accept = null;
                    if (random().nextBoolean()) {
                        accept = new FixedBitSet(leaf.maxDoc());
                        for (int doc = 0; doc < leaf.maxDoc(); doc++) {
                            if (random().nextInt(3) > 0) {
                                accept.set(doc);
                            }
                        }
                    }
                    AdcTable table = pq.adcTable(FIELD, query);
                    float bound = QuantizedAdcTable.quantize(table).errorBound();
                    List<float[]> truth = sortedBest(bruteForceAdc(pq, table, query, accept), higherIsBetter);
                    TopDocs found = searchLeaf(pq, table, query, k, accept, leaf.maxDoc(), PqKnnQuery.FIELD_DEFAULT_NPROBE);
                    assertEquals(Math.min(k, truth.size()), found.scoreDocs.length);
                    float previous = Float.POSITIVE_INFINITY;
                    for (int i = 0; i < found.scoreDocs.length; i++) {
                        ScoreDoc hit = found.scoreDocs[i];
                        // Hits come by score, not doc: a fresh scorer (forward-only iterator) for each.
                        PqVectorScorer scorer = pq.scorer(FIELD, table);
                        assertTrue("doc " + hit.doc + " not accepted", accept == null || accept.get(hit.doc));
                        assertEquals(hit.doc, scorer.iterator().advance(hit.doc));
                        // Re-ranked: the score is the exact ADC score of the doc's code, and results come in that order.
                        assertEquals(scorer.score(), hit.score, 0f);
                        assertTrue(hit.score <= previous);
                        previous = hit.score;
                        // Within the quantised table's bound of the brute-force i-th best (see QuantizedAdcTable).
                        float adc = scorer.adc();
                        float best = truth.get(i)[1];
                        assertTrue(
                            "hit " + i + ": ADC " + adc + " vs brute force " + best + ", bound " + bound,
                            higherIsBetter ? adc >= best - 2 * bound : adc <= best + 2 * bound
                        );
                    }
                }
            }
            TestUtil.checkIndex(dir);
        }
    }

    public void testFourBitCodesDecodeFromThePackedLayoutWithoutRawVectors() throws Exception {
        VectorSimilarityFunction similarity = random().nextBoolean() ? VectorSimilarityFunction.EUCLIDEAN : VectorSimilarityFunction.COSINE;
        float[][] data = PqTestData.clustered(random(), 100 + random().nextInt(200), D, 6, 0.3f, false);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withDefaultNbits(4).withDefaultM(8).withStoreRaw(false));
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, similarity, 0);
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                ProductQuantizer codebook = pq.codebook(FIELD);
                assertEquals(4, codebook.nbits());
                // Packed: 16 bytes per subquantiser (rounded up to 4) per block of 32 codes.
                long expectedBytes = (long) ((data.length + 31) / 32) * 16 * ((codebook.m() + 3) / 4 * 4);
                assertEquals(expectedBytes, (long) pq.getOffHeapByteSize(leaf.getFieldInfos().fieldInfo(FIELD)).get(PqVectorsFormat.CODES_EXTENSION));
                FloatVectorValues values = leaf.getFloatVectorValues(FIELD);
                AdcTable table = pq.adcTable(FIELD, data[0]);
                PqVectorScorer scorer = pq.scorer(FIELD, table);
                StoredFields stored = leaf.storedFields();
                KnnVectorValues.DocIndexIterator it = values.iterator();
                // Visit docs in a random order too: codes are unpacked from whichever block holds them.
                List<Integer> ords = new ArrayList<>();
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    ords.add(it.index());
                    byte[] code = codebook.encode(PqSimilarity.prepare(similarity, data[id(stored, doc)]));
                    assertArrayEquals(codebook.decode(code), values.vectorValue(it.index()), 0f);
                    assertEquals(doc, scorer.iterator().advance(doc));
                    assertEquals(table.distance(code, 0), scorer.adc(), 0f);
                }
                assertEquals(data.length, ords.size());
                java.util.Collections.shuffle(ords, random());
                FloatVectorValues copy = values.copy();
                for (int ord : ords) {
                    int docId = id(stored, values.ordToDoc(ord));
                    byte[] code = codebook.encode(PqSimilarity.prepare(similarity, data[docId]));
                    assertArrayEquals(codebook.decode(code), copy.vectorValue(ord), 0f);
                }
            }
            TestUtil.checkIndex(dir);
        }
    }

    public void testIvfProbingEveryListEqualsTheExhaustiveScanOfTheSameCodes() throws Exception {
        boolean unit = random().nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), unit);
        int nbits = random().nextBoolean() ? 4 : 8;
        int nlist = 8 + random().nextInt(9);
        float[][] data = PqTestData.clustered(random(), 1200, D, 10, 0.4f, unit);
        PqVectorsFormat format = new PqVectorsFormat(
            PqFormatConfig.DEFAULT.withNlist(nlist).withNprobe(2).withDefaultNbits(nbits).withDefaultM(8).withStoreRaw(false)
        );
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, similarity, 0);
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                assertEquals(nlist, pq.nlist(FIELD));
                assertEquals(2, pq.defaultNprobe(FIELD));
                boolean higherIsBetter = PqSimilarity.metric(similarity) == Metric.INNER_PRODUCT;
                FloatVectorValues decoded = leaf.getFloatVectorValues(FIELD);
                for (int q = 0; q < 10; q++) {
                    float[] query = data[random().nextInt(data.length)].clone();
                    query[1] -= 0.1f;
                    int k = 1 + random().nextInt(15);
                    AdcTable table = pq.adcTable(FIELD, query);
                    List<float[]> truth = sortedBest(bruteForceAdc(pq, table, query, null), higherIsBetter);
                    TopDocs all = searchLeaf(pq, table, query, k, null, leaf.maxDoc(), nlist + random().nextInt(3));
                    assertEquals(k, all.scoreDocs.length);
                    for (int i = 0; i < k; i++) {
                        PqVectorScorer scorer = pq.scorer(FIELD, table, query);
                        assertEquals("hit " + i, (int) truth.get(i)[0], all.scoreDocs[i].doc);
                        assertEquals(PqSimilarity.score(similarity, truth.get(i)[1]), all.scoreDocs[i].score, 0f);
                        // ADC of a residual code is the distance to its reconstruction c + r̂ (up to float rounding).
                        int doc = all.scoreDocs[i].doc;
                        assertEquals(doc, scorer.iterator().advance(doc));
                        float[] prepared = PqSimilarity.prepare(similarity, query);
                        float[] reconstruction = decoded.vectorValue(doc);
                        double expected = 0;
                        for (int j = 0; j < D; j++) {
                            expected += higherIsBetter ? prepared[j] * reconstruction[j] : (prepared[j] - reconstruction[j]) * (prepared[j] - reconstruction[j]);
                        }
                        assertEquals(expected, scorer.adc(), 1e-3 * (1 + Math.abs(expected)));
                    }
                    // The field default probes fewer lists: it can only do as well.
                    TopDocs fewer = searchLeaf(pq, table, query, k, null, leaf.maxDoc(), PqKnnQuery.FIELD_DEFAULT_NPROBE);
                    for (int i = 0; i < fewer.scoreDocs.length; i++) {
                        assertTrue(fewer.scoreDocs[i].score <= all.scoreDocs[i].score);
                    }
                }
            }
        }
    }

    public void testIvfRecallGrowsWithNprobe() throws Exception {
        VectorSimilarityFunction similarity = VectorSimilarityFunction.EUCLIDEAN;
        int nlist = 32;
        float[][] data = PqTestData.clustered(random(), 3000, D, 12, 0.6f, false);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withNlist(nlist).withDefaultM(8));
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, similarity, 0);
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = newSearcher(reader, false);
                int[] nprobes = {1, 2, 4, 8, nlist};
                double[] recall = new double[nprobes.length];
                int queries = 30;
                for (int q = 0; q < queries; q++) {
                    float[] query = data[random().nextInt(data.length)].clone();
                    for (int j = 0; j < D; j++) {
                        query[j] += 0.3f * (float) random().nextGaussian();
                    }
                    int[] exhaustive = ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f, nlist), 10));
                    double previous = -1;
                    for (int p = 0; p < nprobes.length; p++) {
                        int[] found = ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f, nprobes[p]), 10));
                        double r = PqTestData.recall(found, exhaustive);
                        // More lists scanned is a superset of candidates: per query, recall never drops.
                        assertTrue("nprobe=" + nprobes[p] + " recall " + r + " < " + previous, r >= previous);
                        previous = r;
                        recall[p] += r / queries;
                    }
                }
                assertEquals(1.0, recall[nprobes.length - 1], 1e-9);
                assertTrue("recall by nprobe " + Arrays.toString(recall), recall[0] < recall[nprobes.length - 1]);
            }
        }
    }

    private static int[] ids(IndexSearcher searcher, TopDocs topDocs) throws IOException {
        StoredFields stored = searcher.storedFields();
        int[] ids = new int[topDocs.scoreDocs.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(stored, topDocs.scoreDocs[i].doc);
        }
        return ids;
    }

    public void testIvfRestartDeletesFiltersMergeAndCheckIndex() throws Exception {
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), true);
        float[][] data = PqTestData.clustered(random(), 900, D, 8, 0.4f, true);
        int nlist = 8;
        // Segments of 300 vectors get lists (>= 8 x nlist); the last, of 20, stays exhaustive.
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withNlist(nlist).withNprobe(nlist).withDefaultM(8));
        int n = data.length + 20;
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = config(format).setMergePolicy(newLogMergePolicy());
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < n; i++) {
                    Document doc = PqTestData.doc(i, data[i % data.length], similarity);
                    doc.add(new StringField("colour", i % 3 == 0 ? "red" : "blue", Field.Store.NO));
                    writer.addDocument(doc);
                    if (i == 299 || i == 599 || i == 899) {
                        writer.commit();
                    }
                }
                for (int i = 0; i < n; i += 4) {
                    writer.deleteDocuments(new Term(PqTestData.ID, Integer.toString(i)));
                }
                writer.commit();
            }
            boolean[] liveRed = new boolean[n];
            float[][] vectors = new float[n][];
            for (int i = 0; i < n; i++) {
                liveRed[i] = i % 4 != 0 && i % 3 == 0;
                vectors[i] = data[i % data.length];
            }
            // Reopened through SPI alone.
            try (IndexReader reader = DirectoryReader.open(dir)) {
                int withLists = 0, without = 0;
                for (LeafReaderContext leaf : reader.leaves()) {
                    int lists = PqVectorsReader.forField(leaf.reader(), FIELD).nlist(FIELD);
                    if (lists == nlist) {
                        withLists++;
                    } else {
                        assertEquals(0, lists);
                        without++;
                    }
                }
                assertEquals(3, withLists);
                assertEquals(1, without);
                assertSearchHonoursFilterAndDeletes(newSearcher(reader, false), vectors, liveRed, similarity);
            }
            try (IndexWriter writer = new IndexWriter(dir, config(format).setMergePolicy(newLogMergePolicy()))) {
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                assertEquals(nlist, PqVectorsReader.forField(leaf, FIELD).nlist(FIELD));
                assertEquals(n - (n + 3) / 4, leaf.getFloatVectorValues(FIELD).size());
                assertSearchHonoursFilterAndDeletes(newSearcher(reader, false), vectors, liveRed, similarity);
            }
            assertTrue(TestUtil.checkIndex(dir).clean);
        }
    }

    private static void assertSearchHonoursFilterAndDeletes(IndexSearcher searcher, float[][] vectors, boolean[] liveRed, VectorSimilarityFunction similarity)
        throws IOException {
        for (int q = 0; q < 5; q++) {
            float[] query = vectors[random().nextInt(vectors.length)];
            // All lists, generous rescoring: exactly the filtered exact top 10.
            TopDocs red = searcher.search(new PqKnnQuery(FIELD, query, 10, new TermQuery(new Term("colour", "red")), 100f, 64), 10);
            int[] found = ids(searcher, red);
            for (int id : found) {
                assertTrue("doc " + id + " is deleted or not red", liveRed[id]);
            }
            int[] truth = PqTestData.exactTopK(vectors, liveRed, query, 10, similarity);
            assertEquals(Arrays.toString(truth) + " vs " + Arrays.toString(found), 1.0, PqTestData.recall(found, truth), 0.0);
        }
    }

    public void testProvidedIvfModelIsUsedInEverySegmentAndScoringModeAgreesWithSearch() throws Exception {
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), false);
        float[][] data = PqTestData.clustered(random(), 600, D, 8, 0.4f, false);
        float[] flat = new float[data.length * D];
        for (int i = 0; i < data.length; i++) {
            System.arraycopy(PqSimilarity.prepare(similarity, data[i]), 0, flat, i * D, D);
        }
        IvfPqQuantizer.Encoding encoding = random().nextBoolean() ? IvfPqQuantizer.Encoding.RESIDUAL : IvfPqQuantizer.Encoding.DIRECT;
        IvfPqQuantizer ivf = IvfPqQuantizer.train(flat, data.length, D, 6, 8, 8, encoding, KMeans.Params.DEFAULT);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withIvf(ivf).withRescoreOversample(0f));
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                // Tiny segments too: a provided model needs no training, so every segment gets lists.
                PqTestData.addAll(writer, data, similarity, 1 + random().nextInt(150));
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                for (LeafReaderContext leaf : reader.leaves()) {
                    PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), FIELD);
                    assertEquals(6, pq.nlist(FIELD));
                    assertEquals(ivf.pq().id(), pq.codebook(FIELD).id());
                    // Without the query, a field with lists cannot be scored.
                    expectThrows(IllegalArgumentException.class, () -> pq.scorer(FIELD, pq.adcTable(FIELD, data[0])));
                }
                IndexSearcher searcher = newSearcher(reader, false);
                float[] query = data[random().nextInt(data.length)];
                TopDocs knn = searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f, 6), 10);
                TopDocs scored = searcher.search(new PqScoringQuery(FIELD, query), 10);
                assertEquals(10, knn.scoreDocs.length);
                for (int i = 0; i < 10; i++) {
                    assertEquals(scored.scoreDocs[i].score, knn.scoreDocs[i].score, 0f);
                }
            }
        }
    }
}
