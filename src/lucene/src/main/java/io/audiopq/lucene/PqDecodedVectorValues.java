package io.audiopq.lucene;

import java.io.IOException;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.VectorScorer;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.LongValues;

/**
 * Vector values of a field stored without raw vectors: each value is the PQ reconstruction of its
 * code (plus its list's centroid for residual-encoded inverted lists). For COSINE fields these are reconstructions of the normalised vectors (the original
 * magnitude is not stored). {@link #scorer} compares the query with the reconstructions using the
 * field's similarity, which is what ADC computes, up to float rounding.
 */
final class PqDecodedVectorValues extends FloatVectorValues {

    private final PqFieldEntry entry;
    private final IndexInput codesData;
    private final CodeReader codes;
    private final LongValues ordToDoc;
    private final float[] value;
    private int lastOrd = -1;

    PqDecodedVectorValues(PqFieldEntry entry, IndexInput codesData) throws IOException {
        this.entry = entry;
        this.codesData = codesData;
        this.codes = new CodeReader(entry, codesData);
        this.ordToDoc = entry.ordToDocMap(codesData);
        this.value = new float[entry.dimension()];
    }

    @Override
    public float[] vectorValue(int ord) throws IOException {
        if (ord != lastOrd) {
            int position = codes.position(ord);
            entry.quantizer().decode(codes.codeAt(position), 0, value, 0);
            if (entry.ivf() != null) {
                entry.ivf().addCentroid(entry.ivf().listOf(position), value);
            }
            lastOrd = ord;
        }
        return value;
    }

    @Override
    public int dimension() {
        return entry.dimension();
    }

    @Override
    public int size() {
        return entry.count();
    }

    @Override
    public int ordToDoc(int ord) {
        return (int) ordToDoc.get(ord);
    }

    @Override
    public DocIndexIterator iterator() {
        try {
            return entry.iterator(codesData);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public PqDecodedVectorValues copy() throws IOException {
        return new PqDecodedVectorValues(entry, codesData);
    }

    @Override
    public VectorScorer scorer(float[] target) throws IOException {
        PqDecodedVectorValues values = copy();
        DocIndexIterator iterator = values.iterator();
        return new VectorScorer() {
            @Override
            public float score() throws IOException {
                return entry.similarity().compare(target, values.vectorValue(iterator.index()));
            }

            @Override
            public DocIdSetIterator iterator() {
                return iterator;
            }
        };
    }
}
