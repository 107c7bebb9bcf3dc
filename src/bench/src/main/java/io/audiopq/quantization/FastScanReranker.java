package io.audiopq.quantization;

/**
 * Two-stage 4-bit search: the fast scan's approximate (uint8-table) ranking picks k × f
 * candidates, which are then re-ranked with the exact float ADC table. The approximate ranking
 * only errs between codes whose distances lie within {@link QuantizedAdcTable#errorBound()} of
 * each other, so a small factor f recovers the exact ADC top k in practice.
 */
public final class FastScanReranker {

    private FastScanReranker() {}

    /**
     * The k best codes by exact ADC distance among the {@code k * factor} best by fast scan.
     *
     * @param table  the query's float ADC table (4-bit PQ, ksub = 16)
     * @param factor how many candidates per result to re-rank, at least 1
     */
    public static TopKHeap search(AdcTable table, FastScanCodes codes, int k, int factor) {
        return search(table, QuantizedAdcTable.quantize(table), codes, k, factor);
    }

    /** As {@link #search(AdcTable, FastScanCodes, int, int)} with the quantised table already built. */
    public static TopKHeap search(AdcTable table, QuantizedAdcTable quantized, FastScanCodes codes, int k, int factor) {
        if (k < 1 || factor < 1) {
            throw new IllegalArgumentException("k and factor must be >= 1, got k=" + k + " factor=" + factor);
        }
        int candidates = (int) Math.min(Integer.MAX_VALUE, (long) k * factor);
        TopKHeap.Hits approximate = FastScanScanner.searchSums(quantized, codes, candidates).sorted();
        TopKHeap result = TopKHeap.forMetric(table.metric(), k);
        byte[] code = new byte[codes.m()];
        for (int ord : approximate.ids()) {
            codes.unpack(ord, code, 0);
            result.offer(ord, table.distance(code, 0));
        }
        return result;
    }
}
