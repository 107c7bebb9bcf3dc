package io.audiopq.quantization;

import java.util.function.IntPredicate;

/**
 * Non-exhaustive search over IVF-PQ codes (Jégou et al. 2011, section IV; FAISS
 * {@code IndexIVFPQ}): the query visits only the nprobe inverted lists whose coarse centroids
 * score best, and scores each code there by ADC.
 *
 * <p>Per probed list l with centroid c the score is dis0 + Σ_j T[j][code_j] where
 * <ul>
 *   <li>L2, residual codes: dis0 = ||q − c||² (already computed to choose the lists) and
 *       T[j][k] = (||r_jk||² + 2⟨c_j, r_jk⟩) − 2⟨q_j, r_jk⟩. The bracket does not depend on the query,
 *       so it is precomputed per list at construction (FAISS's "precomputed table",
 *       nlist × M × ksub floats, e.g. 16 MB for nlist=1024, M=16, 8 bits); a query then needs
 *       only one M × ksub dot-product table plus one addition per entry and probed list;</li>
 *   <li>inner product, residual codes: dis0 = ⟨q, c⟩ and T is the query's dot-product table,
 *       shared by all lists;</li>
 *   <li>direct codes: dis0 = 0 and T is the query's plain ADC table, shared by all lists.</li>
 * </ul>
 * L2 scores are squared distances (lower is better), inner-product scores dot products (higher is
 * better); turning them into Elasticsearch scores is the caller's job.
 *
 * <p>Immutable and thread-safe; each search allocates its own scratch.
 */
public final class IvfPqIndex {

    /**
     * The result of a search, best first: {@code ords[i]} scored {@code scores[i]}. Equal scores
     * are ordered by ascending ordinal, so results do not depend on the order lists are scanned.
     */
    public record Hits(int[] ords, float[] scores) {
        public int size() {
            return ords.length;
        }
    }

    /** Codes scored per kernel call before their scores are offered to the heap. */
    private static final int CHUNK = 256;

    private final IvfPqQuantizer quantizer;
    private final InvertedLists lists;
    /** nlist × M × ksub query-independent L2 terms for residual codes; null for direct codes. */
    private final float[] l2ListTerms;

    public IvfPqIndex(IvfPqQuantizer quantizer, InvertedLists lists) {
        if (lists.nlist() != quantizer.nlist()) {
            throw new IllegalArgumentException(
                "inverted lists have nlist=" + lists.nlist() + " but the quantiser has nlist=" + quantizer.nlist()
            );
        }
        if (lists.codeSize() != quantizer.codeSize()) {
            throw new IllegalArgumentException(
                "inverted lists hold " + lists.codeSize() + "-byte codes but the quantiser writes " + quantizer.codeSize()
            );
        }
        this.quantizer = quantizer;
        this.lists = lists;
        this.l2ListTerms = quantizer.encoding() == IvfPqQuantizer.Encoding.RESIDUAL ? l2ListTerms(quantizer) : null;
    }

    /** Encodes {@code n} row-major vectors as ordinals 0..n-1 with {@code quantizer}. */
    public static IvfPqIndex build(IvfPqQuantizer quantizer, float[] data, int n) {
        return new IvfPqIndex(quantizer, quantizer.encodeAll(data, n, 0));
    }

    private static float[] l2ListTerms(IvfPqQuantizer quantizer) {
        ProductQuantizer pq = quantizer.pq();
        int d = pq.dimension(), m = pq.m(), ksub = pq.ksub(), dsub = pq.dsub(), nlist = quantizer.nlist();
        float[] codewords = pq.centroids();
        float[] coarse = quantizer.coarse().centroids();
        float[] norms = new float[m * ksub];
        for (int jk = 0; jk < m * ksub; jk++) {
            norms[jk] = VectorMath.dot(codewords, jk * dsub, codewords, jk * dsub, dsub);
        }
        float[] terms = new float[Math.multiplyExact(nlist, m * ksub)];
        for (int l = 0; l < nlist; l++) {
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < ksub; k++) {
                    int jk = j * ksub + k;
                    float cross = VectorMath.dot(coarse, l * d + j * dsub, codewords, jk * dsub, dsub);
                    terms[l * m * ksub + jk] = norms[jk] + 2f * cross;
                }
            }
        }
        return terms;
    }

    public IvfPqQuantizer quantizer() {
        return quantizer;
    }

    public InvertedLists lists() {
        return lists;
    }

    public int size() {
        return lists.size();
    }

    public Hits search(float[] query, int k, int nprobe, Metric metric) {
        return search(query, k, nprobe, metric, null);
    }

    /**
     * The (up to) {@code k} best codes in the {@code nprobe} lists nearest to {@code query}.
     * {@code nprobe} larger than nlist is clamped to nlist, which makes the search exhaustive.
     *
     * @param acceptOrd if not null, only ordinals it accepts are scored (e.g. live, filtered docs)
     * @throws IllegalArgumentException for k &lt; 1, nprobe &lt; 1 or a query of the wrong dimension
     */
    public Hits search(float[] query, int k, int nprobe, Metric metric, IntPredicate acceptOrd) {
        if (query.length != quantizer.dimension()) {
            throw new IllegalArgumentException(
                "query has " + query.length + " dimensions, the index expects D=" + quantizer.dimension()
            );
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be >= 1, got " + nprobe);
        }
        if (metric == null) {
            throw new IllegalArgumentException("metric must not be null");
        }
        ProductQuantizer pq = quantizer.pq();
        int m = pq.m(), ksub = pq.ksub(), tableSize = m * ksub;
        float[] centroidScores = new float[Math.min(nprobe, quantizer.nlist())];
        int[] probes = quantizer.coarse().nearestLists(query, nprobe, metric, centroidScores);

        boolean residual = quantizer.encoding() == IvfPqQuantizer.Encoding.RESIDUAL;
        boolean perListTable = residual && metric == Metric.L2;
        float[] shared;
        float[][] rows; // the table the kernel reads: one ksub-long row per subspace
        if (perListTable) {
            // −2⟨q_j, r_jk⟩, the query's half of the L2 terms.
            shared = pq.adcTable(query, Metric.INNER_PRODUCT).values();
            for (int i = 0; i < tableSize; i++) {
                shared[i] *= -2f;
            }
            rows = new float[m][ksub];
        } else {
            shared = null;
            rows = pq.adcTable(query, residual ? Metric.INNER_PRODUCT : metric).rows();
        }

        TopKHeap heap = TopKHeap.forMetric(metric, k);
        boolean higherIsBetter = heap.higherIsBetter();
        int[] ords = lists.ords();
        byte[] codes = lists.codes();
        float[] chunk = null;
        for (int p = 0; p < probes.length; p++) {
            int list = probes[p];
            int start = lists.listStart(list), end = start + lists.listSize(list);
            if (start == end) {
                continue;
            }
            if (perListTable) {
                for (int j = 0, base = list * tableSize; j < m; j++) {
                    float[] row = rows[j];
                    for (int kk = 0, jk = j * ksub; kk < ksub; kk++, jk++) {
                        row[kk] = l2ListTerms[base + jk] + shared[jk];
                    }
                }
            }
            if (chunk == null) {
                chunk = new float[CHUNK];
            }
            float dis0 = residual ? centroidScores[p] : 0f;
            // The shared kernel scores a chunk of the list's codes (Σ_j T[j][code_j], subspaces in
            // order), then the cheap threshold test rejects most before the heap sees them.
            for (int from = start; from < end; from += CHUNK) {
                int to = Math.min(end, from + CHUNK);
                AdcScan.kernel(rows, m, codes, from, to, chunk, 0);
                float threshold = heap.threshold();
                for (int i = 0; i < to - from; i++) {
                    float score = dis0 + chunk[i];
                    if (higherIsBetter ? score >= threshold : score <= threshold) {
                        int ord = ords[from + i];
                        if ((acceptOrd == null || acceptOrd.test(ord)) && heap.offer(ord, score)) {
                            threshold = heap.threshold();
                        }
                    }
                }
            }
        }
        TopKHeap.Hits hits = heap.sorted();
        return new Hits(hits.ids(), hits.scores());
    }

    @Override
    public String toString() {
        return "IvfPqIndex(" + quantizer + ", size=" + lists.size() + ")";
    }
}
