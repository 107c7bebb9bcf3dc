package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.FlatVectorsReader;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.LongHeap;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.NumericUtils;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Reads {@link PqVectorsFormat} segments and searches them by an exhaustive ADC scan of the codes,
 * honouring accepted docs, the collector's visit limit and early termination, and optionally
 * rescoring the best {@code ceil(k × oversample)} candidates exactly with the raw vectors.
 *
 * <p>Beyond {@link KnnVectorsReader}: {@link #searchWithTable} for callers that build one
 * {@link AdcTable} per query and reuse it across segments, {@link #scorer} to score any document by
 * ADC, {@link #codebook} and {@link #forField} to find the reader of a field from a leaf.
 */
public final class PqVectorsReader extends KnnVectorsReader implements Accountable {

    private static final long SHALLOW_SIZE = RamUsageEstimator.shallowSizeOfInstance(PqVectorsReader.class);
    /** Ords scored between two checks of the collector (visit count, early termination). */
    static final int SCAN_BLOCK = 64;

    private final FlatVectorsReader raw;
    private final Map<String, PqFieldEntry> fields = new HashMap<>();
    private final IndexInput codesData;

    PqVectorsReader(SegmentReadState state, FlatVectorsReader raw) throws IOException {
        this.raw = raw;
        IndexInput codesInput = null;
        try {
            int metaVersion = readMeta(state);
            String codesName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, PqVectorsFormat.CODES_EXTENSION);
            codesInput = state.directory.openInput(codesName, state.context);
            int codesVersion = CodecUtil.checkIndexHeader(
                codesInput,
                PqVectorsFormat.CODES_CODEC_NAME,
                PqVectorsFormat.VERSION_START,
                PqVectorsFormat.VERSION_CURRENT,
                state.segmentInfo.getId(),
                state.segmentSuffix
            );
            if (codesVersion != metaVersion) {
                throw new CorruptIndexException("format versions mismatch: meta=" + metaVersion + ", codes=" + codesVersion, codesInput);
            }
            // Checks the footer's structure and that the file is not truncated; the full checksum is checkIntegrity's job.
            CodecUtil.retrieveChecksum(codesInput);
            for (PqFieldEntry entry : fields.values()) {
                if (entry.codesOffset() + entry.codesLength() > codesInput.length()) {
                    throw new CorruptIndexException("codes of field [" + entry.info().name + "] run past the end of the file", codesInput);
                }
            }
            this.codesData = codesInput;
        } catch (Throwable t) {
            IOUtils.closeWhileHandlingException(codesInput, raw);
            throw t;
        }
    }

    private int readMeta(SegmentReadState state) throws IOException {
        String metaName = IndexFileNames.segmentFileName(state.segmentInfo.name, state.segmentSuffix, PqVectorsFormat.META_EXTENSION);
        int version = -1;
        try (ChecksumIndexInput meta = state.directory.openChecksumInput(metaName)) {
            Throwable priorE = null;
            try {
                version = CodecUtil.checkIndexHeader(
                    meta,
                    PqVectorsFormat.META_CODEC_NAME,
                    PqVectorsFormat.VERSION_START,
                    PqVectorsFormat.VERSION_CURRENT,
                    state.segmentInfo.getId(),
                    state.segmentSuffix
                );
                for (int number = meta.readInt(); number != -1; number = meta.readInt()) {
                    FieldInfo info = state.fieldInfos.fieldInfo(number);
                    if (info == null) {
                        throw new CorruptIndexException("invalid field number: " + number, meta);
                    }
                    if (info.getVectorEncoding() != VectorEncoding.FLOAT32) {
                        throw new CorruptIndexException("field [" + info.name + "] has a PQ entry but " + info.getVectorEncoding() + " vectors", meta);
                    }
                    fields.put(info.name, PqFieldEntry.read(meta, info));
                }
            } catch (Throwable t) {
                priorE = t;
            } finally {
                CodecUtil.checkFooter(meta, priorE);
            }
        }
        return version;
    }

    /**
     * The PQ reader serving {@code field} in {@code reader}, or {@code null} when the field is not
     * written with {@link PqVectorsFormat} there (or the leaf is not a codec reader). Unwraps
     * {@link FilterLeafReader}s and {@link PerFieldKnnVectorsFormat.FieldsReader}.
     */
    public static PqVectorsReader forField(LeafReader reader, String field) {
        LeafReader unwrapped = FilterLeafReader.unwrap(reader);
        if (unwrapped instanceof CodecReader codecReader) {
            KnnVectorsReader vectors = codecReader.getVectorReader();
            if (vectors instanceof PerFieldKnnVectorsFormat.FieldsReader perField) {
                vectors = perField.getFieldReader(field);
            }
            if (vectors instanceof PqVectorsReader pq && pq.fields.containsKey(field)) {
                return pq;
            }
        }
        return null;
    }

    /** The codebook {@code field}'s codes were written with in this segment; {@code null} when it has no vectors here. */
    public ProductQuantizer codebook(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null ? null : entry.quantizer();
    }

    /** Builds the ADC table of {@code query} for {@code field} in this segment (normalising it for COSINE); {@code null} when the field has no vectors here. */
    public AdcTable adcTable(String field, float[] query) {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.quantizer() == null) {
            return null;
        }
        return PqSimilarity.adcTable(entry.quantizer(), entry.similarity(), query);
    }

    /** The field's similarity, or {@code null} when it has no PQ entry in this segment. */
    public VectorSimilarityFunction similarity(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null ? null : entry.similarity();
    }

    /**
     * A key under which an ADC table for {@code field} in this segment can be shared with other
     * segments: equal keys mean the same codebook and the same query preparation and metric.
     * {@code null} when the field has no vectors here.
     */
    public String tableKey(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null || entry.quantizer() == null ? null : entry.quantizer().id() + "/" + entry.similarity();
    }

    /** The default rescore oversample the field was written with (0: none). */
    public float defaultOversample(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null ? 0f : entry.rescoreOversample();
    }

    /** Whether the field's raw vectors are stored in this segment (needed for rescoring). */
    public boolean hasRawVectors(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry != null && entry.storeRaw();
    }

    /**
     * An ADC scorer over every document of this segment that has a vector in {@code field};
     * {@code null} when there are none. {@code table} must come from {@link #codebook}{@code (field)}
     * (or a codebook with the same {@link ProductQuantizer#id()}).
     */
    public PqVectorScorer scorer(String field, AdcTable table) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0) {
            return null;
        }
        return new PqVectorScorer(entry, table, codesData);
    }

    @Override
    public void checkIntegrity() throws IOException {
        raw.checkIntegrity();
        CodecUtil.checksumEntireFile(codesData);
    }

    @Override
    public FloatVectorValues getFloatVectorValues(String field) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.storeRaw()) {
            return raw.getFloatVectorValues(field);
        }
        if (entry.count() == 0) {
            return FloatVectorValues.fromFloats(java.util.List.of(), entry.dimension());
        }
        return new PqDecodedVectorValues(entry, codesData);
    }

    @Override
    public ByteVectorValues getByteVectorValues(String field) throws IOException {
        return raw.getByteVectorValues(field);
    }

    @Override
    public void search(String field, float[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0 || knnCollector.k() == 0) {
            return;
        }
        AdcTable table = PqSimilarity.adcTable(entry.quantizer(), entry.similarity(), target);
        search(entry, table, target, knnCollector, acceptDocs, entry.rescoreOversample());
    }

    /**
     * Top-k search of {@code field} with a table built by the caller (once per query, reused across
     * segments that share a codebook: see {@link #codebook}).
     *
     * @param queryForRescore the original query vector, used to rescore exactly; may be {@code null} when {@code oversample} is 0
     * @param oversample      rescore the best {@code ceil(k × oversample)} ADC candidates with the raw
     *                        vectors (values below 1 mean no rescoring; ignored when the segment kept no raw vectors)
     */
    public void searchWithTable(
        String field,
        AdcTable table,
        float[] queryForRescore,
        KnnCollector knnCollector,
        AcceptDocs acceptDocs,
        float oversample
    ) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0 || knnCollector.k() == 0) {
            return;
        }
        PqSimilarity.checkTable(field, entry.similarity(), table, entry.quantizer());
        search(entry, table, queryForRescore, knnCollector, acceptDocs, oversample);
    }

    private void search(
        PqFieldEntry entry,
        AdcTable table,
        float[] queryForRescore,
        KnnCollector collector,
        AcceptDocs acceptDocs,
        float oversample
    ) throws IOException {
        boolean rescore = oversample >= 1f && entry.storeRaw() && queryForRescore != null;
        Bits accept = acceptDocs == null ? null : acceptDocs.bits();
        IndexInput codes = entry.codesSlice(codesData);
        LongValues ordToDoc = entry.ordToDocMap(codesData);
        int m = entry.quantizer().codeSize();
        int count = entry.count();
        byte[] block = new byte[SCAN_BLOCK * m];
        int[] ords = new int[SCAN_BLOCK];
        float[] scores = new float[SCAN_BLOCK];
        // Candidates for rescoring, keyed by ADC score then ord: a min-heap of the best seen so far.
        LongHeap candidates = null;
        if (rescore) {
            long size = (long) Math.ceil((double) collector.k() * oversample);
            candidates = new LongHeap((int) Math.min(Math.max(size, collector.k()), count));
        }
        for (int start = 0; start < count; start += SCAN_BLOCK) {
            if (collector.earlyTerminated()) {
                break;
            }
            int blockSize = Math.min(SCAN_BLOCK, count - start);
            int accepted = 0;
            for (int i = 0; i < blockSize; i++) {
                int ord = start + i;
                if (accept == null || accept.get((int) ordToDoc.get(ord))) {
                    ords[accepted++] = ord;
                }
            }
            if (accepted == 0) {
                continue;
            }
            entry.layout().readCodes(codes, m, start, blockSize, block);
            for (int i = 0; i < accepted; i++) {
                scores[i] = PqSimilarity.score(entry.similarity(), table.distance(block, (ords[i] - start) * m));
            }
            collector.incVisitedCount(accepted);
            if (candidates != null) {
                for (int i = 0; i < accepted; i++) {
                    candidates.insertWithOverflow(encode(scores[i], ords[i]));
                }
            } else {
                for (int i = 0; i < accepted; i++) {
                    if (scores[i] > collector.minCompetitiveSimilarity()) {
                        collector.collect((int) ordToDoc.get(ords[i]), scores[i]);
                    }
                }
            }
        }
        if (candidates != null && candidates.size() > 0) {
            FloatVectorValues rawValues = raw.getFloatVectorValues(entry.info().name);
            if (rawValues.size() != count) {
                throw new CorruptIndexException(
                    "field [" + entry.info().name + "] has " + count + " codes but " + rawValues.size() + " raw vectors",
                    codesData
                );
            }
            while (candidates.size() > 0) {
                int ord = decodeOrd(candidates.pop());
                float exact = entry.similarity().compare(queryForRescore, rawValues.vectorValue(ord));
                collector.collect((int) ordToDoc.get(ord), exact);
            }
        }
    }

    /** Packs a score and an ord into a long that sorts by score, then by ord (lower ord wins ties, as doc order). */
    private static long encode(float score, int ord) {
        return ((long) NumericUtils.floatToSortableInt(score) << 32) | (0xFFFFFFFFL & (Integer.MAX_VALUE - ord));
    }

    private static int decodeOrd(long encoded) {
        return Integer.MAX_VALUE - (int) (encoded & 0xFFFFFFFFL);
    }

    @Override
    public void search(String field, byte[] target, KnnCollector knnCollector, AcceptDocs acceptDocs) throws IOException {
        // Byte vectors are stored unquantised in the flat format: an exact scan.
        if (knnCollector.k() == 0) {
            return;
        }
        RandomVectorScorer scorer = raw.getRandomVectorScorer(field, target);
        if (scorer == null) {
            return;
        }
        Bits acceptedOrds = scorer.getAcceptOrds(acceptDocs == null ? null : acceptDocs.bits());
        int[] ords = new int[SCAN_BLOCK];
        float[] scores = new float[SCAN_BLOCK];
        int maxOrd = scorer.maxOrd();
        for (int start = 0; start < maxOrd; start += SCAN_BLOCK) {
            if (knnCollector.earlyTerminated()) {
                break;
            }
            int n = 0;
            for (int ord = start, end = Math.min(maxOrd, start + SCAN_BLOCK); ord < end; ord++) {
                if (acceptedOrds == null || acceptedOrds.get(ord)) {
                    ords[n++] = ord;
                }
            }
            if (n == 0) {
                continue;
            }
            knnCollector.incVisitedCount(n);
            scorer.bulkScore(ords, scores, n);
            for (int i = 0; i < n; i++) {
                if (scores[i] > knnCollector.minCompetitiveSimilarity()) {
                    knnCollector.collect(scorer.ordToDoc(ords[i]), scores[i]);
                }
            }
        }
    }

    @Override
    public Map<String, Long> getOffHeapByteSize(FieldInfo fieldInfo) {
        Objects.requireNonNull(fieldInfo);
        PqFieldEntry entry = fields.get(fieldInfo.name);
        if (entry == null) {
            return raw.getOffHeapByteSize(fieldInfo);
        }
        Map<String, Long> codes = Map.of(PqVectorsFormat.CODES_EXTENSION, entry.codesLength());
        if (entry.storeRaw() == false) {
            return codes;
        }
        return KnnVectorsReader.mergeOffHeapByteSizeMaps(raw.getOffHeapByteSize(fieldInfo), codes);
    }

    @Override
    public long ramBytesUsed() {
        long size = SHALLOW_SIZE + raw.ramBytesUsed();
        size += RamUsageEstimator.sizeOfMap(fields, 0);
        for (PqFieldEntry entry : fields.values()) {
            size += entry.ramBytesUsed();
        }
        return size;
    }

    @Override
    public void close() throws IOException {
        IOUtils.close(codesData, raw);
    }

    @Override
    public String toString() {
        return "PqVectorsReader(fields=" + fields.keySet() + ", raw=" + raw + ")";
    }
}
