package io.audiopq.quantization;

import java.io.IOException;

/**
 * Where a {@link PqSearch} puts the (ord, ADC value) pairs it scans, and when it stops, in the
 * style of Lucene's {@code KnnCollector}. Scans call {@link #accept} only for values within
 * {@link #adcBound()} (re-read after each accept), so most codes cost one float comparison and no
 * call. ADC values are squared L2 distances (lower is better) or dot products (higher is better),
 * as the search's metric says.
 */
public interface ScanSink {

    /** A code that passed {@link #adcBound()}. */
    void accept(int ord, float adc) throws IOException;

    /**
     * ADC values worse than this cannot be kept: +∞ (L2) or −∞ (inner product) while anything can.
     * It never loosens during a scan: scans pick a block's candidates against it before offering them.
     */
    float adcBound();

    /** Whether the scan should stop now (checked every {@value PqSearch#SCAN_BLOCK} codes). */
    boolean stop();

    /** {@code count} more codes were scored (those a filter rejected are not counted). */
    void visited(int count);
}
