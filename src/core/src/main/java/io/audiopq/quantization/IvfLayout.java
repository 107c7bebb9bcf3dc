package io.audiopq.quantization;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What a search needs to know about a set of inverted lists besides their codes (FAISS
 * {@code IndexIVFPQ}; Jégou et al. 2011, section IV): the coarse quantiser that picks the lists,
 * the encoding, where each list's codes sit, and how a list's codes are scored. Codes are stored
 * list by list (list 0's, then list 1's, ...); a code's place in that order is its
 * <em>position</em>. With 4-bit codes in {@link FastScanCodes} blocks each list starts a new block,
 * its last block padded.
 *
 * <p>Per probed list l with centroid c_l a code's ADC value is {@link #listBias} + Σ_j T_l[j][code_j]:
 * <ul>
 *   <li>L2, residual codes: bias ||q − c_l||² and T_l[j][k] = (||r_jk||² + 2⟨c_l,j, r_jk⟩) − 2⟨q_j, r_jk⟩.
 *       The bracket does not depend on the query: it is FAISS's <em>precomputed table</em>, nlist × M ×
 *       ksub floats, kept here per list once a search has probed it while the whole table stays
 *       within {@link #PRECOMPUTED_TABLE_MAX_BYTES} (16 MiB: e.g. nlist = 1024, M = 16, 8 bits), so a
 *       query needs one inner-product table plus one addition per entry and probed list. Above
 *       the cap (FAISS's {@code precomputed_table_max_bytes}) the bracket is recomputed per probed
 *       list, M × ksub dot products of D/M floats, and nothing is kept;</li>
 *   <li>inner product, residual codes: bias ⟨q, c_l⟩ and T is the query's inner-product table, shared by all lists;</li>
 *   <li>direct codes: bias 0 and T is the query's plain ADC table, shared by all lists.</li>
 * </ul>
 *
 * <p>Thread-safe: concurrent searches may fill the precomputed terms of one list twice, with identical values.
 */
public final class IvfLayout {

    /** The largest precomputed L2 table (nlist × M × ksub floats) kept per layout. */
    public static final long PRECOMPUTED_TABLE_MAX_BYTES = 16L << 20;

    private final CoarseQuantizer coarse;
    private final IvfPqQuantizer.Encoding encoding;
    private final ProductQuantizer pq;
    /** nlist + 1 positions: list l holds positions [offsets[l], offsets[l+1]). */
    private final int[] offsets;
    /** 4-bit block layout only: nlist + 1 block numbers, list l's blocks are [blockStarts[l], blockStarts[l+1]). */
    private final int[] blockStarts;
    /** Residual codes only: ||r_jk||², M × ksub. */
    private final float[] codewordNorms;
    /** Residual codes within the cap only: per list, its M × ksub query-independent L2 terms, filled on first use. */
    private final AtomicReferenceArray<float[]> l2Terms;

    /**
     * @param offsets nlist + 1 non-decreasing positions from 0 (not copied)
     * @param blocks  whether the codes are 4-bit fast-scan blocks, each list starting a block
     */
    public IvfLayout(CoarseQuantizer coarse, IvfPqQuantizer.Encoding encoding, ProductQuantizer pq, int[] offsets, boolean blocks) {
        this(coarse, encoding, pq, offsets, blocks, PRECOMPUTED_TABLE_MAX_BYTES);
    }

    /** As {@link #IvfLayout(CoarseQuantizer, IvfPqQuantizer.Encoding, ProductQuantizer, int[], boolean)} with another cap on the precomputed table. */
    public IvfLayout(CoarseQuantizer coarse, IvfPqQuantizer.Encoding encoding, ProductQuantizer pq, int[] offsets, boolean blocks,
        long precomputedTableMaxBytes) {
        if (offsets.length != coarse.nlist() + 1 || offsets[0] != 0) {
            throw new IllegalArgumentException("need nlist + 1 = " + (coarse.nlist() + 1) + " offsets from 0, got " + offsets.length);
        }
        if (coarse.dimension() != pq.dimension()) {
            throw new IllegalArgumentException("coarse quantiser has D=" + coarse.dimension() + ", the codebook D=" + pq.dimension());
        }
        if (blocks && pq.ksub() != QuantizedAdcTable.KSUB) {
            throw new IllegalArgumentException("fast-scan blocks need 4-bit codes, the codebook has " + pq.nbits() + " bits");
        }
        this.coarse = coarse;
        this.encoding = encoding;
        this.pq = pq;
        this.offsets = offsets;
        if (blocks) {
            blockStarts = new int[offsets.length];
            for (int l = 0; l + 1 < offsets.length; l++) {
                blockStarts[l + 1] = blockStarts[l] + FastScanCodes.blocks(offsets[l + 1] - offsets[l]);
            }
        } else {
            blockStarts = null;
        }
        if (encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
            codewordNorms = new float[pq.m() * pq.ksub()];
            float[] codewords = pq.centroids();
            int dsub = pq.dsub();
            for (int jk = 0; jk < codewordNorms.length; jk++) {
                codewordNorms[jk] = VectorMath.dot(codewords, jk * dsub, codewords, jk * dsub, dsub);
            }
            long tableBytes = (long) Float.BYTES * coarse.nlist() * pq.m() * pq.ksub();
            l2Terms = tableBytes <= precomputedTableMaxBytes ? new AtomicReferenceArray<>(coarse.nlist()) : null;
        } else {
            codewordNorms = null;
            l2Terms = null;
        }
    }

    /** Lists of an {@link InvertedLists} (one byte per subquantiser, so no blocks) encoded with {@code quantizer}. */
    public static IvfLayout of(IvfPqQuantizer quantizer, InvertedLists lists, boolean blocks) {
        if (lists.nlist() != quantizer.nlist() || lists.codeSize() != quantizer.codeSize()) {
            throw new IllegalArgumentException(
                "inverted lists have nlist=" + lists.nlist() + " and " + lists.codeSize() + "-byte codes, the quantiser nlist="
                    + quantizer.nlist() + " and " + quantizer.codeSize() + "-byte codes"
            );
        }
        return new IvfLayout(quantizer.coarse(), quantizer.encoding(), quantizer.pq(), lists.offsets(), blocks);
    }

    public CoarseQuantizer coarse() {
        return coarse;
    }

    public IvfPqQuantizer.Encoding encoding() {
        return encoding;
    }

    public boolean residual() {
        return encoding == IvfPqQuantizer.Encoding.RESIDUAL;
    }

    public ProductQuantizer pq() {
        return pq;
    }

    public int nlist() {
        return coarse.nlist();
    }

    /** Codes over all lists. */
    public int size() {
        return offsets[offsets.length - 1];
    }

    public int listStart(int list) {
        return offsets[list];
    }

    public int listEnd(int list) {
        return offsets[list + 1];
    }

    /** Whether the lists hold 4-bit codes in fast-scan blocks, each list starting a block. */
    public boolean blocks() {
        return blockStarts != null;
    }

    /** The first fast-scan block of {@code list} (see {@link #blocks()}). */
    public int firstBlock(int list) {
        return blockStarts[list];
    }

    /** The number of fast-scan blocks of {@code list}. */
    public int blockCount(int list) {
        return blockStarts[list + 1] - blockStarts[list];
    }

    /** All fast-scan blocks, padding included. */
    public int totalBlocks() {
        return blockStarts[blockStarts.length - 1];
    }

    /** Where position {@code pos}'s code sits among the padded blocks: its block times 32 plus its place in the block. */
    public int blockIndex(int pos) {
        int list = listOf(pos);
        return blockStarts[list] * FastScanCodes.BLOCK + pos - offsets[list];
    }

    /** The list holding position {@code pos}. */
    public int listOf(int pos) {
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

    /** The metric of the query's shared table: inner products with the residual codewords, or the field's own metric for direct codes. */
    public Metric tableMetric(Metric metric) {
        return residual() ? Metric.INNER_PRODUCT : metric;
    }

    /** Whether every list needs its own table (residual L2), rather than sharing the query's. */
    public boolean perListTable(Metric metric) {
        return residual() && metric == Metric.L2;
    }

    /** The value a list adds to every code in it: ||q − c_l||² or ⟨q, c_l⟩ for residual codes, 0 for direct ones. */
    public float listBias(float[] query, int list, Metric metric) {
        if (residual() == false) {
            return 0f;
        }
        int d = coarse.dimension();
        return metric == Metric.L2
            ? VectorMath.squaredDistance(query, 0, coarse.centroids(), list * d, d)
            : VectorMath.dot(query, 0, coarse.centroids(), list * d, d);
    }

    /**
     * The table (M × ksub, row-major) codes of {@code list} are scored with: {@code shared} itself
     * (the query's {@link #tableMetric} table), except for residual L2, where it is the list's terms
     * plus −2 × {@code shared}, written to {@code scratch}, which is returned.
     */
    public float[] listTable(int list, float[] shared, Metric metric, float[] scratch) {
        if (perListTable(metric) == false) {
            return shared;
        }
        float[] terms = l2Terms(list, scratch);
        for (int i = 0; i < shared.length; i++) {
            scratch[i] = terms[i] + (-2f * shared[i]);
        }
        return scratch;
    }

    /**
     * As {@link #listTable}, into one row per subspace (the form {@link AdcScan}'s kernel reads),
     * for residual L2 only; {@code scratch} holds M × ksub floats.
     */
    void listRows(int list, float[] shared, float[][] rows, float[] scratch) {
        float[] table = listTable(list, shared, Metric.L2, scratch);
        // listTable's flat loop is vectorised by the JIT and the copies are intrinsics: ~0.9 µs a list
        // for M = 16, 8 bits, against ~3 µs for filling the rows element by element.
        int ksub = pq.ksub();
        for (int j = 0; j < rows.length; j++) {
            System.arraycopy(table, j * ksub, rows[j], 0, ksub);
        }
    }

    /** The list's query-independent L2 terms: the kept ones, or computed into {@code scratch} above the cap. */
    private float[] l2Terms(int list, float[] scratch) {
        float[] terms = l2Terms == null ? null : l2Terms.get(list);
        if (terms == null) {
            terms = l2Terms == null ? scratch : new float[pq.m() * pq.ksub()];
            int d = coarse.dimension(), m = pq.m(), ksub = pq.ksub(), dsub = pq.dsub();
            float[] codewords = pq.centroids();
            float[] centroids = coarse.centroids();
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < ksub; k++) {
                    int jk = j * ksub + k;
                    float cross = VectorMath.dot(centroids, list * d + j * dsub, codewords, jk * dsub, dsub);
                    terms[jk] = codewordNorms[jk] + 2f * cross;
                }
            }
            if (l2Terms != null) {
                l2Terms.compareAndSet(list, null, terms);
            }
        }
        return terms;
    }

    /** Whether residual L2 terms are kept per list (the table is within {@link #PRECOMPUTED_TABLE_MAX_BYTES}). */
    public boolean precomputed() {
        return l2Terms != null;
    }

    /** Adds list {@code list}'s centroid to a decoded residual (nothing for direct codes). */
    public void addCentroid(int list, float[] decoded) {
        if (residual()) {
            int d = coarse.dimension();
            float[] centroids = coarse.centroids();
            for (int i = 0; i < d; i++) {
                decoded[i] += centroids[list * d + i];
            }
        }
    }

    /**
     * Heap bytes of the offsets, the block starts, the codeword norms and the precomputed terms
     * kept so far (at most {@link #PRECOMPUTED_TABLE_MAX_BYTES} plus one array header per list);
     * not the coarse quantiser or codebook, which their owner accounts for.
     */
    public long ramBytesUsed() {
        long size = 64 + arrayBytes(offsets.length) + (blockStarts == null ? 0 : arrayBytes(blockStarts.length));
        if (codewordNorms != null) {
            size += arrayBytes(codewordNorms.length);
        }
        if (l2Terms != null) {
            size += arrayBytes(l2Terms.length()); // the reference array (4-byte compressed references)
            for (int l = 0; l < l2Terms.length(); l++) {
                float[] terms = l2Terms.get(l);
                if (terms != null) {
                    size += arrayBytes(terms.length);
                }
            }
        }
        return size;
    }

    /** An int or float array of {@code length} entries: a 16-byte header, 4 bytes per entry, aligned to 8. */
    private static long arrayBytes(int length) {
        return (16L + 4L * length + 7) & ~7L;
    }
}
