package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopDocsCollector;
import org.apache.lucene.search.knn.KnnCollectorManager;

/**
 * Top-k PQ search over the whole index, like {@link KnnFloatVectorQuery} (whose rewrite it
 * inherits: per-leaf search, filter handling with an exact fallback for very selective filters,
 * timeouts, and a rewrite to a doc-and-score query), but scanning PQ codes with one ADC table per
 * distinct codebook, built once for the query and shared by the leaves, and rescoring the best
 * {@code ceil(k × oversample)} candidates exactly where raw vectors are stored.
 *
 * <p>Where a segment's field has inverted lists, {@code nprobe} of them are scanned (the field's
 * default unless the query names a number). Leaves whose field is not written with
 * {@link PqVectorsFormat} are searched the usual way.
 */
public class PqKnnQuery extends KnnFloatVectorQuery {

    /** Use the oversample each segment's field was written with. */
    public static final float FIELD_DEFAULT_OVERSAMPLE = -1f;

    private static final TopDocs NO_RESULTS = TopDocsCollector.EMPTY_TOPDOCS;

    /** Use the nprobe each segment's field was written with. */
    public static final int FIELD_DEFAULT_NPROBE = PqVectorsReader.FIELD_DEFAULT_NPROBE;

    private final float oversample;
    private final int nprobe;
    /** ADC tables by {@link PqVectorsReader#tableKey}: a pure function of codebook, similarity and target, so caching is invisible. */
    private final Map<String, AdcTable> tables = new ConcurrentHashMap<>();

    public PqKnnQuery(String field, float[] target, int k) {
        this(field, target, k, null, FIELD_DEFAULT_OVERSAMPLE);
    }

    /**
     * @param filter     documents to consider, or {@code null} for all
     * @param oversample {@link #FIELD_DEFAULT_OVERSAMPLE}, 0 for pure ADC scores, or at least 1 to
     *                   rescore {@code ceil(k × oversample)} candidates per segment with the raw vectors
     */
    public PqKnnQuery(String field, float[] target, int k, Query filter, float oversample) {
        this(field, target, k, filter, oversample, FIELD_DEFAULT_NPROBE);
    }

    /**
     * @param filter     documents to consider, or {@code null} for all
     * @param oversample {@link #FIELD_DEFAULT_OVERSAMPLE}, 0 for pure ADC scores, or at least 1 to
     *                   rescore {@code ceil(k × oversample)} candidates per segment with the raw vectors
     * @param nprobe     {@link #FIELD_DEFAULT_NPROBE}, or how many inverted lists to scan in segments
     *                   that have them (at least 1; more than a segment's nlist scans all its lists)
     */
    public PqKnnQuery(String field, float[] target, int k, Query filter, float oversample, int nprobe) {
        super(field, target, k, filter);
        if (nprobe != FIELD_DEFAULT_NPROBE && nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be -1 (field default) or >= 1, got " + nprobe);
        }
        this.nprobe = nprobe;
        boolean valid = oversample == FIELD_DEFAULT_OVERSAMPLE
            || oversample == 0f
            || (oversample >= 1f && oversample <= PqFormatConfig.MAX_RESCORE_OVERSAMPLE);
        if (valid == false) {
            throw new IllegalArgumentException(
                "oversample must be -1 (field default), 0 (no rescoring) or in [1, " + PqFormatConfig.MAX_RESCORE_OVERSAMPLE + "], got " + oversample
            );
        }
        this.oversample = oversample;
    }

    public float getOversample() {
        return oversample;
    }
    @Override
    protected TopDocs approximateSearch(
        LeafReaderContext context,
        AcceptDocs acceptDocs,
        int visitedLimit,
        KnnCollectorManager knnCollectorManager
    ) throws IOException {
        PqVectorsReader reader = PqVectorsReader.forField(context.reader(), field);
        if (reader == null) {
            return super.approximateSearch(context, acceptDocs, visitedLimit, knnCollectorManager);
        }
        String key = reader.tableKey(field);
        if (key == null) {
            return NO_RESULTS;
        }
        AdcTable table = tables.computeIfAbsent(key, unused -> reader.adcTable(field, target));
        KnnCollector collector = knnCollectorManager.newCollector(visitedLimit, searchStrategy, context);
        float leafOversample = oversample == FIELD_DEFAULT_OVERSAMPLE ? reader.defaultOversample(field) : oversample;
        reader.searchWithTable(field, table, target, collector, acceptDocs, leafOversample, nprobe);
        TopDocs results = collector.topDocs();
        return results != null ? results : NO_RESULTS;
    }

    @Override
    public String toString(String defaultField) {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append(':')
            .append(field).append('[').append(target[0]).append(",...]")
            .append('[').append(k).append(']');
        if (oversample != FIELD_DEFAULT_OVERSAMPLE) {
            b.append("[oversample=").append(oversample).append(']');
        }
        if (nprobe != FIELD_DEFAULT_NPROBE) {
            b.append("[nprobe=").append(nprobe).append(']');
        }
        if (filter != null) {
            b.append('[').append(filter).append(']');
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Float.compare(oversample, ((PqKnnQuery) o).oversample) == 0 && nprobe == ((PqKnnQuery) o).nprobe;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Float.hashCode(oversample)) + nprobe;
    }
}
