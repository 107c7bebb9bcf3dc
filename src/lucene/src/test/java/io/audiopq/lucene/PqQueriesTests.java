package io.audiopq.lucene;

import static io.audiopq.lucene.PqTestData.FIELD;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.search.QueryUtils;
import org.apache.lucene.tests.util.LuceneTestCase;

/** {@link PqScoringQuery}, {@link PqKnnQuery}, the table-sharing entry points and configuration checks. */
public class PqQueriesTests extends LuceneTestCase {


    private static final int D = 16;

    private Directory dir;
    private IndexReader reader;
    private float[][] data;
    private boolean[] hasVector;
    private VectorSimilarityFunction similarity;

    /** An index of several segments: every third doc has no vector, every other doc is tagged "a". */
    private void index(PqVectorsFormat format, int n) throws IOException {
        boolean unit = random().nextBoolean();
        similarity = PqTestData.randomSimilarity(random(), unit);
        data = PqTestData.clustered(random(), n, D, 5, 0.3f, unit);
        hasVector = new boolean[n];
        dir = newDirectory();
        IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(format)).setMergePolicy(NoMergePolicy.INSTANCE);
        try (IndexWriter writer = new IndexWriter(dir, iwc)) {
            for (int i = 0; i < n; i++) {
                hasVector[i] = i % 3 != 1;
                Document doc = PqTestData.doc(i, hasVector[i] ? data[i] : null, similarity);
                doc.add(new StringField("tag", i % 2 == 0 ? "a" : "b", Field.Store.NO));
                writer.addDocument(doc);
                if (i % 97 == 96) {
                    writer.commit();
                }
            }
        }
        reader = DirectoryReader.open(dir);
    }

    @Override
    public void tearDown() throws Exception {
        if (reader != null) {
            reader.close();
        }
        if (dir != null) {
            dir.close();
        }
        super.tearDown();
    }

    private int id(StoredFields stored, int doc) throws IOException {
        return Integer.parseInt(stored.document(doc).get(PqTestData.ID));
    }

    /** Each doc's score when the query runs alone, keyed by doc id. */
    private static Map<Integer, Float> scores(IndexSearcher searcher, Query query) throws IOException {
        Map<Integer, Float> scores = new HashMap<>();
        for (ScoreDoc hit : searcher.search(query, Integer.MAX_VALUE / 2).scoreDocs) {
            scores.put(hit.doc, hit.score);
        }
        return scores;
    }

    public void testScoringQueryScoresEveryVectorByAdcAndSumsWithText() throws Exception {
        index(new PqVectorsFormat(), 400);
        IndexSearcher searcher = newSearcher(reader, false);
        float[] query = data[random().nextInt(data.length)].clone();
        PqScoringQuery pq = new PqScoringQuery(FIELD, query);
        TermQuery text = new TermQuery(new Term("tag", "a"));

        Map<Integer, Float> pqScores = scores(searcher, pq);
        Map<Integer, Float> textScores = scores(searcher, text);
        StoredFields stored = searcher.storedFields();
        int withVector = 0;
        for (boolean b : hasVector) {
            withVector += b ? 1 : 0;
        }
        assertEquals("every document with a vector matches, no other", withVector, pqScores.size());
        // Each score is the ADC score of the document's code under its segment's codebook.
        for (LeafReaderContext leaf : reader.leaves()) {
            PqVectorsReader pqReader = PqVectorsReader.forField(leaf.reader(), FIELD);
            ProductQuantizer codebook = pqReader.codebook(FIELD);
            AdcTable table = PqSimilarity.adcTable(codebook, similarity, query);
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                int id = id(stored, leaf.docBase + doc);
                Float actual = pqScores.get(leaf.docBase + doc);
                if (hasVector[id] == false) {
                    assertNull(actual);
                    continue;
                }
                float adc = table.distance(codebook.encode(PqSimilarity.prepare(similarity, data[id])), 0);
                assertEquals("doc " + id, PqSimilarity.score(similarity, adc), actual, 0f);
            }
        }

        BooleanQuery both = new BooleanQuery.Builder().add(text, BooleanClause.Occur.SHOULD).add(pq, BooleanClause.Occur.SHOULD).build();
        Map<Integer, Float> combined = scores(searcher, both);
        Set<Integer> expectedDocs = new HashSet<>(pqScores.keySet());
        expectedDocs.addAll(textScores.keySet());
        assertEquals(expectedDocs, combined.keySet());
        for (Map.Entry<Integer, Float> e : combined.entrySet()) {
            float expected = pqScores.getOrDefault(e.getKey(), 0f) + textScores.getOrDefault(e.getKey(), 0f);
            assertEquals("doc " + e.getKey(), expected, e.getValue(), 1e-5f);
        }

        // A boost scales the PQ clause only.
        BooleanQuery boosted = new BooleanQuery.Builder().add(text, BooleanClause.Occur.SHOULD)
            .add(new org.apache.lucene.search.BoostQuery(pq, 3f), BooleanClause.Occur.SHOULD)
            .build();
        for (Map.Entry<Integer, Float> e : scores(searcher, boosted).entrySet()) {
            float expected = 3f * pqScores.getOrDefault(e.getKey(), 0f) + textScores.getOrDefault(e.getKey(), 0f);
            assertEquals(expected, e.getValue(), 1e-5f);
        }
    }

    public void testScoringQueryExplainShowsTheAdcValue() throws Exception {
        index(new PqVectorsFormat(), 200);
        IndexSearcher searcher = newSearcher(reader, false);
        float[] query = data[0].clone();
        PqScoringQuery pq = new PqScoringQuery(FIELD, query);
        TopDocs top = searcher.search(pq, 5);
        for (ScoreDoc hit : top.scoreDocs) {
            Explanation explanation = searcher.explain(pq, hit.doc);
            assertTrue(explanation.isMatch());
            assertEquals(hit.score, explanation.getValue().floatValue(), 0f);
            assertTrue(explanation.getDescription(), explanation.getDescription().contains("ADC score"));
            Explanation adc = explanation.getDetails()[0];
            String kind = PqSimilarity.metric(similarity) == Metric.L2 ? "ADC squared L2 distance" : "ADC dot product";
            assertTrue(adc.getDescription(), adc.getDescription().contains(kind));
            assertEquals(hit.score, PqSimilarity.score(similarity, adc.getValue().floatValue()), 0f);
        }
        StoredFields stored = searcher.storedFields();
        for (int doc = 0; doc < reader.maxDoc(); doc++) {
            if (hasVector[id(stored, doc)] == false) {
                assertFalse(searcher.explain(pq, doc).isMatch());
                break;
            }
        }
        QueryUtils.check(random(), pq, searcher);
    }

    public void testScoringQueryOnAFieldNotWrittenWithPqScoresExactly() throws Exception {
        // Lucene's default format: the query falls back to exact scoring through FloatVectorValues.
        indexWithLuceneDefaultCodec(150);
        IndexSearcher searcher = newSearcher(reader, false);
        float[] query = data[3].clone();
        StoredFields stored = searcher.storedFields();
        for (ScoreDoc hit : searcher.search(new PqScoringQuery(FIELD, query), 150).scoreDocs) {
            assertEquals(similarity.compare(query, data[id(stored, hit.doc)]), hit.score, 1e-6f);
        }
    }

    private void indexWithLuceneDefaultCodec(int n) throws IOException {
        index(new PqVectorsFormat(), n);
        // Rewrite the same documents with Lucene's default codec.
        reader.close();
        dir.close();
        dir = newDirectory();
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig())) {
            for (int i = 0; i < n; i++) {
                writer.addDocument(PqTestData.doc(i, hasVector[i] ? data[i] : null, similarity));
            }
        }
        reader = DirectoryReader.open(dir);
    }

    public void testKnnQueryHonoursFilterAndMatchesPerLeafSearch() throws Exception {
        index(new PqVectorsFormat(), 500);
        IndexSearcher searcher = newSearcher(reader, false);
        float[] query = data[random().nextInt(data.length)].clone();
        int k = 10;
        PqKnnQuery knn = new PqKnnQuery(FIELD, query, k, new TermQuery(new Term("tag", "a")), 4f);
        TopDocs top = searcher.search(knn, k);
        assertEquals(k, top.scoreDocs.length);
        StoredFields stored = searcher.storedFields();
        boolean[] allowed = new boolean[data.length];
        for (int i = 0; i < data.length; i++) {
            allowed[i] = hasVector[i] && i % 2 == 0;
        }
        int[] found = new int[k];
        for (int i = 0; i < k; i++) {
            found[i] = id(stored, top.scoreDocs[i].doc);
            assertTrue("doc " + found[i] + " is not tagged a", allowed[found[i]]);
            assertEquals(similarity.compare(query, data[found[i]]), top.scoreDocs[i].score, 0f);
        }
        double recall = PqTestData.recall(found, PqTestData.exactTopK(data, allowed, query, k, similarity));
        assertTrue("filtered recall with rescoring " + recall, recall >= 0.8);

        // The rewritten query is a plain doc-and-score query that can be reused.
        Query rewritten = searcher.rewrite(knn);
        assertNotSame(knn, rewritten);
        assertEquals(top.scoreDocs.length, searcher.search(rewritten, k).scoreDocs.length);

        // A filter that matches nothing.
        assertTrue(searcher.rewrite(new PqKnnQuery(FIELD, query, k, MatchNoDocsQuery.INSTANCE, 0f)) instanceof MatchNoDocsQuery);
    }

    public void testSearchWithOneTableAcrossSegmentsSharingACodebook() throws Exception {
        float[][] training = PqTestData.clustered(random(), 512, D, 5, 0.3f, false);
        float[] flat = new float[training.length * D];
        for (int i = 0; i < training.length; i++) {
            System.arraycopy(training[i], 0, flat, i * D, D);
        }
        ProductQuantizer codebook = ProductQuantizer.train(flat, training.length, D, 8, 8, KMeans.Params.DEFAULT);
        index(new PqVectorsFormat(PqFormatConfig.DEFAULT.withCodebook(codebook)), 300);
        assertTrue(reader.leaves().size() > 1);
        float[] query = data[7].clone();
        AdcTable table = PqSimilarity.adcTable(codebook, similarity, query);
        int k = 5;
        List<ScoreDoc> merged = new ArrayList<>();
        for (LeafReaderContext leaf : reader.leaves()) {
            PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), FIELD);
            assertEquals(codebook.id(), pq.codebook(FIELD).id());
            TopKnnCollector collector = new TopKnnCollector(k, Integer.MAX_VALUE);
            pq.searchWithTable(FIELD, table, query, collector, AcceptDocs.fromLiveDocs(null, leaf.reader().maxDoc()), 0f);
            for (ScoreDoc hit : collector.topDocs().scoreDocs) {
                merged.add(new ScoreDoc(hit.doc + leaf.docBase, hit.score));
            }
        }
        merged.sort((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
        TopDocs viaQuery = newSearcher(reader, false).search(new PqKnnQuery(FIELD, query, k, null, 0f), k);
        for (int i = 0; i < k; i++) {
            assertEquals(merged.get(i).score, viaQuery.scoreDocs[i].score, 0f);
        }

        // A table for the wrong metric is refused with a message naming the field.
        Metric wrong = PqSimilarity.metric(similarity) == Metric.L2 ? Metric.INNER_PRODUCT : Metric.L2;
        AdcTable wrongTable = codebook.adcTable(query, wrong);
        LeafReaderContext leaf = reader.leaves().get(0);
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> PqVectorsReader.forField(leaf.reader(), FIELD)
                .searchWithTable(FIELD, wrongTable, query, new TopKnnCollector(k, Integer.MAX_VALUE), null, 0f)
        );
        assertTrue(e.getMessage(), e.getMessage().contains("[" + FIELD + "]") && e.getMessage().contains(wrong.toString()));
    }

    public void testOneQueryInstanceOnIndicesSharingACodebookButNotASimilarity() throws Exception {
        float[][] vectors = PqTestData.clustered(random(), 300, D, 5, 0.3f, false);
        float[] flat = new float[vectors.length * D];
        for (int i = 0; i < vectors.length; i++) {
            System.arraycopy(vectors[i], 0, flat, i * D, D);
        }
        ProductQuantizer codebook = ProductQuantizer.train(flat, vectors.length, D, 8, 4, KMeans.Params.DEFAULT);
        PqVectorsFormat format = new PqVectorsFormat(PqFormatConfig.DEFAULT.withCodebook(codebook));
        float[] query = vectors[11].clone();
        PqKnnQuery shared = new PqKnnQuery(FIELD, query, 5, null, 0f);
        for (VectorSimilarityFunction sim : List.of(VectorSimilarityFunction.EUCLIDEAN, VectorSimilarityFunction.COSINE)) {
            try (Directory d = newDirectory()) {
                IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(format));
                try (IndexWriter writer = new IndexWriter(d, iwc)) {
                    PqTestData.addAll(writer, vectors, sim, 0);
                }
                try (IndexReader r = DirectoryReader.open(d)) {
                    IndexSearcher searcher = newSearcher(r, false);
                    TopDocs reused = searcher.search(shared, 5);
                    TopDocs fresh = searcher.search(new PqKnnQuery(FIELD, query, 5, null, 0f), 5);
                    assertEquals(fresh.scoreDocs.length, reused.scoreDocs.length);
                    for (int i = 0; i < fresh.scoreDocs.length; i++) {
                        assertEquals(sim + " hit " + i, fresh.scoreDocs[i].score, reused.scoreDocs[i].score, 0f);
                    }
                }
            }
        }
    }

    public void testEqualsHashCodeToStringAndVisit() {
        float[] v = {1f, 2f, 3f};
        QueryUtils.checkEqual(new PqScoringQuery("f", v), new PqScoringQuery("f", v.clone()));
        QueryUtils.checkUnequal(new PqScoringQuery("f", v), new PqScoringQuery("g", v));
        QueryUtils.checkUnequal(new PqScoringQuery("f", v), new PqScoringQuery("f", new float[] {1f, 2f, 4f}));
        QueryUtils.checkEqual(new PqKnnQuery("f", v, 3, null, 2f), new PqKnnQuery("f", v.clone(), 3, null, 2f));
        QueryUtils.checkUnequal(new PqKnnQuery("f", v, 3, null, 2f), new PqKnnQuery("f", v, 3, null, 3f));
        QueryUtils.checkUnequal(new PqKnnQuery("f", v, 3, null, 2f), new PqKnnQuery("f", v, 4, null, 2f));
        QueryUtils.checkUnequal(new PqKnnQuery("f", v, 3, null, 2f), new PqKnnQuery("f", v, 3, null, 2f, 8));
        QueryUtils.checkEqual(new PqKnnQuery("f", v, 3, null, 2f, 8), new PqKnnQuery("f", v, 3, null, 2f, 8));
        assertEquals("PqKnnQuery:f[1.0,...][3][nprobe=8]", new PqKnnQuery("f", v, 3, null, PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE, 8).toString());
        QueryUtils.checkUnequal(new PqKnnQuery("f", v, 3), new org.apache.lucene.search.KnnFloatVectorQuery("f", v, 3));
        assertEquals("PqScoringQuery:f[1.0,...](3 dims)", new PqScoringQuery("f", v).toString());
        assertEquals("PqKnnQuery:f[1.0,...][3][oversample=2.0][tag:a]", new PqKnnQuery("f", v, 3, new TermQuery(new Term("tag", "a")), 2f).toString());
        Set<String> fields = new HashSet<>();
        new PqScoringQuery("f", v).visit(new QueryVisitor() {
            @Override
            public void visitLeaf(Query query) {
                fields.add(((PqScoringQuery) query).getField());
            }
        });
        assertEquals(Set.of("f"), fields);
        // The query keeps its own copy of the vector.
        float[] mutable = v.clone();
        PqScoringQuery q = new PqScoringQuery("f", mutable);
        mutable[0] = 9f;
        assertEquals(1f, q.getQueryVector()[0], 0f);
    }

    public void testQueryArgumentsAreValidated() {
        float[] v = {1f, 2f};
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new PqKnnQuery("f", v, 3, null, 0.5f));
        assertTrue(e.getMessage(), e.getMessage().contains("got 0.5"));
        expectThrows(IllegalArgumentException.class, () -> new PqKnnQuery("f", v, 0));
        e = expectThrows(IllegalArgumentException.class, () -> new PqKnnQuery("f", v, 3, null, 0f, 0));
        assertTrue(e.getMessage(), e.getMessage().contains("nprobe must be -1 (field default) or >= 1, got 0"));
        expectThrows(IllegalArgumentException.class, () -> new PqScoringQuery("f", new float[] {Float.NaN}));
    }

    public void testFormatConfigurationIsValidated() {
        assertMessage("defaultNbits must be 4 or 8, got 5", () -> PqFormatConfig.DEFAULT.withDefaultNbits(5));
        assertMessage("defaultM must be in [1, 4096], got 0", () -> PqFormatConfig.DEFAULT.withDefaultM(0));
        assertMessage("nlist must be in [0, 65536] (0: exhaustive scan), got -1", () -> PqFormatConfig.DEFAULT.withNlist(-1));
        assertMessage("nprobe must be >= 1, got 0", () -> PqFormatConfig.DEFAULT.withNlist(16).withNprobe(0));
        assertEquals(16, PqFormatConfig.DEFAULT.withNlist(16).nlist());
        assertMessage("rescoreOversample must be 0 (no rescoring) or in [1, 100.0], got 0.5", () -> PqFormatConfig.DEFAULT.withRescoreOversample(0.5f));
        assertMessage("needs the raw vectors", () -> PqFormatConfig.DEFAULT.withStoreRaw(false).withRescoreOversample(2f));
        expectThrows(NullPointerException.class, () -> PqFormatConfig.DEFAULT.withCodebookProvider(null));
        // Without raw vectors there is nothing to rescore with.
        assertEquals(0f, PqFormatConfig.DEFAULT.withStoreRaw(false).rescoreOversample(), 0f);
    }

    private static void assertMessage(String expected, ThrowingRunnable runnable) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, runnable);
        assertTrue(e.getMessage(), e.getMessage().contains(expected));
    }

    public void testMIsTheLargestDivisorOfTheDimensionUpToDefaultM() {
        assertEquals(16, PqFormatConfig.DEFAULT.mFor(384));
        assertEquals(15, PqFormatConfig.DEFAULT.mFor(30));
        assertEquals(7, PqFormatConfig.DEFAULT.mFor(7));
        assertEquals(1, PqFormatConfig.DEFAULT.mFor(17 * 19));
        assertEquals(1, PqFormatConfig.DEFAULT.mFor(1));
        assertEquals(12, PqFormatConfig.DEFAULT.withDefaultM(12).mFor(384));
    }

    public void testToStringShowsTheConfiguration() {
        String s = new PqVectorsFormat(PqFormatConfig.DEFAULT.withDefaultM(8).withStoreRaw(false)).toString();
        assertTrue(s, s.startsWith("PqVectorsFormat(name=AudioPqVectors1, codebooks=perSegment, defaultM=8, defaultNbits=8, storeRaw=false"));
        assertTrue(s, s.contains("rescoreOversample=0.0"));
        assertTrue(s, s.contains("rawVectorFormat=Lucene99FlatVectorsFormat"));
    }
}
