package io.audiopq.lucene;

import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.codecs.lucene90.IndexedDISI;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.RamUsageEstimator;

/**
 * What the meta file says about one PQ field of a segment (see {@link PqVectorsFormat} for the
 * layout), plus helpers that walk its ords and docs.
 */
record PqFieldEntry(
    FieldInfo info,
    VectorSimilarityFunction similarity,
    int dimension,
    boolean storeRaw,
    float rescoreOversample,
    int nlist,
    int count,
    CodeLayout layout,
    ProductQuantizer quantizer,
    long codesOffset,
    long codesLength,
    OrdToDocDISIReaderConfiguration ordToDoc
) {

    static PqFieldEntry read(IndexInput meta, FieldInfo info) throws IOException {
        int similarityOrdinal = meta.readInt();
        VectorSimilarityFunction[] similarities = VectorSimilarityFunction.values();
        if (similarityOrdinal < 0 || similarityOrdinal >= similarities.length) {
            throw new CorruptIndexException("invalid similarity ordinal " + similarityOrdinal, meta);
        }
        VectorSimilarityFunction similarity = similarities[similarityOrdinal];
        if (similarity != info.getVectorSimilarityFunction()) {
            throw new CorruptIndexException(
                "field [" + info.name + "] has similarity " + info.getVectorSimilarityFunction() + " but its PQ entry says " + similarity,
                meta
            );
        }
        int dimension = meta.readVInt();
        if (dimension != info.getVectorDimension()) {
            throw new CorruptIndexException(
                "field [" + info.name + "] has dimension " + info.getVectorDimension() + " but its PQ entry says " + dimension,
                meta
            );
        }
        byte storeRaw = meta.readByte();
        if (storeRaw != 0 && storeRaw != 1) {
            throw new CorruptIndexException("invalid storeRaw flag " + storeRaw, meta);
        }
        float oversample = Float.intBitsToFloat(meta.readInt());
        int nlist = meta.readVInt();
        if (nlist != 0) {
            throw new CorruptIndexException("field [" + info.name + "] has nlist=" + nlist + "; this version reads only nlist=0", meta);
        }
        int count = meta.readVInt();
        CodeLayout layout = CodeLayout.ORD_MAJOR;
        ProductQuantizer quantizer = null;
        long codesOffset = 0;
        long codesLength = 0;
        if (count > 0) {
            int wireId = meta.readVInt();
            layout = CodeLayout.fromWireId(wireId);
            if (layout == null) {
                throw new CorruptIndexException("unknown code layout " + wireId, meta);
            }
            String id = meta.readString();
            byte[] codebook = new byte[meta.readVInt()];
            meta.readBytes(codebook, 0, codebook.length);
            try {
                quantizer = ProductQuantizer.fromBytes(codebook);
            } catch (IllegalArgumentException e) {
                throw new CorruptIndexException("field [" + info.name + "] has an unreadable codebook: " + e.getMessage(), meta, e);
            }
            if (quantizer.id().equals(id) == false) {
                throw new CorruptIndexException("codebook id mismatch: stored " + id + ", computed " + quantizer.id(), meta);
            }
            if (quantizer.dimension() != dimension) {
                throw new CorruptIndexException("codebook dimension " + quantizer.dimension() + " != field dimension " + dimension, meta);
            }
            codesOffset = meta.readVLong();
            codesLength = meta.readVLong();
            long expected = layout.byteSize(count, quantizer.m());
            if (codesLength != expected) {
                throw new CorruptIndexException(
                    "field [" + info.name + "] has " + codesLength + " bytes of codes, expected " + expected + " for " + count + " codes", meta
                );
            }
        }
        OrdToDocDISIReaderConfiguration ordToDoc = OrdToDocDISIReaderConfiguration.fromStoredMeta(meta, count);
        return new PqFieldEntry(
            info, similarity, dimension, storeRaw == 1, oversample, nlist, count, layout, quantizer, codesOffset, codesLength, ordToDoc
        );
    }

    /** A slice of the codes file holding exactly this field's codes. */
    IndexInput codesSlice(IndexInput codesData) throws IOException {
        return codesData.slice("pq-codes", codesOffset, codesLength);
    }

    /** Maps ords to doc ids; reads the ord→doc structures from {@code codesData} for sparse fields. */
    LongValues ordToDocMap(IndexInput codesData) throws IOException {
        if (ordToDoc.isDense() || ordToDoc.isEmpty()) {
            return LongValues.IDENTITY;
        }
        return ordToDoc.getDirectMonotonicReader(codesData);
    }

    /** Iterates the docs that have a vector, with their ords. */
    KnnVectorValues.DocIndexIterator iterator(IndexInput codesData) throws IOException {
        if (ordToDoc.isDense() || ordToDoc.isEmpty()) {
            return new DenseIterator(ordToDoc.isEmpty() ? 0 : count);
        }
        return IndexedDISI.asDocIndexIterator(ordToDoc.getIndexedDISI(codesData));
    }

    long ramBytesUsed() {
        long size = RamUsageEstimator.shallowSizeOfInstance(PqFieldEntry.class);
        if (quantizer != null) {
            size += RamUsageEstimator.sizeOf(quantizer.centroids()) + RamUsageEstimator.shallowSizeOfInstance(ProductQuantizer.class);
        }
        return size;
    }

    /** Docs 0..size-1 with ord = doc. */
    private static final class DenseIterator extends KnnVectorValues.DocIndexIterator {
        private final int size;
        private int doc = -1;

        DenseIterator(int size) {
            this.size = size;
        }

        @Override
        public int index() {
            return doc;
        }

        @Override
        public int docID() {
            return doc;
        }

        @Override
        public int nextDoc() {
            return advance(doc + 1);
        }

        @Override
        public int advance(int target) {
            return doc = target >= size ? NO_MORE_DOCS : target;
        }

        @Override
        public long cost() {
            return size;
        }
    }
}
