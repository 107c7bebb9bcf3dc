package io.audiopq.lucene;

import static io.audiopq.lucene.PqTestData.FIELD;

import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
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
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.tests.util.TestUtil;
import org.apache.lucene.util.FixedBitSet;

/** Format behaviour beyond Lucene's conformance suite: restart, merges, deletes, filters, integrity, no-raw mode, recall. */
public class PqIndexBehaviourTests extends LuceneTestCase {


    private static final int D = 32;

    private static IndexWriterConfig config(KnnVectorsFormat format) {
        return new IndexWriterConfig().setCodec(PqTestData.codec(format)).setUseCompoundFile(false).setMergePolicy(NoMergePolicy.INSTANCE);
    }

    private static int id(StoredFields stored, int doc) throws IOException {
        return Integer.parseInt(stored.document(doc).get(PqTestData.ID));
    }

    private static int[] ids(IndexSearcher searcher, TopDocs topDocs) throws IOException {
        StoredFields stored = searcher.storedFields();
        int[] ids = new int[topDocs.scoreDocs.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = id(stored, topDocs.scoreDocs[i].doc);
        }
        return ids;
    }

    public void testSpiNameResolvesToThisFormat() {
        assertTrue(KnnVectorsFormat.forName(PqVectorsFormat.NAME) instanceof PqVectorsFormat);
    }

    public void testRestartReopensThroughSpiAndSearchesTheSameCodes() throws Exception {
        float[][] data = PqTestData.clustered(random(), 600, D, 8, 0.3f, false);
        float[] query = data[random().nextInt(data.length)].clone();
        try (Directory dir = newDirectory()) {
            TopDocs before;
            // A non-default configuration: after the restart only SPI's no-arg format is available.
            PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withDefaultM(8).withRescoreOversample(0f));
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, VectorSimilarityFunction.EUCLIDEAN, 250);
                writer.commit();
                try (IndexReader reader = DirectoryReader.open(writer)) {
                    before = newSearcher(reader, false).search(new KnnFloatVectorQuery(FIELD, query, 10), 10);
                }
            }
            // A fresh reader with no codec configuration at all: the segment names the format.
            try (IndexReader reader = DirectoryReader.open(dir)) {
                for (LeafReaderContext leaf : reader.leaves()) {
                    PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), FIELD);
                    assertNotNull("leaf not read by the PQ format after restart", pq);
                    assertEquals(8, pq.codebook(FIELD).m());
                    assertEquals("written without rescoring: that must survive the restart", 0f, pq.defaultOversample(FIELD), 0f);
                }
                TopDocs after = newSearcher(reader, false).search(new KnnFloatVectorQuery(FIELD, query, 10), 10);
                assertEquals(before.scoreDocs.length, after.scoreDocs.length);
                for (int i = 0; i < before.scoreDocs.length; i++) {
                    assertEquals(before.scoreDocs[i].doc, after.scoreDocs[i].doc);
                    assertEquals(before.scoreDocs[i].score, after.scoreDocs[i].score, 0f);
                }
            }
        }
    }

    public void testForceMergeReencodesAndStaysSearchable() throws Exception {
        float[][] data = PqTestData.clustered(random(), 900, D, 10, 0.3f, false);
        VectorSimilarityFunction similarity = VectorSimilarityFunction.EUCLIDEAN;
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = config(new PqVectorsFormat()).setMergePolicy(newLogMergePolicy());
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                PqTestData.addAll(writer, data, similarity, 200);
                writer.commit();
                Set<String> codebooksBefore = new HashSet<>();
                try (IndexReader reader = DirectoryReader.open(writer)) {
                    assertTrue("expected several segments", reader.leaves().size() > 1);
                    for (LeafReaderContext leaf : reader.leaves()) {
                        codebooksBefore.add(PqVectorsReader.forField(leaf.reader(), FIELD).codebook(FIELD).id());
                    }
                }
                writer.forceMerge(1);
                try (IndexReader reader = DirectoryReader.open(writer)) {
                    LeafReader leaf = getOnlyLeafReader(reader);
                    PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                    ProductQuantizer merged = pq.codebook(FIELD);
                    assertFalse("the merged segment trains its own codebook", codebooksBefore.contains(merged.id()));
                    assertEquals(data.length, leaf.getFloatVectorValues(FIELD).size());
                    // Every stored code is the merged codebook's encoding of the vector.
                    assertCodesMatch(leaf, pq, data, similarity);
                    IndexSearcher searcher = newSearcher(reader, false);
                    double recall = 0;
                    int queries = 20;
                    for (int q = 0; q < queries; q++) {
                        float[] query = data[random().nextInt(data.length)];
                        int[] found = ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 4f), 10));
                        recall += PqTestData.recall(found, PqTestData.exactTopK(data, null, query, 10, similarity));
                    }
                    assertTrue("recall after merge " + recall / queries, recall / queries >= 0.9);
                }
            }
            TestUtil.checkIndex(dir);
        }
    }

    /** Codes read through the scorer equal the codebook's own encoding of each (prepared) vector. */
    private static void assertCodesMatch(LeafReader leaf, PqVectorsReader pq, float[][] data, VectorSimilarityFunction similarity)
        throws IOException {
        ProductQuantizer codebook = pq.codebook(FIELD);
        float[] probe = data[0];
        PqVectorScorer scorer = pq.scorer(FIELD, pq.adcTable(FIELD, probe));
        var table = pq.adcTable(FIELD, probe);
        StoredFields stored = leaf.storedFields();
        DocIdSetIterator it = scorer.iterator();
        int n = 0;
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
            float[] v = PqSimilarity.prepare(similarity, data[id(stored, doc)]);
            float expected = table.distance(codebook.encode(v), 0);
            assertEquals("doc " + doc, expected, scorer.adc(), 0f);
            n++;
        }
        assertEquals(data.length, n);
    }

    public void testDeletesAndFiltersAreHonoured() throws Exception {
        float[][] data = PqTestData.clustered(random(), 500, D, 6, 0.3f, false);
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), false);
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(new PqVectorsFormat()))) {
                for (int i = 0; i < data.length; i++) {
                    Document doc = PqTestData.doc(i, data[i], similarity);
                    doc.add(new StringField("colour", i % 3 == 0 ? "red" : "blue", Field.Store.NO));
                    writer.addDocument(doc);
                    if (i == 249) {
                        writer.commit();
                    }
                }
                for (int i = 0; i < data.length; i += 2) {
                    writer.deleteDocuments(new Term(PqTestData.ID, Integer.toString(i)));
                }
                writer.commit();
            }
            boolean[] live = new boolean[data.length];
            boolean[] liveRed = new boolean[data.length];
            for (int i = 0; i < data.length; i++) {
                live[i] = i % 2 == 1;
                liveRed[i] = live[i] && i % 3 == 0;
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = newSearcher(reader, false);
                float[] query = data[random().nextInt(data.length)];
                // k larger than the live documents: everything live comes back, nothing deleted.
                TopDocs all = searcher.search(new PqKnnQuery(FIELD, query, data.length, null, 0f), data.length);
                int[] allIds = ids(searcher, all);
                assertEquals(data.length / 2, allIds.length);
                for (int id : allIds) {
                    assertTrue("deleted doc " + id + " returned", live[id]);
                }
                // A filter, with exact rescoring: exactly the filtered top-10.
                TopDocs red = searcher.search(new PqKnnQuery(FIELD, query, 10, new TermQuery(new Term("colour", "red")), 100f), 10);
                int[] redIds = ids(searcher, red);
                for (int id : redIds) {
                    assertTrue("doc " + id + " is deleted or not red", liveRed[id]);
                }
                int[] truth = PqTestData.exactTopK(data, liveRed, query, 10, similarity);
                assertEquals(Arrays.toString(truth) + " vs " + Arrays.toString(redIds), 1.0, PqTestData.recall(redIds, truth), 0.0);
                // The reader's own search with acceptDocs: only accepted documents are collected.
                for (LeafReaderContext leaf : reader.leaves()) {
                    FixedBitSet accept = new FixedBitSet(leaf.reader().maxDoc());
                    StoredFields stored = leaf.reader().storedFields();
                    for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                        if (liveRed[id(stored, doc)]) {
                            accept.set(doc);
                        }
                    }
                    TopKnnCollector collector = new TopKnnCollector(leaf.reader().maxDoc(), Integer.MAX_VALUE);
                    PqVectorsReader.forField(leaf.reader(), FIELD)
                        .search(FIELD, query, collector, AcceptDocs.fromLiveDocs(accept, leaf.reader().maxDoc()));
                    TopDocs hits = collector.topDocs();
                    assertEquals(accept.cardinality(), hits.scoreDocs.length);
                    for (ScoreDoc hit : hits.scoreDocs) {
                        assertTrue(accept.get(hit.doc));
                    }
                }
            }
            TestUtil.checkIndex(dir);
        }
    }

    public void testCheckIndexIsClean() throws Exception {
        boolean storeRaw = random().nextBoolean();
        PqFormatConfig cfg = PqFormatConfig.DEFAULT.withStoreRaw(storeRaw).withDefaultNbits(random().nextBoolean() ? 4 : 8);
        float[][] data = PqTestData.clustered(random(), 300, D, 4, 0.3f, true);
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(new PqVectorsFormat(cfg)))) {
                for (int i = 0; i < data.length; i++) {
                    // Sparse field: every fifth document has no vector.
                    writer.addDocument(PqTestData.doc(i, i % 5 == 0 ? null : data[i], VectorSimilarityFunction.COSINE));
                    if (i % 100 == 99) {
                        writer.commit();
                    }
                }
            }
            var status = TestUtil.checkIndex(dir);
            assertTrue(status.clean);
            for (var segment : status.segmentInfos) {
                assertNull(segment.vectorValuesStatus.error);
                assertTrue(segment.vectorValuesStatus.totalVectorValues > 0);
            }
        }
    }

    public void testCorruptedCodesAreDetectedByCheckIntegrity() throws Exception {
        try (Directory dir = new ByteBuffersDirectory()) {
            float[][] data = PqTestData.clustered(random(), 200, D, 4, 0.3f, false);
            try (IndexWriter writer = new IndexWriter(dir, config(new PqVectorsFormat()))) {
                PqTestData.addAll(writer, data, VectorSimilarityFunction.EUCLIDEAN, 0);
            }
            String codesFile = Arrays.stream(dir.listAll()).filter(f -> f.endsWith("." + PqVectorsFormat.CODES_EXTENSION)).findFirst().orElseThrow();
            flipByteInTheMiddle(dir, codesFile);
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                expectThrows(CorruptIndexException.class, leaf::checkIntegrity);
            }
            String metaFile = Arrays.stream(dir.listAll()).filter(f -> f.endsWith("." + PqVectorsFormat.META_EXTENSION)).findFirst().orElseThrow();
            flipByteInTheMiddle(dir, metaFile);
            expectThrows(CorruptIndexException.class, () -> DirectoryReader.open(dir).close());
        }
    }

    private static void flipByteInTheMiddle(Directory dir, String file) throws IOException {
        byte[] bytes;
        try (IndexInput in = dir.openInput(file, IOContext.READONCE)) {
            bytes = new byte[(int) in.length()];
            in.readBytes(bytes, 0, bytes.length);
        }
        bytes[bytes.length / 2] ^= 0x55;
        dir.deleteFile(file);
        try (IndexOutput out = dir.createOutput(file, IOContext.DEFAULT)) {
            out.writeBytes(bytes, bytes.length);
        }
    }

    public void testWithoutRawVectorsValuesAreDecodedAndSearchWorks() throws Exception {
        float[][] data = PqTestData.clustered(random(), 700, D, 8, 0.3f, false);
        VectorSimilarityFunction similarity = random().nextBoolean() ? VectorSimilarityFunction.EUCLIDEAN : VectorSimilarityFunction.COSINE;
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withStoreRaw(false));
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = config(format);
            boolean sorted = random().nextBoolean();
            if (sorted) {
                iwc.setIndexSort(new Sort(new SortField("key", SortField.Type.INT)));
            }
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < data.length; i++) {
                    Document doc = PqTestData.doc(i, i % 7 == 3 ? null : data[i], similarity);
                    doc.add(new NumericDocValuesField("key", (i * 7919L) % 1000));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                LeafReader leaf = getOnlyLeafReader(reader);
                PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                assertFalse(pq.hasRawVectors(FIELD));
                ProductQuantizer codebook = pq.codebook(FIELD);
                var offHeap = pq.getOffHeapByteSize(leaf.getFieldInfos().fieldInfo(FIELD));
                assertNull("no raw vectors stored", offHeap.get("vec"));
                assertEquals((long) codebook.m() * leaf.getFloatVectorValues(FIELD).size(), (long) offHeap.get(PqVectorsFormat.CODES_EXTENSION));

                FloatVectorValues values = leaf.getFloatVectorValues(FIELD);
                StoredFields stored = leaf.storedFields();
                KnnVectorValues.DocIndexIterator it = values.iterator();
                int count = 0;
                double error = 0;
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    int id = id(stored, doc);
                    assertTrue("doc " + id + " has no vector", id % 7 != 3);
                    float[] prepared = PqSimilarity.prepare(similarity, data[id]);
                    float[] expected = codebook.decode(codebook.encode(prepared));
                    float[] actual = values.vectorValue(it.index());
                    assertArrayEquals(expected, actual, 0f);
                    assertEquals(doc, values.ordToDoc(it.index()));
                    for (int j = 0; j < D; j++) {
                        error += (prepared[j] - actual[j]) * (prepared[j] - actual[j]);
                    }
                    count++;
                }
                assertEquals(data.length - (data.length + 3) / 7, count);
                assertTrue("reconstructions are lossy", error > 0);

                IndexSearcher searcher = newSearcher(reader, false);
                boolean[] allowed = new boolean[data.length];
                for (int i = 0; i < data.length; i++) {
                    allowed[i] = i % 7 != 3;
                }
                double recall = 0;
                for (int q = 0; q < 10; q++) {
                    float[] query = data[random().nextInt(data.length)];
                    // The field default: no rescoring, as there is nothing to rescore with.
                    int[] found = ids(searcher, searcher.search(new KnnFloatVectorQuery(FIELD, query, 10), 10));
                    assertEquals(10, found.length);
                    recall += PqTestData.recall(found, PqTestData.exactTopK(data, allowed, query, 10, similarity));
                }
                assertTrue("recall without raw vectors " + recall / 10, recall / 10 >= 0.5);
            }
            TestUtil.checkIndex(dir);
        }
    }

    public void testRecallOnClusteredData() throws Exception {
        boolean unit = random().nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random(), unit);
        float[][] data = PqTestData.clustered(random(), 2000, D, 20, 0.25f, unit);
        // The defaults: M=16 subquantisers of 2 dimensions, 8 bits: 16 bytes per vector instead of 128.
        PqVectorsFormat format = new PqVectorsFormat();
        try (Directory dir = newDirectory()) {
            try (IndexWriter writer = new IndexWriter(dir, config(format))) {
                PqTestData.addAll(writer, data, similarity, 0);
                writer.forceMerge(1);
            }
            try (IndexReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = newSearcher(reader, false);
                int queries = 30;
                double adcRecall = 0;
                double rescoredRecall = 0;
                for (int q = 0; q < queries; q++) {
                    float[] query = data[random().nextInt(data.length)].clone();
                    for (int j = 0; j < D; j++) {
                        query[j] += 0.05f * (float) random().nextGaussian();
                    }
                    int[] truth = PqTestData.exactTopK(data, null, query, 10, similarity);
                    adcRecall += PqTestData.recall(ids(searcher, searcher.search(new PqKnnQuery(FIELD, query, 10, null, 0f), 10)), truth);
                    TopDocs rescored = searcher.search(new PqKnnQuery(FIELD, query, 10, null, 4f), 10);
                    rescoredRecall += PqTestData.recall(ids(searcher, rescored), truth);
                    // Rescored scores are exactly Lucene's similarity on the raw vectors.
                    StoredFields stored = searcher.storedFields();
                    for (ScoreDoc hit : rescored.scoreDocs) {
                        assertEquals(similarity.compare(query, data[id(stored, hit.doc)]), hit.score, 0f);
                    }
                }
                adcRecall /= queries;
                rescoredRecall /= queries;
                assertTrue(similarity + ": ADC recall@10 " + adcRecall, adcRecall >= 0.5);
                assertTrue(similarity + ": rescored recall@10 " + rescoredRecall, rescoredRecall >= 0.9);
            }
        }
    }

    public void testProvidedCodebookIsUsedInEverySegment() throws Exception {
        float[][] data = PqTestData.clustered(random(), 600, D, 8, 0.3f, false);
        float[] flat = new float[data.length * D];
        for (int i = 0; i < data.length; i++) {
            System.arraycopy(data[i], 0, flat, i * D, D);
        }
        ProductQuantizer trained = ProductQuantizer.train(flat, data.length, D, 4, 8, KMeans.Params.DEFAULT);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withCodebook(trained));
        try (Directory dir = newDirectory()) {
            IndexWriterConfig iwc = config(format).setMergePolicy(newLogMergePolicy());
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                PqTestData.addAll(writer, data, VectorSimilarityFunction.EUCLIDEAN, 100);
                try (IndexReader reader = DirectoryReader.open(writer)) {
                    assertTrue(reader.leaves().size() > 1);
                    for (LeafReaderContext leaf : reader.leaves()) {
                        assertEquals(trained.id(), PqVectorsReader.forField(leaf.reader(), FIELD).codebook(FIELD).id());
                    }
                }
                writer.forceMerge(1);
                try (IndexReader reader = DirectoryReader.open(writer)) {
                    LeafReader leaf = getOnlyLeafReader(reader);
                    PqVectorsReader pq = PqVectorsReader.forField(leaf, FIELD);
                    assertEquals(trained.id(), pq.codebook(FIELD).id());
                    assertCodesMatch(leaf, pq, data, VectorSimilarityFunction.EUCLIDEAN);
                }
            }
        }
    }

    public void testProvidedCodebookOfTheWrongDimensionIsRejected() throws Exception {
        float[] flat = new float[300 * 16];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = random().nextFloat();
        }
        ProductQuantizer wrong = ProductQuantizer.train(flat, 300, 16, 4, 4, KMeans.Params.DEFAULT);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withCodebook(wrong));
        try (Directory dir = newDirectory()) {
            IndexWriter writer = new IndexWriter(dir, config(format));
            writer.addDocument(PqTestData.doc(0, new float[D], VectorSimilarityFunction.EUCLIDEAN));
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, writer::commit);
            assertTrue(e.getMessage(), e.getMessage().contains("has dimension 16, the field has " + D));
            writer.rollback();
        }
    }
}
