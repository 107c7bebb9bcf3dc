package io.audiopq.lucene;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.FastScanCodes;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.VectorMath;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.RamUsageEstimator;

/**
 * The inverted lists of one IVF field in one segment. Codes are stored list by list (list 0's
 * codes, then list 1's, ...), so a probed list is one sequential run of the codes file; a code's
 * place in that order is its <em>position</em>. The codes file holds, after the codes, two int
 * arrays of {@code count} entries: position → ord, then ord → position; the meta file holds the
 * coarse centroids, the encoding and the list sizes.
 *
 * <p>ADC with residual codes (x̂ = c_l + r̂) follows {@link io.audiopq.quantization.IvfPqIndex}: for
 * L2, ||q − x̂||² = ||q − c_l||² + Σ_j (||r_jk||² + 2⟨c_l,j, r_jk⟩ − 2⟨q_j, r_jk⟩); the bracket's
 * query-independent part is computed once per list, lazily, and cached here (M × ksub floats per
 * list that a search has probed); the query's part is one inner-product table for all lists.
 * For inner products, ⟨q, x̂⟩ = ⟨q, c_l⟩ + Σ_j ⟨q_j, r_jk⟩. Direct codes use the plain table.
 */
final class PqIvf {

    /** Where a field's coarse centroids came from; the meta file records it (format version 1 on). */
    enum Centroids {
        /** Trained on this segment's vectors (the fallback when no model provides centroids). */
        SEGMENT,
        /** Provided by the format's {@link CodebookProvider} (a bundle's): the same in every segment and merge. */
        PROVIDED
    }

    private final CoarseQuantizer coarse;
    private final Centroids origin;
    private final IvfPqQuantizer.Encoding encoding;
    private final ProductQuantizer pq;
    /** nlist + 1 positions: list l holds positions [offsets[l], offsets[l+1]). */
    private final int[] offsets;
    private final long mapOffset;
    private final int count;
    /**
     * 4-bit codes only: nlist + 1 block numbers; list l's codes fill fast-scan blocks
     * [blockStarts[l], blockStarts[l+1]), its last block padded. Null for one byte per code.
     */
    private final int[] blockStarts;
    /** Residual L2 only: per list, the query-independent M × ksub terms; filled on first use. */
    private final AtomicReferenceArray<float[]> l2Terms;
    private final float[] codewordNorms;

    PqIvf(CoarseQuantizer coarse, Centroids origin, IvfPqQuantizer.Encoding encoding, ProductQuantizer pq, int[] offsets, long mapOffset,
        boolean blocks) {
        this.coarse = coarse;
        this.origin = origin;
        this.encoding = encoding;
        this.pq = pq;
        this.offsets = offsets;
        this.mapOffset = mapOffset;
        this.count = offsets[offsets.length - 1];
        if (blocks) {
            blockStarts = new int[offsets.length];
            for (int l = 0; l + 1 < offsets.length; l++) {
                blockStarts[l + 1] = blockStarts[l] + FastScanCodes.blocks(offsets[l + 1] - offsets[l]);
            }
        } else {
            blockStarts = null;
        }
        if (encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
            this.l2Terms = new AtomicReferenceArray<>(coarse.nlist());
            this.codewordNorms = new float[pq.m() * pq.ksub()];
            float[] codewords = pq.centroids();
            int dsub = pq.dsub();
            for (int jk = 0; jk < codewordNorms.length; jk++) {
                codewordNorms[jk] = VectorMath.dot(codewords, jk * dsub, codewords, jk * dsub, dsub);
            }
        } else {
            this.l2Terms = null;
            this.codewordNorms = null;
        }
    }

    CoarseQuantizer coarse() {
        return coarse;
    }

    Centroids origin() {
        return origin;
    }

    IvfPqQuantizer.Encoding encoding() {
        return encoding;
    }

    boolean residual() {
        return encoding == IvfPqQuantizer.Encoding.RESIDUAL;
    }

    int nlist() {
        return coarse.nlist();
    }

    int listStart(int list) {
        return offsets[list];
    }

    int listEnd(int list) {
        return offsets[list + 1];
    }

    /** Whether the lists hold 4-bit codes in fast-scan blocks, each list starting a block. */
    boolean blocks() {
        return blockStarts != null;
    }

    /** The first fast-scan block of list {@code list} (see {@link #blocks()}). */
    int firstBlock(int list) {
        return blockStarts[list];
    }

    /** The number of fast-scan blocks of list {@code list}. */
    int blockCount(int list) {
        return blockStarts[list + 1] - blockStarts[list];
    }

    /** All fast-scan blocks of the field, padding included. */
    int totalBlocks() {
        return blockStarts[blockStarts.length - 1];
    }

    /** Where position {@code pos}'s code sits among the padded blocks: its block times 32 plus its place in the block. */
    int blockIndex(int pos) {
        int list = listOf(pos);
        return blockStarts[list] * FastScanCodes.BLOCK + pos - offsets[list];
    }

    /** Bytes of the position ↔ ord maps in the codes file. */
    long mapLength() {
        return 2L * Integer.BYTES * count;
    }

    long mapOffset() {
        return mapOffset;
    }

    /** The list holding position {@code pos}. */
    int listOf(int pos) {
        int i = Arrays.binarySearch(offsets, pos);
        if (i >= 0) {
            // Empty lists share an offset: the list starting here is the last one with this offset.
            while (i + 1 < offsets.length && offsets[i + 1] == pos) {
                i++;
            }
            return i;
        }
        return -i - 2;
    }

    /** Position → ord ({@code readInt(4 * pos)}). */
    RandomAccessInput positionToOrd(IndexInput codesData) throws IOException {
        return codesData.randomAccessSlice(mapOffset, (long) Integer.BYTES * count);
    }

    /** Ord → position ({@code readInt(4 * ord)}). */
    RandomAccessInput ordToPosition(IndexInput codesData) throws IOException {
        return codesData.randomAccessSlice(mapOffset + (long) Integer.BYTES * count, (long) Integer.BYTES * count);
    }

    /** The metric of the shared, per-query table: inner products of the query with residual codewords, or the field's own metric for direct codes. */
    Metric tableMetric(Metric fieldMetric) {
        return residual() ? Metric.INNER_PRODUCT : fieldMetric;
    }

    /** The score a list adds to every code in it: ||q − c_l||² or ⟨q, c_l⟩ for residual codes, 0 for direct ones. */
    float listBias(float[] preparedQuery, int list, Metric fieldMetric) {
        if (residual() == false) {
            return 0f;
        }
        int d = coarse.dimension();
        return fieldMetric == Metric.L2
            ? VectorMath.squaredDistance(preparedQuery, 0, coarse.centroids(), list * d, d)
            : VectorMath.dot(preparedQuery, 0, coarse.centroids(), list * d, d);
    }

    /**
     * The table codes of list {@code list} are scored with: the shared table itself, except for
     * residual L2 where it is the list's terms plus −2 × the shared inner-product table (written
     * to {@code scratch}, which is returned).
     */
    float[] listTable(int list, float[] shared, Metric fieldMetric, float[] scratch) {
        if (residual() == false || fieldMetric != Metric.L2) {
            return shared;
        }
        float[] terms = l2Terms(list);
        for (int i = 0; i < terms.length; i++) {
            scratch[i] = terms[i] + (-2f * shared[i]);
        }
        return scratch;
    }

    private float[] l2Terms(int list) {
        float[] terms = l2Terms.get(list);
        if (terms == null) {
            int d = coarse.dimension(), m = pq.m(), ksub = pq.ksub(), dsub = pq.dsub();
            float[] codewords = pq.centroids();
            float[] centroids = coarse.centroids();
            terms = new float[m * ksub];
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < ksub; k++) {
                    int jk = j * ksub + k;
                    float cross = VectorMath.dot(centroids, list * d + j * dsub, codewords, jk * dsub, dsub);
                    terms[jk] = codewordNorms[jk] + 2f * cross;
                }
            }
            // Racing threads compute identical arrays: whichever lands is fine.
            l2Terms.compareAndSet(list, null, terms);
        }
        return terms;
    }

    /** Adds the list centroid to a decoded residual. */
    void addCentroid(int list, float[] decoded) {
        if (residual()) {
            int d = coarse.dimension();
            float[] centroids = coarse.centroids();
            for (int i = 0; i < d; i++) {
                decoded[i] += centroids[list * d + i];
            }
        }
    }

    long ramBytesUsed() {
        long size = RamUsageEstimator.shallowSizeOfInstance(PqIvf.class) + RamUsageEstimator.sizeOf(offsets)
            + (blockStarts == null ? 0 : RamUsageEstimator.sizeOf(blockStarts))
            + 2 * RamUsageEstimator.sizeOf(coarse.centroids()); // and the transposed copy for assignment
        if (l2Terms != null) {
            size += RamUsageEstimator.sizeOf(codewordNorms);
            for (int l = 0; l < l2Terms.length(); l++) {
                float[] terms = l2Terms.get(l);
                if (terms != null) {
                    size += RamUsageEstimator.sizeOf(terms);
                }
            }
        }
        return size;
    }
}
