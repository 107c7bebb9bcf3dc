package io.audiopq.lucene;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.FastScanCodes;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.Metric;
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
    int nprobe,
    int count,
    CodeLayout layout,
    ProductQuantizer quantizer,
    long codesOffset,
    long codesLength,
    PqIvf ivf,
    OrdToDocDISIReaderConfiguration ordToDoc
) {

    /** The metric of the tables {@link PqVectorsReader#adcTable} builds for this field (see {@link PqIvf#tableMetric}). */
    Metric tableMetric() {
        Metric metric = PqSimilarity.metric(similarity);
        return ivf == null ? metric : ivf.tableMetric(metric);
    }

    /** Reads one field's entry, written in format version {@code version}. */
    static PqFieldEntry read(IndexInput meta, FieldInfo info, int version) throws IOException {
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
        int nprobe = meta.readVInt();
        if (nprobe < 1) {
            throw new CorruptIndexException("field [" + info.name + "] has default nprobe " + nprobe, meta);
        }
        int count = meta.readVInt();
        if (nlist < 0 || (nlist > 0 && count == 0)) {
            throw new CorruptIndexException("field [" + info.name + "] has nlist=" + nlist + " for " + count + " vectors", meta);
        }
        CodeLayout layout = CodeLayout.ORD_MAJOR;
        ProductQuantizer quantizer = null;
        long codesOffset = 0;
        long codesLength = 0;
        PqIvf ivf = null;
        if (count > 0) {
            int wireId = meta.readVInt();
            layout = CodeLayout.fromWireId(wireId);
            if (layout == null) {
                throw new CorruptIndexException("unknown code layout " + wireId, meta);
            }
            quantizer = readQuantizer(meta, info, "codebook", ProductQuantizer::fromBytes, ProductQuantizer::id);
            if (quantizer.dimension() != dimension) {
                throw new CorruptIndexException("codebook dimension " + quantizer.dimension() + " != field dimension " + dimension, meta);
            }
            if (layout == CodeLayout.FAST_SCAN_4BIT && quantizer.nbits() != 4) {
                throw new CorruptIndexException("field [" + info.name + "] has the 4-bit fast-scan layout but " + quantizer.nbits() + "-bit codes", meta);
            }
            codesOffset = meta.readVLong();
            codesLength = meta.readVLong();
            if (nlist > 0) {
                if (layout == CodeLayout.FAST_SCAN_4BIT && version < PqVectorsFormat.VERSION_GLOBAL_IVF) {
                    throw new CorruptIndexException("field [" + info.name + "] has 4-bit blocks in inverted lists, which version " + version + " never wrote", meta);
                }
                ivf = readIvf(meta, info, nlist, count, quantizer, layout == CodeLayout.FAST_SCAN_4BIT, version);
            }
            long expected = ivf != null && ivf.blocks()
                ? (long) ivf.totalBlocks() * FastScanCodes.blockBytes(quantizer.m())
                : layout.byteSize(count, quantizer.m());
            if (codesLength != expected) {
                throw new CorruptIndexException(
                    "field [" + info.name + "] has " + codesLength + " bytes of codes, expected " + expected + " for " + count + " codes", meta
                );
            }
        }
        OrdToDocDISIReaderConfiguration ordToDoc = OrdToDocDISIReaderConfiguration.fromStoredMeta(meta, count);
        return new PqFieldEntry(
            info, similarity, dimension, storeRaw == 1, oversample, nlist, nprobe, count, layout, quantizer, codesOffset, codesLength, ivf, ordToDoc
        );
    }

    private static PqIvf readIvf(IndexInput meta, FieldInfo info, int nlist, int count, ProductQuantizer quantizer, boolean blocks, int version)
        throws IOException {
        int encodingOrdinal = meta.readByte();
        IvfPqQuantizer.Encoding[] encodings = IvfPqQuantizer.Encoding.values();
        if (encodingOrdinal < 0 || encodingOrdinal >= encodings.length) {
            throw new CorruptIndexException("field [" + info.name + "] has unknown IVF encoding " + encodingOrdinal, meta);
        }
        // Version 0 did not record the origin; its writer trained centroids per segment unless a caller supplied a model.
        PqIvf.Centroids origin = PqIvf.Centroids.SEGMENT;
        if (version >= PqVectorsFormat.VERSION_GLOBAL_IVF) {
            int originOrdinal = meta.readByte();
            if (originOrdinal < 0 || originOrdinal >= PqIvf.Centroids.values().length) {
                throw new CorruptIndexException("field [" + info.name + "] has unknown IVF centroid origin " + originOrdinal, meta);
            }
            origin = PqIvf.Centroids.values()[originOrdinal];
        }
        CoarseQuantizer coarse = readQuantizer(meta, info, "IVF coarse quantiser", CoarseQuantizer::fromBytes, CoarseQuantizer::id);
        if (coarse.nlist() != nlist || coarse.dimension() != quantizer.dimension()) {
            throw new CorruptIndexException(
                "field [" + info.name + "] has nlist=" + nlist + " but its coarse quantiser has nlist=" + coarse.nlist() + ", D=" + coarse.dimension(),
                meta
            );
        }
        int[] offsets = new int[nlist + 1];
        for (int l = 0; l < nlist; l++) {
            long end = (long) offsets[l] + meta.readVInt();
            if (end > count) {
                throw new CorruptIndexException("field [" + info.name + "] has inverted lists longer than its " + count + " vectors", meta);
            }
            offsets[l + 1] = (int) end;
        }
        if (offsets[nlist] != count) {
            throw new CorruptIndexException("field [" + info.name + "] has " + offsets[nlist] + " vectors in its lists, expected " + count, meta);
        }
        long mapOffset = meta.readVLong();
        return new PqIvf(coarse, origin, encodings[encodingOrdinal], quantizer, offsets, mapOffset, blocks);
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(byte[] bytes);
    }

    /** Reads an id, a length and a serialised quantiser, and checks the id against the content. */
    private static <T> T readQuantizer(IndexInput meta, FieldInfo info, String what, Parser<T> parser, java.util.function.Function<T, String> idOf)
        throws IOException {
        String id = meta.readString();
        byte[] bytes = new byte[meta.readVInt()];
        meta.readBytes(bytes, 0, bytes.length);
        T parsed;
        try {
            parsed = parser.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new CorruptIndexException("field [" + info.name + "] has an unreadable " + what + ": " + e.getMessage(), meta, e);
        }
        if (idOf.apply(parsed).equals(id) == false) {
            throw new CorruptIndexException(what + " id mismatch: stored " + id + ", computed " + idOf.apply(parsed), meta);
        }
        return parsed;
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
            // The codewords, and their transposed copy for encoding.
            size += 2 * RamUsageEstimator.sizeOf(quantizer.centroids()) + RamUsageEstimator.shallowSizeOfInstance(ProductQuantizer.class);
        }
        if (ivf != null) {
            size += ivf.ramBytesUsed();
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
