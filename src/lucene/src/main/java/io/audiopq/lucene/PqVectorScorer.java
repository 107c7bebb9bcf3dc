package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.Metric;
import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.store.IndexInput;

/**
 * Scores the documents of one segment by ADC against a prebuilt table: {@link #iterator()} walks
 * every document that has a vector, {@link #score()} gives the current one's score on Lucene's
 * scale and {@link #adc()} the raw ADC value (squared distance or dot product). For a field with
 * inverted lists the value is computed as the search computes it (list term plus the code's
 * table sum), so scoring mode and top-k search agree bit for bit. Not thread-safe: one per thread
 * and leaf.
 */
public final class PqVectorScorer implements VectorScorer {

    private final PqFieldEntry entry;
    private final AdcTable table;
    private final CodeReader codes;
    private final KnnVectorValues.DocIndexIterator iterator;
    private final float[] preparedQuery;
    private final Metric fieldMetric;
    /** IVF: per list, its bias (NaN until first needed), and the last list's table. */
    private final float[] listBias;
    private final float[] listTable;
    private int lastList = -1;
    private float[] lastListTable;
    private int lastOrd = -1;
    private float lastAdc;

    PqVectorScorer(PqFieldEntry entry, AdcTable table, float[] preparedQuery, IndexInput codesData) throws IOException {
        PqSimilarity.checkTable(entry.info().name, entry.tableMetric(), entry.similarity(), table, entry.quantizer());
        this.entry = entry;
        this.table = table;
        this.codes = new CodeReader(entry, codesData);
        this.iterator = entry.iterator(codesData);
        this.preparedQuery = preparedQuery;
        this.fieldMetric = PqSimilarity.metric(entry.similarity());
        if (entry.ivf() != null) {
            listBias = new float[entry.ivf().nlist()];
            Arrays.fill(listBias, Float.NaN);
            listTable = new float[table.values().length];
        } else {
            listBias = null;
            listTable = null;
        }
    }

    /** The ADC value of the current document: squared L2 distance (EUCLIDEAN, COSINE, DOT_PRODUCT) or dot product. */
    public float adc() throws IOException {
        int ord = iterator.index();
        if (ord != lastOrd) {
            int position = codes.position(ord);
            byte[] code = codes.codeAt(position);
            PqIvf ivf = entry.ivf();
            if (ivf == null) {
                lastAdc = table.distance(code, 0);
            } else {
                int list = ivf.listOf(position);
                if (list != lastList) {
                    lastListTable = ivf.listTable(list, table.values(), fieldMetric, listTable);
                    lastList = list;
                }
                if (Float.isNaN(listBias[list])) {
                    listBias[list] = ivf.listBias(preparedQuery, list, fieldMetric);
                }
                // The search's arithmetic: the code's table sum in subspace order, then the list's bias.
                float sum = 0f;
                int ksub = table.ksub();
                for (int j = 0, row = 0; j < code.length; j++, row += ksub) {
                    sum += lastListTable[row + (code[j] & 0xFF)];
                }
                lastAdc = listBias[list] + sum;
            }
            lastOrd = ord;
        }
        return lastAdc;
    }

    @Override
    public float score() throws IOException {
        return PqSimilarity.score(entry.similarity(), adc());
    }

    /** The similarity whose scale {@link #score()} follows. */
    public VectorSimilarityFunction similarity() {
        return entry.similarity();
    }

    /** Id of the codebook the codes were written with. */
    public String codebookId() {
        return entry.quantizer().id();
    }

    @Override
    public DocIdSetIterator iterator() {
        return iterator;
    }
}
