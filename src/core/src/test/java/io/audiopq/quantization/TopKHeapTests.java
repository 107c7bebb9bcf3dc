package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

public class TopKHeapTests extends LuceneTestCase {

    /** Brute force: sort (score, id) pairs by rank, ties by id, NaN dropped. */
    static int[] expectedIds(float[] scores, int k, boolean higherIsBetter) {
        Integer[] ids = new Integer[scores.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Comparator<Integer> byScore = (a, b) -> higherIsBetter ? Float.compare(scores[b], scores[a]) : Float.compare(scores[a], scores[b]);
        return Arrays.stream(ids)
            .filter(i -> Float.isNaN(scores[i]) == false)
            .sorted(byScore.thenComparing(Comparator.naturalOrder()))
            .limit(k)
            .mapToInt(Integer::intValue)
            .toArray();
    }

    @Test
    public void keepsTheKBestInEitherDirectionWhateverTheOrder() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            int n = random.nextInt(0, 300);
            int k = random.nextInt(1, 40);
            boolean higherIsBetter = random.nextBoolean();
            float[] scores = new float[n];
            for (int i = 0; i < n; i++) {
                // Few distinct values, so that ties are common.
                scores[i] = random.nextInt(20) / 4f - 2f;
            }
            TopKHeap heap = new TopKHeap(k, higherIsBetter);
            int[] order = shuffledOrds(n, random);
            for (int i : order) {
                heap.offer(i, scores[i]);
            }
            int[] expected = expectedIds(scores, k, higherIsBetter);
            TopKHeap.Hits hits = heap.sorted();
            assertArrayEquals("round " + round, expected, hits.ids());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(scores[expected[i]], hits.scores()[i], 0f);
            }
            assertEquals(Math.min(k, n), heap.size());
        }
    }

    @Test
    public void thresholdIsTheWorstKeptScoreOnceFull() {
        TopKHeap lower = new TopKHeap(2, false);
        assertEquals(Float.POSITIVE_INFINITY, lower.threshold(), 0f);
        lower.offer(1, 5f);
        assertEquals(Float.POSITIVE_INFINITY, lower.threshold(), 0f);
        lower.offer(2, 3f);
        assertEquals(5f, lower.threshold(), 0f);
        assertFalse(lower.offer(3, 6f));
        assertTrue(lower.offer(4, 1f));
        assertEquals(3f, lower.threshold(), 0f);

        TopKHeap higher = new TopKHeap(1, true);
        assertEquals(Float.NEGATIVE_INFINITY, higher.threshold(), 0f);
        higher.offer(1, -2f);
        assertEquals(-2f, higher.threshold(), 0f);
        assertFalse(higher.offer(2, -3f));
        assertTrue(higher.offer(3, 0.5f));
        assertEquals(0.5f, higher.threshold(), 0f);
    }

    @Test
    public void tiesGoToTheSmallerIdAndNaNIsNeverKept() {
        TopKHeap heap = new TopKHeap(2, false);
        assertTrue(heap.offer(9, 1f));
        assertTrue(heap.offer(5, 1f));
        assertTrue(heap.offer(3, 1f)); // evicts 9
        assertFalse(heap.offer(7, 1f));
        assertFalse(heap.offer(0, Float.NaN));
        assertArrayEquals(new int[] { 3, 5 }, heap.sorted().ids());
    }

    @Test
    public void drainBestFirstMatchesSortedAndEmptiesTheHeap() {
        SplittableRandom random = new SplittableRandom(29);
        for (boolean higherIsBetter : new boolean[] { true, false }) {
            for (int k : new int[] { 1, 7, 64 }) {
                TopKHeap heap = new TopKHeap(k, higherIsBetter);
                for (int round = 0; round < 2; round++) {
                    for (int id = 0; id < 300; id++) {
                        // few distinct scores, so that ties (broken by id) are common
                        heap.offer(random.nextInt(1000), random.nextInt(20) / 4f);
                    }
                    TopKHeap.Hits expected = heap.sorted();
                    int[] ids = new int[k];
                    float[] scores = new float[k];
                    assertEquals(expected.ids().length, heap.drainBestFirst(ids, scores));
                    assertArrayEquals(expected.ids(), Arrays.copyOf(ids, expected.ids().length));
                    assertArrayEquals(expected.scores(), Arrays.copyOf(scores, expected.scores().length), 0f);
                    assertEquals(0, heap.size());
                    assertEquals(higherIsBetter ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, heap.threshold(), 0f);
                }
            }
        }
    }

    @Test
    public void mergingHeapsEqualsOfferingEverythingToOne() {
        SplittableRandom random = new SplittableRandom(11);
        float[] scores = new float[500];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) random.nextGaussian();
        }
        TopKHeap a = new TopKHeap(10, true), b = new TopKHeap(10, true), all = new TopKHeap(10, true);
        for (int i = 0; i < scores.length; i++) {
            (i % 3 == 0 ? a : b).offer(i, scores[i]);
            all.offer(i, scores[i]);
        }
        a.addAll(b);
        assertArrayEquals(all.sorted().ids(), a.sorted().ids());
        assertThrows(IllegalArgumentException.class, () -> a.addAll(new TopKHeap(3, false)));
        assertThrows(IllegalArgumentException.class, () -> new TopKHeap(0, false));
    }

    static int[] shuffledOrds(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
