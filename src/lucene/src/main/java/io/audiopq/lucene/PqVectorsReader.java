package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.PqSearch;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.ScanSink;
import io.audiopq.quantization.TopKHeap;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntPredicate;
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
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.LongValues;
import org.apache.lucene.util.RamUsageEstimator;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Reads {@link PqVectorsFormat} segments and searches them by ADC, honouring accepted docs, the
 * collector's visit limit and early termination (checked every {@value #SCAN_BLOCK} ords), and
 * optionally rescoring the best {@code ceil(k × oversample)} candidates exactly with the raw
 * vectors. The scan itself is the core's {@link PqSearch} (the loops the in-memory benchmarks
 * run too): this reader supplies the codes ({@link CodeReader} over the codes file), the filter
 * (ord → doc → accepted docs) and the sink (the collector, or a candidate heap), in the way Lucene
 * formats hand a {@code RandomVectorScorer} to one search loop. What is scanned depends on what
 * the segment holds:
 * <ul>
 *   <li>8-bit codes: the 8-bit kernel over chunks of ords;</li>
 *   <li>4-bit codes ({@link CodeLayout#FAST_SCAN_4BIT}): the fast scan with a quantised table
 *       picks the best {@value #FAST_SCAN_RERANK_FACTOR} × k candidates, which are re-ranked
 *       with the exact float table, so reported scores are exact ADC scores;</li>
 *   <li>inverted lists ({@link PqIvf}): only the nprobe lists nearest the query are scanned,
 *       each with its table (residual L2 lists with FAISS's precomputed terms, see
 *       {@link io.audiopq.quantization.IvfLayout}): 8-bit codes by the kernel, 4-bit codes
 *       (each list in fast-scan blocks) by the fast scan with exact re-ranking.</li>
 * </ul>
 *
 * <p>Beyond {@link KnnVectorsReader}: {@link #searchWithTable} for callers that build one
 * {@link AdcTable} per query and reuse it across segments, {@link #scorer} to score any document by
 * ADC, {@link #codebook} and {@link #forField} to find the reader of a field from a leaf.
 */
public final class PqVectorsReader extends KnnVectorsReader implements Accountable {

    private static final long SHALLOW_SIZE = RamUsageEstimator.shallowSizeOfInstance(PqVectorsReader.class);
    /** Ords scored between two checks of the collector (visit count, early termination). */
    static final int SCAN_BLOCK = PqSearch.SCAN_BLOCK;
    /** A 4-bit search re-ranks this many fast-scan candidates per wanted result with the exact table. */
    public static final int FAST_SCAN_RERANK_FACTOR = PqSearch.FAST_SCAN_RERANK_FACTOR;
    /** Probe the number of lists the field was written with. */
    public static final int FIELD_DEFAULT_NPROBE = -1;

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
                if (entry.ivf() != null && entry.ivf().mapOffset() + entry.ivf().mapLength() > codesInput.length()) {
                    throw new CorruptIndexException("inverted lists of field [" + entry.info().name + "] run past the end of the file", codesInput);
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
                    fields.put(info.name, PqFieldEntry.read(meta, info, version));
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

    /**
     * Builds the ADC table of {@code query} for {@code field} in this segment (normalising it for
     * COSINE); {@code null} when the field has no vectors here. For a field with residual-encoded
     * inverted lists this is the query's inner-product table with the residual codewords (the part
     * shared by all lists); searching and scoring such a field also need the query vector itself.
     */
    public AdcTable adcTable(String field, float[] query) {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.quantizer() == null) {
            return null;
        }
        return adcTable(entry, query);
    }

    private static AdcTable adcTable(PqFieldEntry entry, float[] query) {
        return entry.quantizer().adcTable(PqSimilarity.prepare(entry.similarity(), query), entry.tableMetric());
    }

    /** The number of inverted lists of {@code field} in this segment; 0 when it is scanned exhaustively (or has no vectors). */
    public int nlist(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null || entry.ivf() == null ? 0 : entry.ivf().nlist();
    }

    /**
     * Where the coarse centroids of {@code field}'s inverted lists come from in this segment:
     * {@code "provided"} (global, e.g. a bundle's: the same in every segment and kept by merges),
     * {@code "segment"} (trained on this segment), or {@code null} when it has no lists here.
     */
    public String ivfCentroids(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null || entry.ivf() == null ? null : entry.ivf().origin().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The id of the coarse quantiser of {@code field}'s inverted lists in this segment, or {@code null} when it has none. */
    public String ivfCentroidsId(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null || entry.ivf() == null ? null : entry.ivf().coarse().id();
    }

    /** The meta entry of {@code field} in this segment, or {@code null}. */
    PqFieldEntry fieldEntry(String field) {
        return fields.get(field);
    }

    /** The default nprobe the field was written with. */
    public int defaultNprobe(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null ? PqFormatConfig.DEFAULT_NPROBE : entry.nprobe();
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
        return entry == null || entry.quantizer() == null ? null : entry.quantizer().id() + "/" + entry.similarity() + "/" + entry.tableMetric();
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
     * {@code null} when there are none. {@code table} must come from {@link #adcTable} (or a segment
     * with the same {@link #tableKey}). Fields with inverted lists need the query vector too: use
     * {@link #scorer(String, AdcTable, float[])}.
     */
    public PqVectorScorer scorer(String field, AdcTable table) throws IOException {
        return scorer(field, table, null);
    }

    /**
     * As {@link #scorer(String, AdcTable)}, with the (unprepared) query vector the table was built
     * from, which scoring codes in inverted lists needs; may be {@code null} for other fields.
     */
    public PqVectorScorer scorer(String field, AdcTable table, float[] query) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0) {
            return null;
        }
        if (entry.ivf() != null && query == null) {
            throw new IllegalArgumentException(
                "field [" + field + "] has inverted lists in this segment: scoring it needs the query vector"
            );
        }
        return new PqVectorScorer(entry, table, query == null ? null : PqSimilarity.prepare(entry.similarity(), query), codesData);
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
        search(entry, adcTable(entry, target), target, knnCollector, acceptDocs, entry.rescoreOversample(), entry.nprobe());
    }

    /**
     * Top-k search of {@code field} with a table built by the caller (once per query, reused across
     * segments that share a codebook: see {@link #tableKey}), probing the field's default number of
     * lists where it has inverted lists.
     *
     * @param queryForRescore the original query vector, used to rescore exactly and to choose inverted
     *                        lists; may be {@code null} when {@code oversample} is 0 and the field has no lists
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
        searchWithTable(field, table, queryForRescore, knnCollector, acceptDocs, oversample, FIELD_DEFAULT_NPROBE);
    }

    /**
     * As {@link #searchWithTable(String, AdcTable, float[], KnnCollector, AcceptDocs, float)}, visiting
     * {@code nprobe} inverted lists ({@link #FIELD_DEFAULT_NPROBE} for the field's default; more than
     * the segment's nlist means all of them) where the field has lists.
     */
    public void searchWithTable(
        String field,
        AdcTable table,
        float[] query,
        KnnCollector knnCollector,
        AcceptDocs acceptDocs,
        float oversample,
        int nprobe
    ) throws IOException {
        if (nprobe != FIELD_DEFAULT_NPROBE && nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be >= 1 or " + FIELD_DEFAULT_NPROBE + " (field default), got " + nprobe);
        }
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0 || knnCollector.k() == 0) {
            return;
        }
        PqSimilarity.checkTable(field, entry.tableMetric(), entry.similarity(), table, entry.quantizer());
        if (entry.ivf() != null && query == null) {
            throw new IllegalArgumentException("field [" + field + "] has inverted lists in this segment: searching it needs the query vector");
        }
        search(entry, table, query, knnCollector, acceptDocs, oversample, nprobe == FIELD_DEFAULT_NPROBE ? entry.nprobe() : nprobe);
    }

    private void search(
        PqFieldEntry entry,
        AdcTable table,
        float[] query,
        KnnCollector collector,
        AcceptDocs acceptDocs,
        float oversample,
        int nprobe
    ) throws IOException {
        boolean rescore = oversample >= 1f && entry.storeRaw() && query != null;
        Bits accept = acceptDocs == null ? null : acceptDocs.bits();
        LongValues ordToDoc = entry.ordToDocMap(codesData);
        int count = entry.count();
        float[] preparedQuery = query == null ? null : PqSimilarity.prepare(entry.similarity(), query);
        if (rescore == false) {
            scan(entry, table, preparedQuery, nprobe, Math.min(collector.k(), count), accept, new CollectorSink(entry.similarity(), collector, ordToDoc));
            return;
        }
        long size = (long) Math.ceil((double) collector.k() * oversample);
        int wanted = (int) Math.min(Math.max(size, collector.k()), count);
        TopKHeap heap = new TopKHeap(wanted, true);
        scan(entry, table, preparedQuery, nprobe, wanted, accept, new HeapSink(entry.similarity(), heap, null, collector, null));
        int[] ords = new int[heap.size()];
        int n = heap.drainBestFirst(ords, new float[ords.length]);
        FloatVectorValues rawValues = rawValues(entry);
        for (int i = 0; i < n; i++) {
            float exact = entry.similarity().compare(query, rawValues.vectorValue(ords[i]));
            collector.collect((int) ordToDoc.get(ords[i]), exact);
        }
    }

    private FloatVectorValues rawValues(PqFieldEntry entry) throws IOException {
        FloatVectorValues rawValues = raw.getFloatVectorValues(entry.info().name);
        if (rawValues.size() != entry.count()) {
            throw new CorruptIndexException(
                "field [" + entry.info().name + "] has " + entry.count() + " codes but " + rawValues.size() + " raw vectors",
                codesData
            );
        }
        return rawValues;
    }

    /**
     * The segment's part of a shard-level candidate search ({@link PqKnnQuery}): offers this
     * segment's ADC candidates for {@code field} to {@code candidates}, keyed by doc id and scored on
     * Lucene's scale. One heap may collect several segments of one index reader only if their doc
     * ids do not overlap (the caller offsets them, or uses one heap per segment and merges).
     *
     * @param query          the unprepared query vector the table was built from (needed for inverted lists)
     * @param acceptDocs     documents that may be returned (live docs, filter), or {@code null} for all
     * @param everyAccepted  score every accepted document by ADC, visiting them through
     *                       {@code acceptDocs}' iterator, instead of scanning (inverted lists are then
     *                       ignored and 4-bit codes are ranked with the exact table): the exact
     *                       search over a selective filter
     * @param nprobe         lists to probe where the field has inverted lists ({@link #FIELD_DEFAULT_NPROBE}: the field's)
     * @param timeout        checked every {@value #SCAN_BLOCK} codes; a true answer stops the scan (partial results); may be null
     * @return how many codes were scored
     */
    long collectCandidates(
        String field,
        AdcTable table,
        float[] query,
        AcceptDocs acceptDocs,
        boolean everyAccepted,
        int nprobe,
        TopKHeap candidates,
        QueryTimeout timeout
    ) throws IOException {
        PqFieldEntry entry = fields.get(field);
        if (entry == null || entry.count() == 0) {
            return 0;
        }
        PqSimilarity.checkTable(field, entry.tableMetric(), entry.similarity(), table, entry.quantizer());
        float[] preparedQuery = PqSimilarity.prepare(entry.similarity(), query);
        HeapSink sink = new HeapSink(entry.similarity(), candidates, entry.ordToDocMap(codesData), null, timeout);
        if (everyAccepted && acceptDocs != null) {
            scanAccepted(entry, table, preparedQuery, acceptDocs.iterator(), sink);
        } else {
            int probes = nprobe == FIELD_DEFAULT_NPROBE ? entry.nprobe() : nprobe;
            scan(entry, table, preparedQuery, probes, Math.min(candidates.k(), entry.count()), acceptDocs == null ? null : acceptDocs.bits(), sink);
        }
        return sink.visited;
    }

    /** Whether {@code field} has inverted lists in this segment. */
    boolean hasLists(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry != null && entry.ivf() != null;
    }

    /** The number of documents with a vector in {@code field} in this segment. */
    int count(String field) {
        PqFieldEntry entry = fields.get(field);
        return entry == null ? 0 : entry.count();
    }

    /** Exact scores of {@code docs} (ascending, each with a vector in {@code field}) against the unprepared {@code query}, from the raw vectors. */
    void rescore(String field, float[] query, int[] docs, float[] scores, int n) throws IOException {
        PqFieldEntry entry = fields.get(field);
        FloatVectorValues rawValues = rawValues(entry);
        KnnVectorValues.DocIndexIterator iterator = rawValues.iterator();
        for (int i = 0; i < n; i++) {
            if (iterator.advance(docs[i]) != docs[i]) {
                throw new IllegalStateException("doc " + docs[i] + " has no raw vector in field [" + field + "]");
            }
            scores[i] = entry.similarity().compare(query, rawValues.vectorValue(iterator.index()));
        }
    }

    /** Runs the core's {@link PqSearch} loop for the field's layout over this segment's codes. */
    private void scan(PqFieldEntry entry, AdcTable table, float[] preparedQuery, int nprobe, int wanted, Bits accept, Sink sink)
        throws IOException {
        LongValues ordToDoc = entry.ordToDocMap(codesData);
        IntPredicate acceptOrd = accept == null ? null : ord -> accept.get((int) ordToDoc.get(ord));
        CodeReader codes = new CodeReader(entry, codesData);
        if (entry.ivf() != null) {
            Metric metric = PqSimilarity.metric(entry.similarity());
            PqSearch.scanLists(entry.ivf().layout(), table, preparedQuery, metric, nprobe, wanted, codes, acceptOrd, sink);
        } else {
            PqSearch.scan(table, codes, entry.count(), entry.layout() == CodeLayout.FAST_SCAN_4BIT, wanted, acceptOrd, sink);
        }
    }

    /**
     * Scores exactly the documents of {@code accepted} (with the arithmetic of the scans, see
     * {@link PqVectorScorer}), for filters that select few documents: codes are read one by one
     * instead of scanned.
     */
    private void scanAccepted(PqFieldEntry entry, AdcTable table, float[] preparedQuery, DocIdSetIterator accepted, Sink sink)
        throws IOException {
        PqVectorScorer scorer = new PqVectorScorer(entry, table, preparedQuery, codesData);
        KnnVectorValues.DocIndexIterator vectors = (KnnVectorValues.DocIndexIterator) scorer.iterator();
        boolean lowerIsBetter = PqSimilarity.metric(entry.similarity()) == Metric.L2;
        float bound = sink.adcBound();
        int visited = 0;
        for (int doc = accepted.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = accepted.nextDoc()) {
            if (vectors.docID() < doc && vectors.advance(doc) == DocIdSetIterator.NO_MORE_DOCS) {
                break;
            }
            if (vectors.docID() != doc) {
                continue;
            }
            float adc = scorer.adc();
            if (lowerIsBetter ? adc <= bound : adc >= bound) {
                sink.accept(vectors.index(), adc);
                bound = sink.adcBound();
            }
            if (++visited == SCAN_BLOCK) {
                sink.visited(visited);
                visited = 0;
                if (sink.stop()) {
                    return;
                }
            }
        }
        sink.visited(visited);
    }

    /** A {@link ScanSink} that knows the field's similarity (to turn ADC values into Lucene scores). */
    private abstract static class Sink implements ScanSink {
        final VectorSimilarityFunction similarity;

        Sink(VectorSimilarityFunction similarity) {
            this.similarity = similarity;
        }
    }

    /** Straight into the collector, scored on Lucene's scale. */
    private static final class CollectorSink extends Sink {
        private final KnnCollector collector;
        private final LongValues ordToDoc;

        CollectorSink(VectorSimilarityFunction similarity, KnnCollector collector, LongValues ordToDoc) {
            super(similarity);
            this.collector = collector;
            this.ordToDoc = ordToDoc;
        }

        @Override
        public void accept(int ord, float adc) {
            float score = PqSimilarity.score(similarity, adc);
            if (score > collector.minCompetitiveSimilarity()) {
                collector.collect((int) ordToDoc.get(ord), score);
            }
        }

        @Override
        public float adcBound() {
            return PqSimilarity.adcBound(similarity, collector.minCompetitiveSimilarity());
        }

        @Override
        public boolean stop() {
            return collector.earlyTerminated();
        }

        @Override
        public void visited(int count) {
            collector.incVisitedCount(count);
        }
    }

    /**
     * Into a {@link TopKHeap} by ADC score, keyed by ord ({@code ordToDoc == null}) or by doc;
     * stopped by the collector (when given) or the timeout.
     */
    private static final class HeapSink extends Sink {
        private final TopKHeap heap;
        private final LongValues ordToDoc;
        private final KnnCollector collector;
        private final QueryTimeout timeout;
        private float boundFor = Float.NaN;
        private float bound;
        long visited;

        HeapSink(VectorSimilarityFunction similarity, TopKHeap heap, LongValues ordToDoc, KnnCollector collector, QueryTimeout timeout) {
            super(similarity);
            this.heap = heap;
            this.ordToDoc = ordToDoc;
            this.collector = collector;
            this.timeout = timeout;
            this.bound = PqSimilarity.adcBound(similarity, Float.NEGATIVE_INFINITY);
        }

        @Override
        public void accept(int ord, float adc) {
            heap.offer(ordToDoc == null ? ord : (int) ordToDoc.get(ord), PqSimilarity.score(similarity, adc));
        }

        @Override
        public float adcBound() {
            float minScore = heap.threshold();
            if (Float.compare(minScore, boundFor) != 0) {
                boundFor = minScore;
                bound = PqSimilarity.adcBound(similarity, minScore);
            }
            return bound;
        }

        @Override
        public boolean stop() {
            return collector != null ? collector.earlyTerminated() : timeout != null && timeout.shouldExit();
        }

        @Override
        public void visited(int count) {
            visited += count;
            if (collector != null) {
                collector.incVisitedCount(count);
            }
        }
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
        long codesBytes = entry.codesLength() + (entry.ivf() == null ? 0 : entry.ivf().mapLength());
        Map<String, Long> codes = Map.of(PqVectorsFormat.CODES_EXTENSION, codesBytes);
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
