package io.audiopq.lucene;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.InvertedLists;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnFieldVectorsWriter;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatFieldVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsWriter;
import org.apache.lucene.codecs.lucene95.OrdToDocDISIReaderConfiguration;
import org.apache.lucene.index.DocsWithFieldSet;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.Sorter;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.IORunnable;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.RamUsageEstimator;

/**
 * Writes {@link PqVectorsFormat} segments: raw vectors through the flat delegate (when kept),
 * codebook and ord→doc configuration to the meta file, codes to the codes file. On flush and on
 * merge each float field gets its codebook from the {@link CodebookProvider} or trains one on (a
 * sample of) the segment's vectors, then every vector is re-encoded.
 */
public final class PqVectorsWriter extends KnnVectorsWriter {

    private static final long SHALLOW_RAM_BYTES_USED = RamUsageEstimator.shallowSizeOfInstance(PqVectorsWriter.class);

    private final SegmentWriteState state;
    private final PqFormatConfig config;
    private final FlatVectorsWriter rawDelegate;
    private final List<FieldWriter> fields = new ArrayList<>();
    private final IndexOutput meta;
    private final IndexOutput codes;
    private boolean finished;

    PqVectorsWriter(SegmentWriteState state, PqFormatConfig config, FlatVectorsWriter rawDelegate) throws IOException {
        this.state = state;
        this.config = config;
        this.rawDelegate = rawDelegate;
        String metaName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, PqVectorsFormat.META_EXTENSION);
        String codesName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, PqVectorsFormat.CODES_EXTENSION);
        IndexOutput metaOut = null;
        IndexOutput codesOut = null;
        try {
            metaOut = state.directory.createOutput(metaName, state.context);
            codesOut = state.directory.createOutput(codesName, state.context);
            CodecUtil.writeIndexHeader(
                metaOut, PqVectorsFormat.META_CODEC_NAME, PqVectorsFormat.VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix
            );
            CodecUtil.writeIndexHeader(
                codesOut, PqVectorsFormat.CODES_CODEC_NAME, PqVectorsFormat.VERSION_CURRENT, state.segmentInfo.getId(), state.segmentSuffix
            );
        } catch (Throwable t) {
            IOUtils.closeWhileHandlingException(metaOut, codesOut, rawDelegate);
            throw t;
        }
        this.meta = metaOut;
        this.codes = codesOut;
    }

    @Override
    public KnnFieldVectorsWriter<?> addField(FieldInfo fieldInfo) throws IOException {
        if (fieldInfo.getVectorEncoding() == VectorEncoding.BYTE) {
            // Byte vectors are not quantised: stored and searched as they are.
            return rawDelegate.addField(fieldInfo);
        }
        FieldWriter writer;
        if (config.storeRaw()) {
            @SuppressWarnings("unchecked")
            FlatFieldVectorsWriter<float[]> raw = (FlatFieldVectorsWriter<float[]>) rawDelegate.addField(fieldInfo);
            writer = new FieldWriter(fieldInfo, raw);
        } else {
            writer = new FieldWriter(fieldInfo, null);
        }
        fields.add(writer);
        return writer;
    }

    @Override
    public void flush(int maxDoc, Sorter.DocMap sortMap) throws IOException {
        rawDelegate.flush(maxDoc, sortMap);
        for (FieldWriter field : fields) {
            List<float[]> vectors = field.vectors();
            DocsWithFieldSet docs = field.docsWithField();
            int[] newToOld = null;
            if (sortMap != null) {
                newToOld = new int[docs.cardinality()];
                DocsWithFieldSet sortedDocs = new DocsWithFieldSet();
                mapOldOrdToNewOrd(docs, sortMap, null, newToOld, sortedDocs);
                docs = sortedDocs;
            }
            VectorSource source = new ListSource(vectors, newToOld);
            writeField(field.fieldInfo, maxDoc, source, docs);
        }
    }

    @Override
    public IORunnable mergeOneField(FieldInfo fieldInfo, MergeState mergeState) throws IOException {
        if (fieldInfo.getVectorEncoding() == VectorEncoding.BYTE) {
            rawDelegate.mergeOneFlatVectorField(fieldInfo, mergeState);
            return null;
        }
        if (config.storeRaw()) {
            rawDelegate.mergeOneFlatVectorField(fieldInfo, mergeState);
        }
        // Sources are read through getFloatVectorValues: raw vectors where a segment kept them,
        // decoded ones otherwise (re-encoding a decoded vector with the same codebook is lossless).
        MergedSource source = new MergedSource(fieldInfo, mergeState);
        DocsWithFieldSet docs = source.docsWithField();
        writeField(fieldInfo, state.segmentInfo.maxDoc(), source, docs);
        return null;
    }

    /**
     * Chooses or trains the codebook (and the IVF model, when the field gets inverted lists),
     * writes the codes, the IVF position maps and the ord→doc data, then the meta entry.
     */
    private void writeField(FieldInfo fieldInfo, int maxDoc, VectorSource source, DocsWithFieldSet docs) throws IOException {
        int count = docs.cardinality();
        int dimension = fieldInfo.getVectorDimension();
        VectorSimilarityFunction similarity = fieldInfo.getVectorSimilarityFunction();
        IvfPqQuantizer provided = count == 0 ? null : providedIvf(fieldInfo);
        IvfPqQuantizer ivf = provided != null ? provided : count == 0 ? null : trainIvf(fieldInfo, source, count);
        ProductQuantizer quantizer = ivf != null ? ivf.pq() : count == 0 ? null : codebookFor(fieldInfo, source, count);
        // 4-bit codes go in fast-scan blocks, in inverted lists too (each list its own run of blocks).
        CodeLayout layout = quantizer == null ? CodeLayout.ORD_MAJOR : CodeLayout.forNbits(quantizer.nbits());

        long codesOffset = codes.getFilePointer();
        InvertedLists lists = null;
        if (quantizer != null) {
            CodeLayout.CodeWriter codeWriter = layout.newWriter(codes, quantizer.m());
            byte[] code = new byte[quantizer.codeSize()];
            int written;
            if (ivf == null) {
                written = source.forEach(similarity, vector -> {
                    quantizer.encode(vector, 0, code, 0);
                    codeWriter.add(code, 0);
                });
            } else {
                InvertedLists.Builder builder = new InvertedLists.Builder(ivf.nlist(), ivf.codeSize());
                int[] ord = {0};
                written = source.forEach(similarity, vector -> builder.add(ivf.encode(vector, 0, code, 0), ord[0]++, code, 0));
                lists = builder.build();
                byte[] listCodes = lists.codes();
                for (int l = 0; l < lists.nlist(); l++) {
                    for (int pos = lists.listStart(l), end = pos + lists.listSize(l); pos < end; pos++) {
                        codeWriter.add(listCodes, pos * quantizer.m());
                    }
                    // Pads a 4-bit list's last block, so that the next list starts a block.
                    codeWriter.finish();
                }
            }
            codeWriter.finish();
            if (written != count) {
                throw new IllegalStateException("field [" + fieldInfo.name + "] has " + count + " vectors but " + written + " were encoded");
            }
        }
        long codesLength = codes.getFilePointer() - codesOffset;
        long mapOffset = codes.getFilePointer();
        if (lists != null) {
            // Position → ord, then ord → position: little-endian ints, read back as RandomAccessInput.
            int[] positionToOrd = lists.ords();
            int[] ordToPosition = new int[count];
            for (int pos = 0; pos < count; pos++) {
                codes.writeInt(positionToOrd[pos]);
                ordToPosition[positionToOrd[pos]] = pos;
            }
            for (int ord = 0; ord < count; ord++) {
                codes.writeInt(ordToPosition[ord]);
            }
        }

        meta.writeInt(fieldInfo.number);
        meta.writeInt(similarity.ordinal());
        meta.writeVInt(dimension);
        meta.writeByte((byte) (config.storeRaw() ? 1 : 0));
        meta.writeInt(Float.floatToIntBits(config.rescoreOversample()));
        meta.writeVInt(ivf == null ? 0 : ivf.nlist());
        meta.writeVInt(config.nprobe());
        meta.writeVInt(count);
        if (quantizer != null) {
            meta.writeVInt(layout.wireId);
            writeQuantizer(quantizer.id(), quantizer.toBytes());
            meta.writeVLong(codesOffset);
            meta.writeVLong(codesLength);
            if (ivf != null) {
                meta.writeByte((byte) ivf.encoding().ordinal());
                meta.writeByte((byte) (provided != null ? PqIvf.Centroids.PROVIDED : PqIvf.Centroids.SEGMENT).ordinal());
                writeQuantizer(ivf.coarse().id(), ivf.coarse().toBytes());
                for (int l = 0; l < ivf.nlist(); l++) {
                    meta.writeVInt(lists.listSize(l));
                }
                meta.writeVLong(mapOffset);
            }
        }
        OrdToDocDISIReaderConfiguration.writeStoredMeta(PqVectorsFormat.DIRECT_MONOTONIC_BLOCK_SHIFT, meta, codes, count, maxDoc, docs);
    }

    private void writeQuantizer(String id, byte[] bytes) throws IOException {
        meta.writeString(id);
        meta.writeVInt(bytes.length);
        meta.writeBytes(bytes, bytes.length);
    }

    /**
     * The provider's IVF model for the field (global centroids: the same in every segment, kept
     * by merges), or {@code null}.
     */
    private IvfPqQuantizer providedIvf(FieldInfo fieldInfo) {
        IvfPqQuantizer provided = config.codebookProvider().ivfFor(fieldInfo);
        int d = fieldInfo.getVectorDimension();
        if (provided != null && provided.dimension() != d) {
            throw new IllegalArgumentException(
                "IVF model " + provided.id() + " for field [" + fieldInfo.name + "] has dimension " + provided.dimension()
                    + ", the field has " + d
            );
        }
        return provided;
    }

    /**
     * The fallback without a provided model: with {@link PqFormatConfig#nlist()} &gt; 0 and enough
     * vectors, a coarse quantiser trained on this segment, with a product quantiser trained on the
     * residuals (or the provider's fixed codebook, then encoding vectors directly so that codes
     * stay comparable across segments); {@code null} for an exhaustive field.
     */
    private IvfPqQuantizer trainIvf(FieldInfo fieldInfo, VectorSource source, int count) throws IOException {
        int d = fieldInfo.getVectorDimension();
        int nlist = config.nlist();
        if (nlist == 0 || count < (long) nlist * PqFormatConfig.MIN_VECTORS_PER_LIST) {
            return null;
        }
        ProductQuantizer codebook = providedCodebook(fieldInfo);
        KMeans.Params params = config.trainingParams();
        float[] sample = source.sample(fieldInfo.getVectorSimilarityFunction(), count, d, params.maxTrainingPoints(), params.seed());
        int n = sample.length / d;
        if (codebook != null) {
            return new IvfPqQuantizer(CoarseQuantizer.train(sample, n, d, nlist, params), codebook, IvfPqQuantizer.Encoding.DIRECT);
        }
        return IvfPqQuantizer.train(sample, n, d, nlist, config.mFor(d), config.defaultNbits(), IvfPqQuantizer.Encoding.RESIDUAL, params);
    }

    private ProductQuantizer providedCodebook(FieldInfo fieldInfo) {
        ProductQuantizer provided = config.codebookProvider().codebookFor(fieldInfo);
        if (provided != null && provided.dimension() != fieldInfo.getVectorDimension()) {
            throw new IllegalArgumentException(
                "codebook " + provided.id() + " for field [" + fieldInfo.name + "] has dimension " + provided.dimension()
                    + ", the field has " + fieldInfo.getVectorDimension()
            );
        }
        return provided;
    }

    private ProductQuantizer codebookFor(FieldInfo fieldInfo, VectorSource source, int count) throws IOException {
        ProductQuantizer provided = providedCodebook(fieldInfo);
        if (provided != null) {
            return provided;
        }
        int d = fieldInfo.getVectorDimension();
        KMeans.Params params = config.trainingParams();
        float[] sample = source.sample(fieldInfo.getVectorSimilarityFunction(), count, d, params.maxTrainingPoints(), params.seed());
        int n = sample.length / d;
        return ProductQuantizer.train(sample, n, d, config.mFor(d), config.defaultNbits(), params);
    }

    @Override
    public void finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        finished = true;
        rawDelegate.finish();
        meta.writeInt(-1); // end of fields
        CodecUtil.writeFooter(meta);
        CodecUtil.writeFooter(codes);
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(meta, codes, rawDelegate);
    }

    @Override
    public long ramBytesUsed() {
        // The delegate accounts for the vectors it buffers; fields without raw storage buffer their own.
        long total = SHALLOW_RAM_BYTES_USED + rawDelegate.ramBytesUsed();
        for (FieldWriter field : fields) {
            total += field.ownBytesUsed();
        }
        return total;
    }

    /** Buffers a float field's vectors: in the flat delegate when raw vectors are kept, here otherwise. */
    private static final class FieldWriter extends KnnFieldVectorsWriter<float[]> {
        private static final long SHALLOW_SIZE = RamUsageEstimator.shallowSizeOfInstance(FieldWriter.class);

        private final FieldInfo fieldInfo;
        private final FlatFieldVectorsWriter<float[]> raw;
        private final List<float[]> vectors;
        private final DocsWithFieldSet docs;
        private int lastDocID = -1;

        FieldWriter(FieldInfo fieldInfo, FlatFieldVectorsWriter<float[]> raw) {
            this.fieldInfo = fieldInfo;
            this.raw = raw;
            this.vectors = raw == null ? new ArrayList<>() : null;
            this.docs = raw == null ? new DocsWithFieldSet() : null;
        }

        @Override
        public void addValue(int docID, float[] vectorValue) throws IOException {
            if (raw != null) {
                raw.addValue(docID, vectorValue);
                return;
            }
            if (docID == lastDocID) {
                throw new IllegalArgumentException(
                    "VectorValuesField \"" + fieldInfo.name + "\" appears more than once in this document (only one value is allowed per field)"
                );
            }
            docs.add(docID);
            vectors.add(copyValue(vectorValue));
            lastDocID = docID;
        }

        @Override
        public float[] copyValue(float[] vectorValue) {
            return ArrayUtil.copyOfSubArray(vectorValue, 0, fieldInfo.getVectorDimension());
        }

        List<float[]> vectors() {
            return raw != null ? raw.getVectors() : vectors;
        }

        DocsWithFieldSet docsWithField() {
            return raw != null ? raw.getDocsWithFieldSet() : docs;
        }

        long ownBytesUsed() {
            if (raw != null) {
                return SHALLOW_SIZE;
            }
            return SHALLOW_SIZE + docs.ramBytesUsed()
                + (long) vectors.size() * (RamUsageEstimator.NUM_BYTES_OBJECT_REF + RamUsageEstimator.NUM_BYTES_ARRAY_HEADER)
                + (long) vectors.size() * fieldInfo.getVectorDimension() * Float.BYTES;
        }

        @Override
        public long ramBytesUsed() {
            return raw != null ? SHALLOW_SIZE + raw.ramBytesUsed() : ownBytesUsed();
        }
    }

    @FunctionalInterface
    private interface VectorConsumer {
        void accept(float[] prepared) throws IOException;
    }

    /** The vectors of one field in final ord order, readable for a training sample and again for encoding. */
    private abstract static class VectorSource {

        /** Calls {@code consumer} with every vector, prepared for {@code similarity}, in ord order; returns how many. */
        abstract int forEach(VectorSimilarityFunction similarity, VectorConsumer consumer) throws IOException;

        /**
         * A uniform sample (without replacement, seeded) of at most {@code max} prepared vectors,
         * row-major; all of them when there are no more than {@code max}.
         */
        float[] sample(VectorSimilarityFunction similarity, int count, int d, int max, long seed) throws IOException {
            int n = Math.min(count, max);
            float[] sample = new float[Math.multiplyExact(n, d)];
            if (n == count) {
                int[] row = {0};
                forEach(similarity, v -> System.arraycopy(v, 0, sample, row[0]++ * d, d));
                return sample;
            }
            // Selection sampling (Knuth's algorithm S): one pass, exactly n of count, in ord order.
            SplittableRandom random = new SplittableRandom(seed);
            int[] seen = {0};
            int[] taken = {0};
            forEach(similarity, v -> {
                int remaining = count - seen[0]++;
                int needed = n - taken[0];
                if (needed > 0 && random.nextInt(remaining) < needed) {
                    System.arraycopy(v, 0, sample, taken[0]++ * d, d);
                }
            });
            return sample;
        }
    }

    /** Vectors buffered at flush time, optionally permuted by an index sort. */
    private static final class ListSource extends VectorSource {
        private final List<float[]> vectors;
        private final int[] newToOld;

        ListSource(List<float[]> vectors, int[] newToOld) {
            this.vectors = vectors;
            this.newToOld = newToOld;
        }

        @Override
        int forEach(VectorSimilarityFunction similarity, VectorConsumer consumer) throws IOException {
            int n = vectors.size();
            for (int ord = 0; ord < n; ord++) {
                float[] v = vectors.get(newToOld == null ? ord : newToOld[ord]);
                consumer.accept(PqSimilarity.prepare(similarity, v));
            }
            return n;
        }
    }

    /** The merged view of all source segments; each pass opens a fresh forward-only iterator. */
    private static final class MergedSource extends VectorSource {
        private final FieldInfo fieldInfo;
        private final MergeState mergeState;

        MergedSource(FieldInfo fieldInfo, MergeState mergeState) {
            this.fieldInfo = fieldInfo;
            this.mergeState = mergeState;
        }

        DocsWithFieldSet docsWithField() throws IOException {
            DocsWithFieldSet docs = new DocsWithFieldSet();
            FloatVectorValues values = MergedVectorValues.mergeFloatVectorValues(fieldInfo, mergeState);
            KnnVectorValues.DocIndexIterator it = values.iterator();
            for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                docs.add(doc);
            }
            return docs;
        }

        @Override
        int forEach(VectorSimilarityFunction similarity, VectorConsumer consumer) throws IOException {
            FloatVectorValues values = MergedVectorValues.mergeFloatVectorValues(fieldInfo, mergeState);
            KnnVectorValues.DocIndexIterator it = values.iterator();
            int n = 0;
            for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                consumer.accept(PqSimilarity.prepare(similarity, values.vectorValue(it.index())));
                n++;
            }
            return n;
        }
    }
}
