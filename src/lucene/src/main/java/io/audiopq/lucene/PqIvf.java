package io.audiopq.lucene;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfLayout;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.RamUsageEstimator;

/**
 * The inverted lists of one IVF field in one segment. Codes are stored list by list (list 0's
 * codes, then list 1's, ...), so a probed list is one sequential run of the codes file; a code's
 * place in that order is its <em>position</em>. The codes file holds, after the codes, two int
 * arrays of {@code count} entries: position → ord, then ord → position; the meta file holds the
 * coarse centroids, the encoding and the list sizes. How lists are laid out and scored (per-list
 * tables, the precomputed residual L2 terms) is {@link IvfLayout}'s, which the search in the core
 * shares with the in-memory benchmarks.
 */
final class PqIvf {

    /** Where a field's coarse centroids came from; the meta file records it (format version 1 on). */
    enum Centroids {
        /** Trained on this segment's vectors (the fallback when no model provides centroids). */
        SEGMENT,
        /** Provided by the format's {@link CodebookProvider} (a bundle's): the same in every segment and merge. */
        PROVIDED
    }

    private final IvfLayout layout;
    private final Centroids origin;
    private final long mapOffset;

    PqIvf(CoarseQuantizer coarse, Centroids origin, IvfPqQuantizer.Encoding encoding, ProductQuantizer pq, int[] offsets, long mapOffset,
        boolean blocks) {
        this.layout = new IvfLayout(coarse, encoding, pq, offsets, blocks);
        this.origin = origin;
        this.mapOffset = mapOffset;
    }

    /** The lists' layout and scoring, as {@link io.audiopq.quantization.PqSearch} reads them. */
    IvfLayout layout() {
        return layout;
    }

    CoarseQuantizer coarse() {
        return layout.coarse();
    }

    Centroids origin() {
        return origin;
    }

    IvfPqQuantizer.Encoding encoding() {
        return layout.encoding();
    }

    boolean residual() {
        return layout.residual();
    }

    int nlist() {
        return layout.nlist();
    }

    /** Whether the lists hold 4-bit codes in fast-scan blocks, each list starting a block. */
    boolean blocks() {
        return layout.blocks();
    }

    /** All fast-scan blocks of the field, padding included. */
    int totalBlocks() {
        return layout.totalBlocks();
    }

    /** Where position {@code pos}'s code sits among the padded blocks. */
    int blockIndex(int pos) {
        return layout.blockIndex(pos);
    }

    /** The list holding position {@code pos}. */
    int listOf(int pos) {
        return layout.listOf(pos);
    }

    /** Bytes of the position ↔ ord maps in the codes file. */
    long mapLength() {
        return 2L * Integer.BYTES * layout.size();
    }

    long mapOffset() {
        return mapOffset;
    }

    /** Position → ord ({@code readInt(4 * pos)}). */
    RandomAccessInput positionToOrd(IndexInput codesData) throws IOException {
        return codesData.randomAccessSlice(mapOffset, (long) Integer.BYTES * layout.size());
    }

    /** Ord → position ({@code readInt(4 * ord)}). */
    RandomAccessInput ordToPosition(IndexInput codesData) throws IOException {
        return codesData.randomAccessSlice(mapOffset + (long) Integer.BYTES * layout.size(), (long) Integer.BYTES * layout.size());
    }

    /** See {@link IvfLayout#tableMetric}. */
    Metric tableMetric(Metric fieldMetric) {
        return layout.tableMetric(fieldMetric);
    }

    /** See {@link IvfLayout#listBias}. */
    float listBias(float[] preparedQuery, int list, Metric fieldMetric) {
        return layout.listBias(preparedQuery, list, fieldMetric);
    }

    /** See {@link IvfLayout#listTable}. */
    float[] listTable(int list, float[] shared, Metric fieldMetric, float[] scratch) {
        return layout.listTable(list, shared, fieldMetric, scratch);
    }

    /** Adds the list centroid to a decoded residual. */
    void addCentroid(int list, float[] decoded) {
        layout.addCentroid(list, decoded);
    }

    /** The layout (with the precomputed terms kept so far) and the coarse centroids with their transposed copy. */
    long ramBytesUsed() {
        return RamUsageEstimator.shallowSizeOfInstance(PqIvf.class) + layout.ramBytesUsed()
            + 2 * RamUsageEstimator.sizeOf(layout.coarse().centroids()); // and the transposed copy for assignment
    }
}
