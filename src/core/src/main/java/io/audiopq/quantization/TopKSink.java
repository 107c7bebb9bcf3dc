package io.audiopq.quantization;

/**
 * A {@link ScanSink} that keeps the k best ADC values in a {@link TopKHeap} (ties to the lower
 * ord) and never stops a scan: what an in-memory search collects into.
 */
public final class TopKSink implements ScanSink {

    private final TopKHeap heap;
    private long visited;

    /** Keeps the {@code k} best values by {@code metric}: lowest L2 distances, highest dot products. */
    public TopKSink(Metric metric, int k) {
        this.heap = TopKHeap.forMetric(metric, k);
    }

    @Override
    public void accept(int ord, float adc) {
        heap.offer(ord, adc);
    }

    @Override
    public float adcBound() {
        return heap.threshold();
    }

    @Override
    public boolean stop() {
        return false;
    }

    @Override
    public void visited(int count) {
        visited += count;
    }

    /** The codes scored (accepted by the filter) so far. */
    public long visitedCount() {
        return visited;
    }

    public TopKHeap heap() {
        return heap;
    }
}
