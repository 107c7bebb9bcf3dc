package io.audiopq.lucene;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;

/** Data and index helpers shared by the Lucene-layer tests. */
public final class PqTestData {

    static final String FIELD = "v";
    static final String ID = "id";

    private PqTestData() {}

    /** A codec that is readable after a restart with nothing but SPI: Lucene's default with this vectors format. */
    static Codec codec(KnnVectorsFormat format) {
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /**
     * {@code n} vectors around {@code clusters} random centres (Gaussian noise of scale
     * {@code spread} relative to unit-variance centres); unit length when {@code normalise}.
     */
    public static float[][] clustered(Random random, int n, int d, int clusters, float spread, boolean normalise) {
        float[][] centres = new float[clusters][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) random.nextGaussian();
            }
        }
        float[][] data = new float[n][d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[random.nextInt(clusters)];
            for (int j = 0; j < d; j++) {
                data[i][j] = c[j] + spread * (float) random.nextGaussian();
            }
            if (normalise) {
                VectorUtil.l2normalize(data[i]);
            }
        }
        return data;
    }

    /** Similarities whose scores PQ can reproduce on the given data (DOT_PRODUCT needs unit vectors). */
    static VectorSimilarityFunction randomSimilarity(Random random, boolean unitVectors) {
        VectorSimilarityFunction[] all = VectorSimilarityFunction.values();
        while (true) {
            VectorSimilarityFunction s = all[random.nextInt(all.length)];
            if (s != VectorSimilarityFunction.DOT_PRODUCT || unitVectors) {
                return s;
            }
        }
    }

    /** Doc with a stored/indexed id and, when {@code vector} is not null, the vector. */
    static Document doc(int id, float[] vector, VectorSimilarityFunction similarity) {
        Document doc = new Document();
        doc.add(new StringField(ID, Integer.toString(id), Field.Store.YES));
        doc.add(new StoredField("ord", id));
        if (vector != null) {
            doc.add(new KnnFloatVectorField(FIELD, vector, similarity));
        }
        return doc;
    }

    static void addAll(IndexWriter writer, float[][] data, VectorSimilarityFunction similarity, int commitEvery) throws IOException {
        for (int i = 0; i < data.length; i++) {
            writer.addDocument(doc(i, data[i], similarity));
            if (commitEvery > 0 && (i + 1) % commitEvery == 0) {
                writer.commit();
            }
        }
    }

    /** Ids of the exact top-k of {@code query} among {@code data} rows whose {@code allowed} flag is set (all when null). */
    static int[] exactTopK(float[][] data, boolean[] allowed, float[] query, int k, VectorSimilarityFunction similarity) {
        return IntStream.range(0, data.length)
            .filter(i -> allowed == null || allowed[i])
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -similarity.compare(query, data[i])).thenComparingInt(i -> i))
            .limit(k)
            .mapToInt(Integer::intValue)
            .toArray();
    }

    /** |found ∩ truth| / |truth|. */
    static double recall(int[] found, int[] truth) {
        int[] sorted = found.clone();
        Arrays.sort(sorted);
        int hits = 0;
        for (int t : truth) {
            if (Arrays.binarySearch(sorted, t) >= 0) {
                hits++;
            }
        }
        return truth.length == 0 ? 1 : (double) hits / truth.length;
    }
}
