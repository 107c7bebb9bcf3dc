package io.audiopq.lucene;

import org.apache.lucene.util.LongHeap;
import org.apache.lucene.util.NumericUtils;

/**
 * The best {@code capacity} (id, score) pairs offered so far, ranked by score (higher first), ties
 * by id (lower first, as doc order), so the kept set does not depend on the order of the offers.
 * A min-heap of longs packing the score above the id: the root is the worst kept pair, and
 * {@link #minScore()} lets a scan skip hopeless candidates before packing them (see
 * {@link PqSimilarity#adcBound}). Ids are ords or doc ids, whichever the caller ranks. Not
 * thread-safe.
 */
final class CandidateHeap {

    private final int capacity;
    private final LongHeap heap;
    /** The root once the heap is full; {@link Long#MIN_VALUE} before. */
    private long top = Long.MIN_VALUE;
    private float minScore = Float.NEGATIVE_INFINITY;

    CandidateHeap(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.heap = new LongHeap(capacity);
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return heap.size();
    }

    /** The worst kept score once full (a candidate must reach it to enter); −∞ before. */
    float minScore() {
        return minScore;
    }

    /** Offers a pair; NaN scores are never kept. */
    void offer(int id, float score) {
        if (score < minScore || Float.isNaN(score)) {
            return;
        }
        long packed = pack(score, id);
        if (heap.size() < capacity) {
            heap.push(packed);
            if (heap.size() == capacity) {
                top = heap.top();
                minScore = score(top);
            }
        } else if (packed > top) {
            top = heap.updateTop(packed);
            minScore = score(top);
        }
    }

    /** Empties the heap into {@code ids}/{@code scores} (each at least {@link #size()} long), best first; returns how many. */
    int drainBestFirst(int[] ids, float[] scores) {
        int n = heap.size();
        for (int i = n - 1; i >= 0; i--) {
            long packed = heap.pop();
            ids[i] = id(packed);
            scores[i] = score(packed);
        }
        top = Long.MIN_VALUE;
        minScore = Float.NEGATIVE_INFINITY;
        return n;
    }

    /** Packs a score and an id into a long that sorts by score, then by id (lower id wins ties). */
    static long pack(float score, int id) {
        return ((long) NumericUtils.floatToSortableInt(score) << 32) | (0xFFFFFFFFL & (Integer.MAX_VALUE - id));
    }

    static int id(long packed) {
        return Integer.MAX_VALUE - (int) (packed & 0xFFFFFFFFL);
    }

    static float score(long packed) {
        return NumericUtils.sortableIntToFloat((int) (packed >>> 32));
    }
}
