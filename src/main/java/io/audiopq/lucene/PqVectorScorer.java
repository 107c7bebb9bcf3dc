package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import java.io.IOException;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.store.IndexInput;

/**
 * Scores the documents of one segment by ADC against a prebuilt table: {@link #iterator()} walks
 * every document that has a vector, {@link #score()} gives the current one's score on Lucene's
 * scale and {@link #adc()} the raw ADC value (squared distance or dot product). Not thread-safe:
 * one per thread and leaf.
 */
public final class PqVectorScorer implements VectorScorer {

    private final PqFieldEntry entry;
    private final AdcTable table;
    private final IndexInput codes;
    private final KnnVectorValues.DocIndexIterator iterator;
    private final byte[] code;
    private int lastOrd = -1;
    private float lastAdc;

    PqVectorScorer(PqFieldEntry entry, AdcTable table, IndexInput codesData) throws IOException {
        PqSimilarity.checkTable(entry.info().name, entry.similarity(), table, entry.quantizer());
        this.entry = entry;
        this.table = table;
        this.codes = entry.codesSlice(codesData);
        this.iterator = entry.iterator(codesData);
        this.code = new byte[entry.quantizer().codeSize()];
    }

    /** The ADC value of the current document: squared L2 distance (EUCLIDEAN) or dot product. */
    public float adc() throws IOException {
        int ord = iterator.index();
        if (ord != lastOrd) {
            entry.layout().readCodes(codes, code.length, ord, 1, code);
            lastAdc = table.distance(code, 0);
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
