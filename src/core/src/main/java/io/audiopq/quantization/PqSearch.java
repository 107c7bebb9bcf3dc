package io.audiopq.quantization;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The PQ search loops, written once against {@link CodeSource} (where the codes are),
 * an ord filter and a {@link ScanSink} (where candidates go), and run by both the Lucene reader
 * and the in-memory benchmarks:
 * <ul>
 *   <li>exhaustive 8-bit: {@link AdcScan}'s kernel over chunks of {@value #CHUNK} codes;</li>
 *   <li>exhaustive 4-bit: {@link FastScanScanner} with the quantised table keeps the best
 *       {@value #FAST_SCAN_RERANK_FACTOR} × wanted codes, which are re-ranked with the exact float
 *       table, so every value a sink sees is an exact ADC value;</li>
 *   <li>inverted lists ({@link IvfLayout}): only the nprobe lists nearest the query are scanned,
 *       8-bit codes by the kernel, 4-bit codes (each list in fast-scan blocks) by the fast scan
 *       with exact re-ranking, each list with its table (see {@link IvfLayout}).</li>
 * </ul>
 * Every loop tests a code against the sink's bound (or the fast scan's threshold, on the raw
 * 16-bit sum first) before anything is offered, and reports visits and checks
 * {@link ScanSink#stop()} every {@value #SCAN_BLOCK} codes. Ties are the sink's business; the loops
 * visit codes in position order.
 */
public final class PqSearch {

    /** Codes scored between two checks of the sink (visit count, early termination). */
    public static final int SCAN_BLOCK = 64;
    /** 8-bit codes read and scored by one kernel call: a multiple of {@link #SCAN_BLOCK}. */
    public static final int CHUNK = 512;
    /** 4-bit codes per fast-scan kernel call: each call loads the quantised tables into registers again. */
    public static final int FAST_SCAN_CHUNK = 4096;
    /** A 4-bit search re-ranks this many fast-scan candidates per wanted result with the exact table. */
    public static final int FAST_SCAN_RERANK_FACTOR = 8;

    private PqSearch() {}

    /**
     * Scans all {@code count} codes (positions are ords).
     *
     * @param fastScan  whether the codes are 4-bit {@link FastScanCodes} blocks (else unpacked bytes)
     * @param wanted    how many results the caller keeps (sizes the fast scan's candidate set)
     * @param acceptOrd ords that may be scored, or {@code null} for all
     */
    public static void scan(AdcTable table, CodeSource codes, int count, boolean fastScan, int wanted, IntPredicate acceptOrd, ScanSink sink)
        throws IOException {
        if (fastScan) {
            scanFastScan(table, codes, count, wanted, acceptOrd, sink);
        } else {
            scanOrdMajor(table, codes, count, acceptOrd, sink);
        }
    }

    /**
     * Scans the {@code nprobe} lists of {@code ivf} nearest {@code query} (all of them when nprobe
     * is at least nlist).
     *
     * @param table  the query's table of metric {@link IvfLayout#tableMetric}{@code (metric)}
     * @param query  the query as the codebook sees it (e.g. normalised for cosine)
     * @param metric how codes are compared with the query: L2 (lower is better) or inner product
     */
    public static void scanLists(IvfLayout ivf, AdcTable table, float[] query, Metric metric, int nprobe, int wanted, CodeSource codes,
        IntPredicate acceptOrd, ScanSink sink) throws IOException {
        if (table.metric() != ivf.tableMetric(metric)) {
            throw new IllegalArgumentException("lists scored by " + metric + " need a " + ivf.tableMetric(metric) + " table, got " + table.metric());
        }
        if (ivf.blocks()) {
            scanListsFastScan(ivf, table, query, metric, nprobe, wanted, codes, acceptOrd, sink);
        } else {
            scanLists(ivf, table, query, metric, nprobe, codes, acceptOrd, sink);
        }
    }

    private static void scanOrdMajor(AdcTable table, CodeSource codes, int count, IntPredicate accept, ScanSink sink) throws IOException {
        int m = codes.m();
        byte[] chunk = new byte[CHUNK * m];
        float[] distances = new float[CHUNK];
        int[] candidates = new int[SCAN_BLOCK];
        float[][] rows = table.rows();
        boolean lowerIsBetter = table.metric() == Metric.L2;
        float bound = sink.adcBound();
        for (int start = 0; start < count; start += CHUNK) {
            if (sink.stop()) {
                return;
            }
            int n = Math.min(CHUNK, count - start);
            codes.readCodes(start, n, chunk);
            AdcScan.kernel(rows, m, chunk, 0, n, distances, 0);
            for (int from = 0; from < n; from += SCAN_BLOCK) {
                if (from > 0 && sink.stop()) {
                    return;
                }
                int to = Math.min(n, from + SCAN_BLOCK);
                if (accept == null) {
                    int found = candidates(distances, from, to, 0, bound, lowerIsBetter, candidates);
                    bound = offer(candidates, found, distances, 0, start, bound, lowerIsBetter, codes, sink);
                    sink.visited(to - from);
                    continue;
                }
                int visited = 0;
                for (int i = from; i < to; i++) {
                    int ord = start + i;
                    if (accept == null || accept.test(ord)) {
                        visited++;
                        // The cheap test first: most codes are worse than the worst one kept.
                        float adc = distances[i];
                        if (lowerIsBetter ? adc <= bound : adc >= bound) {
                            sink.accept(ord, adc);
                            bound = sink.adcBound();
                        }
                    }
                }
                sink.visited(visited);
            }
        }
    }

    private static void scanFastScan(AdcTable table, CodeSource codes, int count, int wanted, IntPredicate accept, ScanSink sink)
        throws IOException {
        int m = codes.m();
        QuantizedAdcTable quantized = QuantizedAdcTable.quantize(table);
        boolean higherIsBetter = table.metric() == Metric.INNER_PRODUCT;
        TopKHeap approximate = new TopKHeap(candidates(count, wanted), higherIsBetter);
        int chunkBlocks = FAST_SCAN_CHUNK / FastScanCodes.BLOCK;
        byte[] data = new byte[chunkBlocks * FastScanCodes.blockBytes(m)];
        FastScanCodes chunk = FastScanCodes.wrap(data, FAST_SCAN_CHUNK, m);
        FastScanScanner.LoadedTable loaded = FastScanScanner.load(quantized);
        short[] sums = new short[FAST_SCAN_CHUNK];
        int blocks = FastScanCodes.blocks(count);
        scan:
        for (int firstBlock = 0; firstBlock < blocks; firstBlock += chunkBlocks) {
            if (sink.stop()) {
                break;
            }
            int nBlocks = Math.min(chunkBlocks, blocks - firstBlock);
            codes.readBlocks(firstBlock, nBlocks, data);
            FastScanScanner.scoreBlocks(loaded, chunk, 0, nBlocks, sums);
            int start = firstBlock * FastScanCodes.BLOCK;
            int n = Math.min(nBlocks * FastScanCodes.BLOCK, count - start);
            float threshold = approximate.threshold();
            for (int from = 0; from < n; from += SCAN_BLOCK) {
                if (from > 0 && sink.stop()) {
                    break scan;
                }
                int to = Math.min(n, from + SCAN_BLOCK);
                int visited = 0;
                if (accept == null) {
                    // A vector comparison per block finds the few sums that can pass; each is then tested exactly.
                    for (int b = from; b < to; b += FastScanCodes.BLOCK) {
                        int limit = higherIsBetter ? ceilLimit(threshold) : floorLimit(threshold);
                        int mask = FastScanScanner.candidates(sums, b, limit, higherIsBetter) & lanes(0, Math.min(FastScanCodes.BLOCK, to - b));
                        while (mask != 0) {
                            int i = b + Integer.numberOfTrailingZeros(mask);
                            mask &= mask - 1;
                            float sum = sums[i] & 0xFFFF;
                            if (higherIsBetter ? sum >= threshold : sum <= threshold) {
                                approximate.offer(start + i, sum);
                                threshold = approximate.threshold();
                            }
                        }
                    }
                    visited = to - from;
                } else {
                    for (int i = from; i < to; i++) {
                        int ord = start + i;
                        if (accept.test(ord)) {
                            visited++;
                            float sum = sums[i] & 0xFFFF;
                            if (higherIsBetter ? sum >= threshold : sum <= threshold) {
                                approximate.offer(ord, sum);
                                threshold = approximate.threshold();
                            }
                        }
                    }
                }
                sink.visited(visited);
            }
        }
        int[] ords = approximate.sorted().ids();
        // In ord order: candidates sharing a block are unpacked from one read.
        Arrays.sort(ords);
        float bound = sink.adcBound();
        for (int ord : ords) {
            float adc = table.distance(codes.codeAt(ord), 0);
            if (higherIsBetter ? adc >= bound : adc <= bound) {
                sink.accept(ord, adc);
                bound = sink.adcBound();
            }
        }
    }

    private static void scanLists(IvfLayout ivf, AdcTable table, float[] query, Metric metric, int nprobe, CodeSource codes,
        IntPredicate accept, ScanSink sink) throws IOException {
        int m = codes.m();
        byte[] chunk = new byte[CHUNK * m];
        float[] distances = new float[CHUNK];
        boolean perListTable = ivf.perListTable(metric);
        // The kernel's rows: the query's own, or refilled per list from the precomputed terms
        // (row by row: a two-dimensional allocation is a call into the VM).
        float[][] rows = perListTable ? new float[table.m()][] : table.rows();
        if (perListTable) {
            for (int j = 0; j < rows.length; j++) {
                rows[j] = new float[table.ksub()];
            }
        }
        float[] scratch = perListTable ? new float[table.values().length] : null;
        int[] candidates = new int[SCAN_BLOCK];
        int[] probes = ivf.coarse().nearestLists(query, Math.min(nprobe, ivf.nlist()), metric);
        boolean lowerIsBetter = metric == Metric.L2;
        float bound = sink.adcBound();
        // Visits are reported in steps of SCAN_BLOCK counted across lists (not per list), so a
        // visit limit is overshot by less than one step however small the lists are.
        int pendingVisits = 0;
        for (int list : probes) {
            int listStart = ivf.listStart(list), listEnd = ivf.listEnd(list);
            if (listStart == listEnd) {
                continue;
            }
            if (perListTable) {
                ivf.listRows(list, table.values(), rows, scratch);
            }
            float bias = ivf.listBias(query, list, metric);
            for (int start = listStart; start < listEnd; start += CHUNK) {
                int n = Math.min(CHUNK, listEnd - start);
                codes.readCodes(start, n, chunk);
                AdcScan.kernel(rows, m, chunk, 0, n, distances, 0);
                if (accept == null) {
                    // in steps that end where the visits are reported, as the filtered loop below does
                    for (int from = 0; from < n; ) {
                        int to = Math.min(n, from + SCAN_BLOCK - pendingVisits);
                        int found = candidates(distances, from, to, bias, bound, lowerIsBetter, candidates);
                        bound = offer(candidates, found, distances, bias, start, bound, lowerIsBetter, codes, sink);
                        pendingVisits += to - from;
                        from = to;
                        if (pendingVisits == SCAN_BLOCK) {
                            sink.visited(pendingVisits);
                            pendingVisits = 0;
                            if (sink.stop()) {
                                return;
                            }
                        }
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    // The ord is read only for a filter or a code that passes the bound.
                    int ord = -1;
                    if (accept != null) {
                        ord = codes.ordAt(start + i);
                        if (accept.test(ord) == false) {
                            continue;
                        }
                    }
                    float adc = bias + distances[i];
                    if (lowerIsBetter ? adc <= bound : adc >= bound) {
                        sink.accept(ord >= 0 ? ord : codes.ordAt(start + i), adc);
                        bound = sink.adcBound();
                    }
                    if (++pendingVisits == SCAN_BLOCK) {
                        sink.visited(pendingVisits);
                        pendingVisits = 0;
                        if (sink.stop()) {
                            return;
                        }
                    }
                }
            }
        }
        sink.visited(pendingVisits);
    }

    /**
     * Writes to {@code out} the indices in [from, to) whose {@code bias + distances[i]} passes
     * {@code bound}, in order, and returns how many: without a branch or a call per code, which
     * the one-pass loop (test, then accept) cost: 7.2 against 4.8 ns/code for 16-byte codes, the
     * kernel alone 4.4 (docs/benchmarks.md). The caller tests each candidate again against the bound
     * as it tightens, so since a sink's bound never loosens the sink sees exactly the one-pass calls.
     */
    static int candidates(float[] distances, int from, int to, float bias, float bound, boolean lowerIsBetter, int[] out) {
        int found = 0;
        if (lowerIsBetter) {
            for (int i = from; i < to; i++) {
                out[found] = i;
                found += bias + distances[i] <= bound ? 1 : 0;
            }
        } else {
            for (int i = from; i < to; i++) {
                out[found] = i;
                found += bias + distances[i] >= bound ? 1 : 0;
            }
        }
        return found;
    }

    /**
     * Offers the {@link #candidates} at positions {@code start + i} in order, each tested again
     * against the bound as it tightens; returns the bound after them.
     */
    private static float offer(int[] candidates, int found, float[] distances, float bias, int start, float bound, boolean lowerIsBetter,
        CodeSource codes, ScanSink sink) throws IOException {
        for (int c = 0; c < found; c++) {
            int i = candidates[c];
            float adc = bias + distances[i];
            if (lowerIsBetter ? adc <= bound : adc >= bound) {
                sink.accept(codes.ordAt(start + i), adc);
                bound = sink.adcBound();
            }
        }
        return bound;
    }

    /**
     * 4-bit lists: each probed list's blocks go through the fast scan with the list's quantised
     * table; the de-quantised values (list bias included, so they compare across lists) pick the
     * best {@code wanted × FAST_SCAN_RERANK_FACTOR} positions, which are then scored with the exact
     * float table of their list, as the exhaustive 4-bit scan does.
     */
    private static void scanListsFastScan(IvfLayout ivf, AdcTable table, float[] query, Metric metric, int nprobe, int wanted,
        CodeSource codes, IntPredicate accept, ScanSink sink) throws IOException {
        boolean higherIsBetter = metric == Metric.INNER_PRODUCT;
        int m = codes.m();
        float[] scratch = new float[table.values().length];
        int[] probes = ivf.coarse().nearestLists(query, Math.min(nprobe, ivf.nlist()), metric);
        // Residual L2 gives every list its own table; otherwise one quantised table serves all lists.
        boolean perListTable = ivf.perListTable(metric);
        FastScanScanner.LoadedTable shared = perListTable ? null : FastScanScanner.load(QuantizedAdcTable.quantize(table));
        TopKHeap approximate = new TopKHeap(candidates(ivf.size(), wanted), higherIsBetter);
        int chunkBlocks = FAST_SCAN_CHUNK / FastScanCodes.BLOCK;
        byte[] data = new byte[chunkBlocks * FastScanCodes.blockBytes(m)];
        FastScanCodes chunk = FastScanCodes.wrap(data, FAST_SCAN_CHUNK, m);
        short[] sums = new short[FAST_SCAN_CHUNK];
        float threshold = approximate.threshold();
        int pendingVisits = 0;
        scan:
        for (int list : probes) {
            int listStart = ivf.listStart(list), size = ivf.listEnd(list) - listStart;
            if (size == 0) {
                continue;
            }
            FastScanScanner.LoadedTable loaded = perListTable
                ? FastScanScanner.load(QuantizedAdcTable.quantize(table.metric(), table.m(), ivf.listTable(list, table.values(), metric, scratch)))
                : shared;
            QuantizedAdcTable quantized = loaded.table();
            float bias = ivf.listBias(query, list, metric);
            int limit = sumLimit(threshold, bias, quantized, higherIsBetter);
            int firstBlock = ivf.firstBlock(list), blocks = ivf.blockCount(list);
            for (int b = 0; b < blocks; b += chunkBlocks) {
                int nBlocks = Math.min(chunkBlocks, blocks - b);
                codes.readBlocks(firstBlock + b, nBlocks, data);
                FastScanScanner.scoreBlocks(loaded, chunk, 0, nBlocks, sums);
                int start = b * FastScanCodes.BLOCK;
                int n = Math.min(nBlocks * FastScanCodes.BLOCK, size - start);
                if (accept == null) {
                    // Runs that end at a block's end or where SCAN_BLOCK visits are due, so visits and
                    // stops fall where the code-by-code loop below puts them; one vector comparison
                    // per run finds the sums that can pass.
                    for (int i = 0; i < n; ) {
                        int block = i & -FastScanCodes.BLOCK;
                        int end = Math.min(Math.min(n, block + FastScanCodes.BLOCK), i + SCAN_BLOCK - pendingVisits);
                        int mask = FastScanScanner.candidates(sums, block, limit, higherIsBetter) & lanes(i - block, end - block);
                        while (mask != 0) {
                            int v = block + Integer.numberOfTrailingZeros(mask);
                            mask &= mask - 1;
                            int sum = sums[v] & 0xFFFF;
                            if (higherIsBetter ? sum >= limit : sum <= limit) {
                                float approx = bias + quantized.dequantize(sum);
                                if (higherIsBetter ? approx >= threshold : approx <= threshold) {
                                    approximate.offer(listStart + start + v, approx);
                                    threshold = approximate.threshold();
                                    limit = sumLimit(threshold, bias, quantized, higherIsBetter);
                                }
                            }
                        }
                        pendingVisits += end - i;
                        i = end;
                        if (pendingVisits == SCAN_BLOCK) {
                            sink.visited(pendingVisits);
                            pendingVisits = 0;
                            if (sink.stop()) {
                                break scan;
                            }
                        }
                    }
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int pos = listStart + start + i;
                    if (accept.test(codes.ordAt(pos)) == false) {
                        continue;
                    }
                    // The cheap test first, on the raw sum: most codes are worse than the worst candidate kept.
                    int sum = sums[i] & 0xFFFF;
                    if (higherIsBetter ? sum >= limit : sum <= limit) {
                        float approx = bias + quantized.dequantize(sum);
                        if (higherIsBetter ? approx >= threshold : approx <= threshold) {
                            approximate.offer(pos, approx);
                            threshold = approximate.threshold();
                            limit = sumLimit(threshold, bias, quantized, higherIsBetter);
                        }
                    }
                    if (++pendingVisits == SCAN_BLOCK) {
                        sink.visited(pendingVisits);
                        pendingVisits = 0;
                        if (sink.stop()) {
                            break scan;
                        }
                    }
                }
            }
        }
        sink.visited(pendingVisits);
        int[] positions = approximate.sorted().ids();
        // In position order: candidates of one list share its table, and of one block one read.
        Arrays.sort(positions);
        float bound = sink.adcBound();
        int tableList = -1;
        AdcTable listTable = null;
        float bias = 0f;
        for (int pos : positions) {
            int list = ivf.listOf(pos);
            if (list != tableList) {
                tableList = list;
                listTable = new AdcTable(table.metric(), table.m(), table.ksub(), ivf.listTable(list, table.values(), metric, scratch));
                bias = ivf.listBias(query, list, metric);
            }
            float adc = bias + listTable.distance(codes.codeAt(pos), 0);
            if (higherIsBetter ? adc >= bound : adc <= bound) {
                sink.accept(codes.ordAt(pos), adc);
                bound = sink.adcBound();
            }
        }
    }

    /** Bits {@code from .. to-1} of a block's candidate mask (0 ≤ from &lt; to ≤ 32). */
    private static int lanes(int from, int to) {
        return (to == FastScanCodes.BLOCK ? -1 : (1 << to) - 1) & -(1 << from);
    }

    /** The largest sum a lower-is-better threshold (an integral sum, or +∞ while the heap fills) lets through. */
    private static int floorLimit(float threshold) {
        return threshold >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.floor(threshold);
    }

    /** The smallest sum a higher-is-better threshold (an integral sum, or −∞ while the heap fills) lets through. */
    private static int ceilLimit(float threshold) {
        return threshold <= Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) Math.ceil(threshold);
    }

    /** The fast scan's candidate count: {@code wanted × FAST_SCAN_RERANK_FACTOR}, at least 1, at most {@code count}. */
    private static int candidates(int count, int wanted) {
        return (int) Math.max(1, Math.min(count, (long) Math.max(1, wanted) * FAST_SCAN_RERANK_FACTOR));
    }

    /**
     * The raw fast-scan sum a code of a list with bias {@code bias} must reach to possibly pass
     * {@code threshold} (an approximate value, bias included): one step looser than the exact
     * inverse of {@link QuantizedAdcTable#dequantize}, so float rounding never rejects a code the
     * float test would keep (that test follows).
     */
    private static int sumLimit(float threshold, float bias, QuantizedAdcTable table, boolean higherIsBetter) {
        double units = ((double) threshold - bias - table.bias()) * table.scale();
        double limit = higherIsBetter ? Math.ceil(units) - 1 : Math.floor(units) + 1;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, limit));
    }
}
