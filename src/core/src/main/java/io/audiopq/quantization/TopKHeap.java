package io.audiopq.quantization;

import java.util.Arrays;

/**
 * Keeps the k best (id, score) pairs seen so far, for scores where lower is better (L2
 * distances) or higher is better (inner products). A binary heap whose root is the worst kept
 * pair, so rejecting a candidate costs one comparison against {@link #threshold()}.
 *
 * <p>Ties are broken by id (the smaller id wins), so the result does not depend on the order in
 * which candidates are offered. NaN scores are never kept. Not thread-safe.
 */
public final class TopKHeap {

    /** The kept pairs, best first. */
    public record Hits(int[] ids, float[] scores) {}

    private final int k;
    private final boolean higherIsBetter;
    private final int[] ids;
    // Stored as "keys" where lower is always better: the score, negated when higher is better.
    private final float[] keys;
    private int size;

    /**
     * @param k              how many pairs to keep, at least 1
     * @param higherIsBetter true for similarities, false for distances
     */
    public TopKHeap(int k, boolean higherIsBetter) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.k = k;
        this.higherIsBetter = higherIsBetter;
        this.ids = new int[k];
        this.keys = new float[k];
    }

    /** A heap ordered the way {@code metric} ranks: lower L2 distance, higher inner product. */
    public static TopKHeap forMetric(Metric metric, int k) {
        return new TopKHeap(k, metric == Metric.INNER_PRODUCT);
    }

    public int k() {
        return k;
    }

    public int size() {
        return size;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** Forgets every pair, keeping k and the order. */
    public void clear() {
        size = 0;
    }

    /**
     * The score a candidate must match or beat to be kept: the worst kept score once k pairs are
     * held, otherwise the worst possible score (+∞ for distances, −∞ for similarities).
     */
    public float threshold() {
        float key = size < k ? Float.POSITIVE_INFINITY : keys[0];
        return higherIsBetter ? -key : key;
    }

    /** Offers a pair; returns whether it was kept. */
    public boolean offer(int id, float score) {
        float key = higherIsBetter ? -score : score;
        if (size == k) {
            // Kept only if it ranks before the worst kept pair. The common case in a scan is a
            // rejection, so it stays this short (NaN fails both comparisons and is rejected too).
            if (key < keys[0] || (key == keys[0] && id < ids[0])) {
                siftDown(0, id, key);
                return true;
            }
            return false;
        }
        if (Float.isNaN(key)) {
            return false;
        }
        siftUp(size++, id, key);
        return true;
    }

    /** Offers every pair of {@code other}, e.g. to merge per-segment results. */
    public void addAll(TopKHeap other) {
        if (other.higherIsBetter != higherIsBetter) {
            throw new IllegalArgumentException("cannot merge heaps that rank in opposite directions");
        }
        for (int i = 0; i < other.size; i++) {
            offer(other.ids[i], other.higherIsBetter ? -other.keys[i] : other.keys[i]);
        }
    }

    /** A sorted copy of the kept pairs, best first; the heap is left unchanged. */
    public Hits sorted() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : Integer.compare(ids[a], ids[b]));
        int[] sortedIds = new int[size];
        float[] sortedScores = new float[size];
        for (int i = 0; i < size; i++) {
            sortedIds[i] = ids[order[i]];
            sortedScores[i] = higherIsBetter ? -keys[order[i]] : keys[order[i]];
        }
        return new Hits(sortedIds, sortedScores);
    }

    /**
     * Empties the heap into {@code ids}/{@code scores} (each at least {@link #size()} long), best
     * first, in the order of {@link #sorted()} but without allocating; returns how many pairs there were.
     */
    public int drainBestFirst(int[] ids, float[] scores) {
        int n = size;
        // The root is the worst kept pair: pop it into the last free slot, then restore the heap.
        for (int i = n - 1; i >= 0; i--) {
            ids[i] = this.ids[0];
            scores[i] = higherIsBetter ? -keys[0] : keys[0];
            size--;
            if (size > 0) {
                siftDown(0, this.ids[size], keys[size]);
            }
        }
        return n;
    }

    /** Whether (keyA, idA) ranks strictly after (keyB, idB). */
    private static boolean worse(float keyA, int idA, float keyB, int idB) {
        return keyA > keyB || (keyA == keyB && idA > idB);
    }

    private void siftUp(int slot, int id, float key) {
        while (slot > 0) {
            int parent = (slot - 1) >>> 1;
            if (worse(key, id, keys[parent], ids[parent]) == false) {
                break;
            }
            keys[slot] = keys[parent];
            ids[slot] = ids[parent];
            slot = parent;
        }
        keys[slot] = key;
        ids[slot] = id;
    }

    private void siftDown(int slot, int id, float key) {
        while (true) {
            int child = 2 * slot + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(keys[child + 1], ids[child + 1], keys[child], ids[child])) {
                child++;
            }
            if (worse(keys[child], ids[child], key, id) == false) {
                break;
            }
            keys[slot] = keys[child];
            ids[slot] = ids[child];
            slot = child;
        }
        keys[slot] = key;
        ids[slot] = id;
    }
}
