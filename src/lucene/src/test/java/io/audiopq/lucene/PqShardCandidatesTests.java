package io.audiopq.lucene;

import static io.audiopq.lucene.PqTestData.FIELD;

import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.BytesRef;

/**
 * The shard-level candidate set of {@link PqKnnQuery}: results that do not depend on how the
 * documents are split into segments, and that equal a brute-force reference computed from every
 * document's ADC score (best {@code n} by ADC, ties by doc, rescored exactly, best k), with and
 * without filters of several selectivities, with and without inverted lists.
 */
public class PqShardCandidatesTests extends LuceneTestCase {

    private static final int D = 32;
    private static final int N = 3000;
    private static final int K = 10;

    private float[][] data;
    private ProductQuantizer codebook;

    /** Data and a codebook trained on the vectors as the format encodes them (normalised for COSINE), so that codes rarely collide. */
    private void makeData(Random random, boolean unit, VectorSimilarityFunction similarity) {
        makeData(random, unit, similarity, N, 8);
    }

    private void makeData(Random random, boolean unit, VectorSimilarityFunction similarity, int n, int m) {
        data = PqTestData.clustered(random, n, D, 12, 0.6f, unit);
        float[] flat = new float[n * D];
        for (int i = 0; i < n; i++) {
            System.arraycopy(PqSimilarity.prepare(similarity, data[i]), 0, flat, i * D, D);
        }
        codebook = ProductQuantizer.train(flat, n, D, m, 8, new KMeans.Params(8, 7L, Math.min(n, 8192), true));
    }

    private float[] query(Random random) {
        float[] q = data[random.nextInt(data.length)].clone();
        for (int j = 0; j < D; j++) {
            q[j] += 0.4f * (float) random.nextGaussian();
        }
        return q;
    }

    /** Writes every doc (tagged with its id modulo 1000, for filters) in small segments that are never merged. */
    private Directory write(PqFormatConfig config, VectorSimilarityFunction similarity, int flushEvery) throws IOException {
        Directory dir = newDirectory();
        IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(new PqVectorsFormat(config)))
            .setMergePolicy(NoMergePolicy.INSTANCE);
        try (IndexWriter writer = new IndexWriter(dir, iwc)) {
            for (int i = 0; i < data.length; i++) {
                Document doc = PqTestData.doc(i, data[i], similarity);
                doc.add(new StringField("mod", Integer.toString(i % 1000), Field.Store.NO));
                writer.addDocument(doc);
                if ((i + 1) % flushEvery == 0) {
                    writer.flush();
                }
            }
        }
        return dir;
    }

    /** Into one segment, keeping doc order (so that equal scores are still broken the same way). */
    private static void forceMerge(Directory dir, PqFormatConfig config) throws IOException {
        IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(new PqVectorsFormat(config)))
            .setMergePolicy(new LogDocMergePolicy());
        try (IndexWriter writer = new IndexWriter(dir, iwc)) {
            writer.forceMerge(1);
        }
    }

    /** (id, score) pairs of a search, best first. */
    private record Hits(int[] ids, float[] scores) {
        @Override
        public String toString() {
            return Arrays.toString(ids) + " " + Arrays.toString(scores);
        }
    }

    private static Hits search(IndexSearcher searcher, Query query) throws IOException {
        TopDocs top = searcher.search(query, K);
        StoredFields stored = searcher.getIndexReader().storedFields();
        int[] ids = new int[top.scoreDocs.length];
        float[] scores = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.parseInt(stored.document(top.scoreDocs[i].doc).get(PqTestData.ID));
            scores[i] = top.scoreDocs[i].score;
        }
        return new Hits(ids, scores);
    }

    /** Docs whose id modulo 1000 is below {@code per1000}: a filter accepting that share of the docs. */
    private static Query filter(int per1000) {
        List<BytesRef> terms = new ArrayList<>();
        for (int i = 0; i < per1000; i++) {
            terms.add(new BytesRef(Integer.toString(i)));
        }
        return new TermInSetQuery("mod", terms);
    }

    /**
     * The reference: every (filtered) document's ADC score from {@link PqScoringQuery}, the best
     * {@code candidates} by (score, doc), their exact scores when {@code rescore}, and the best K
     * by (score, doc).
     */
    private Hits reference(IndexSearcher searcher, float[] q, Query filter, int candidates, boolean rescore, VectorSimilarityFunction similarity)
        throws IOException {
        Query all = new PqScoringQuery(FIELD, q);
        if (filter != null) {
            all = new BooleanQuery.Builder().add(all, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
        }
        TopDocs adc = searcher.search(all, data.length);
        StoredFields stored = searcher.getIndexReader().storedFields();
        int n = Math.min(candidates, adc.scoreDocs.length);
        List<ScoreDoc> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ScoreDoc hit = adc.scoreDocs[i];
            int id = Integer.parseInt(stored.document(hit.doc).get(PqTestData.ID));
            kept.add(new ScoreDoc(hit.doc, rescore ? similarity.compare(q, data[id]) : hit.score, id));
        }
        kept.sort(Comparator.comparingDouble((ScoreDoc h) -> -h.score).thenComparingInt(h -> h.doc));
        int size = Math.min(K, kept.size());
        int[] ids = new int[size];
        float[] scores = new float[size];
        for (int i = 0; i < size; i++) {
            ids[i] = kept.get(i).shardIndex;
            scores[i] = kept.get(i).score;
        }
        return new Hits(ids, scores);
    }

    /** Many small segments, then one: the same top-k, scores included, with rescoring on (the default). */
    public void testSameResultsBeforeAndAfterForceMerge() throws IOException {
        Random random = new Random(random().nextLong());
        boolean unit = random.nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random, unit);
        makeData(random, unit, similarity);
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebook(codebook);
        assertTrue(config.rescoreOversample() >= 1f);
        try (Directory dir = write(config, similarity, 37)) {
            float[][] queries = new float[20][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = query(random);
            }
            List<Hits> before = new ArrayList<>();
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertTrue(reader.leaves().size() > 50);
                IndexSearcher searcher = newSearcher(reader, false);
                for (float[] q : queries) {
                    before.add(search(searcher, new PqKnnQuery(FIELD, q, K)));
                    before.add(search(searcher, new PqTopKQuery(FIELD, q, K, 3 * K, null, PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE)));
                }
            }
            forceMerge(dir, config);
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertEquals(1, reader.leaves().size());
                IndexSearcher searcher = newSearcher(reader, false);
                for (int i = 0; i < queries.length; i++) {
                    float[] q = queries[i];
                    assertEquals("query " + i, before.get(2 * i).toString(), search(searcher, new PqKnnQuery(FIELD, q, K)).toString());
                    assertEquals(
                        "query " + i + " (num_candidates)",
                        before.get(2 * i + 1).toString(),
                        search(searcher, new PqTopKQuery(FIELD, q, K, 3 * K, null, PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE)).toString()
                    );
                }
            }
        }
    }

    /**
     * Above {@link PqKnnQuery#DEFAULT_DEPTH_REFERENCE_VECTORS} vectors the field's default
     * oversample rescores {@link PqKnnQuery#rescoreDepth} candidates, more than {@code k × 4}; a
     * query naming the oversample gets exactly that. A coarse codebook (one subspace) makes the
     * extra candidates matter, so the two depths give different results for some queries.
     */
    public void testDefaultDepthGrowsWithShardSize() throws IOException {
        Random random = new Random(random().nextLong());
        VectorSimilarityFunction similarity = VectorSimilarityFunction.EUCLIDEAN;
        int n = 40_000;
        makeData(random, false, similarity, n, 1);
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebook(codebook);
        float oversample = config.rescoreOversample();
        int grown = (int) PqKnnQuery.rescoreDepth(K, oversample, true, n);
        int fixed = (int) Math.ceil(K * oversample);
        assertTrue(grown + " > " + fixed, grown > fixed);
        assertEquals(fixed, PqKnnQuery.rescoreDepth(K, oversample, false, n));
        try (Directory dir = write(config, similarity, 15_000); DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = newSearcher(reader, false);
            int differing = 0;
            for (int i = 0; i < 20; i++) {
                float[] q = query(random);
                Hits byDefault = search(searcher, new PqKnnQuery(FIELD, q, K));
                assertEquals("query " + i, reference(searcher, q, null, grown, true, similarity).toString(), byDefault.toString());
                Hits named = search(searcher, new PqKnnQuery(FIELD, q, K, null, oversample));
                assertEquals("query " + i + " (oversample named)", reference(searcher, q, null, fixed, true, similarity).toString(), named.toString());
                if (byDefault.toString().equals(named.toString()) == false) {
                    differing++;
                }
            }
            assertTrue("the deeper default changed no result: the test data does not tell the depths apart", differing > 0);
        }
    }

    /** Exhaustive 8-bit segments: filtered or not, rescored or not, results equal the two-stage brute-force reference. */
    public void testFilteredSearchEqualsBruteForceReference() throws IOException {
        Random random = new Random(random().nextLong());
        boolean unit = random.nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random, unit);
        makeData(random, unit, similarity);
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebook(codebook);
        try (Directory dir = write(config, similarity, 400); DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = newSearcher(reader, false);
            // No filter, 50 %, 10 % (scanned with the filter's bits), 3 % and 0.3 % (exact: every accepted doc scored).
            int[] selectivities = { 1000, 500, 100, 30, 3 };
            for (int per1000 : selectivities) {
                Query filter = per1000 == 1000 ? null : filter(per1000);
                for (int q = 0; q < 5; q++) {
                    float[] query = query(random);
                    String what = "filter " + per1000 + "/1000, query " + q;
                    assertDefaultAndAdcOnlyEqualReference(searcher, query, filter, similarity, what);
                    assertEquals(
                        what + ", num_candidates",
                        reference(searcher, query, filter, 5 * 2 * K, true, similarity).toString(),
                        search(searcher, new PqTopKQuery(FIELD, query, K, 2 * K, filter, 5f)).toString()
                    );
                }
            }
            // A filter accepting fewer docs than the candidates: exactly the brute-force top-k of the raw vectors.
            boolean[] allowed = new boolean[N];
            for (int i = 0; i < N; i++) {
                allowed[i] = i % 1000 < 3;
            }
            for (int q = 0; q < 5; q++) {
                float[] query = query(random);
                Hits hits = search(searcher, new PqKnnQuery(FIELD, query, K, filter(3), PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE));
                assertArrayEquals(PqTestData.exactTopK(data, allowed, query, K, similarity), hits.ids());
            }
        }
    }

    /** With the field's default rescoring and with pure ADC scores, the query returns the reference ranking. */
    private void assertDefaultAndAdcOnlyEqualReference(IndexSearcher searcher, float[] query, Query filter,
        VectorSimilarityFunction similarity, String what) throws IOException {
        assertEquals(
            what + ", rescored",
            reference(searcher, query, filter, 4 * K, true, similarity).toString(),
            search(searcher, new PqKnnQuery(FIELD, query, K, filter, PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE)).toString()
        );
        assertEquals(
            what + ", ADC only",
            reference(searcher, query, filter, K, false, similarity).toString(),
            search(searcher, new PqKnnQuery(FIELD, query, K, filter, 0f)).toString()
        );
    }

    /**
     * Inverted lists: a selective filter is searched exactly (lists not consulted), and probing
     * every list scans every accepted code; both equal the brute-force reference.
     */
    public void testFilteredSearchWithInvertedListsEqualsBruteForceReference() throws IOException {
        Random random = new Random(random().nextLong());
        boolean unit = random.nextBoolean();
        VectorSimilarityFunction similarity = PqTestData.randomSimilarity(random, unit);
        makeData(random, unit, similarity);
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebook(codebook).withNlist(8).withNprobe(1);
        try (Directory dir = write(config, similarity, 1000); DirectoryReader reader = DirectoryReader.open(dir)) {
            for (var leaf : reader.leaves()) {
                assertEquals(8, PqVectorsReader.forField(leaf.reader(), FIELD).nlist(FIELD));
            }
            IndexSearcher searcher = newSearcher(reader, false);
            for (int per1000 : new int[] { 30, 3 }) {
                Query filter = filter(per1000);
                for (int q = 0; q < 5; q++) {
                    float[] query = query(random);
                    String what = "filter " + per1000 + "/1000, query " + q;
                    assertDefaultAndAdcOnlyEqualReference(searcher, query, filter, similarity, what);
                }
            }
            for (int per1000 : new int[] { 1000, 500, 100 }) {
                Query filter = per1000 == 1000 ? null : filter(per1000);
                for (int q = 0; q < 3; q++) {
                    float[] query = query(random);
                    assertEquals(
                        "every list, filter " + per1000 + "/1000, query " + q,
                        reference(searcher, query, filter, 4 * K, true, similarity).toString(),
                        search(searcher, new PqKnnQuery(FIELD, query, K, filter, PqKnnQuery.FIELD_DEFAULT_OVERSAMPLE, 8)).toString()
                    );
                }
            }
        }
    }

    /** Deleted documents are never returned, and the search still equals the reference over live docs. */
    public void testDeletedDocsAreSkipped() throws IOException {
        Random random = new Random(random().nextLong());
        VectorSimilarityFunction similarity = VectorSimilarityFunction.EUCLIDEAN;
        makeData(random, false, similarity);
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebook(codebook);
        try (Directory dir = write(config, similarity, 250)) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(new PqVectorsFormat(config)))
                .setMergePolicy(NoMergePolicy.INSTANCE);
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                for (int i = 0; i < N; i += 3) {
                    writer.deleteDocuments(new Term(PqTestData.ID, Integer.toString(i)));
                }
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = newSearcher(reader, false);
                for (int q = 0; q < 5; q++) {
                    float[] query = query(random);
                    Hits hits = search(searcher, new PqKnnQuery(FIELD, query, K));
                    for (int id : hits.ids()) {
                        assertTrue("deleted doc " + id + " returned", id % 3 != 0);
                    }
                    assertEquals(reference(searcher, query, null, 4 * K, true, similarity).toString(), hits.toString());
                }
            }
        }
    }
}
