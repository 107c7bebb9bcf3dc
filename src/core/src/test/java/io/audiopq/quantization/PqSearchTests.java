package io.audiopq.quantization;

import io.audiopq.testing.GaussianMixture;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * {@link PqSearch}, the one search loop of the Lucene reader and the benchmarks, over in-memory
 * codes: inverted lists (8-bit codes, and 4-bit codes in fast-scan blocks) against exhaustive
 * decoding, the precomputed residual L2 terms against their fallback, and the exhaustive scans
 * against the reference kernels.
 */
public class PqSearchTests extends LuceneTestCase {

    private static final int D = 32;
    private static final int K = 10;

    /** Hits best first, as {@link TopKHeap#sorted()} gives them. */
    record Hits(int[] ords, float[] scores) {
        int size() {
            return ords.length;
        }
    }

    /** Codes in inverted lists with their layout, searched through {@link PqSearch#scanLists}. */
    record ListIndex(IvfPqQuantizer quantizer, InvertedLists lists, IvfLayout layout) {

        static ListIndex build(IvfPqQuantizer quantizer, float[] data, int n) {
            return build(quantizer, data, n, false, IvfLayout.PRECOMPUTED_TABLE_MAX_BYTES);
        }

        static ListIndex build(IvfPqQuantizer quantizer, float[] data, int n, boolean blocks, long precomputedMaxBytes) {
            InvertedLists lists = quantizer.encodeAll(data, n, 0);
            return new ListIndex(quantizer, lists,
                new IvfLayout(quantizer.coarse(), quantizer.encoding(), quantizer.pq(), lists.offsets(), blocks, precomputedMaxBytes));
        }

        int size() {
            return lists.size();
        }

        Hits search(float[] q, int k, int nprobe, Metric metric) {
            return search(q, k, nprobe, metric, null);
        }

        Hits search(float[] q, int k, int nprobe, Metric metric, IntPredicate accept) {
            return search(q, k, k, nprobe, metric, accept);
        }

        /** {@code wanted} sizes the 4-bit fast scan's candidates ({@code wanted × 8}). */
        Hits search(float[] q, int k, int wanted, int nprobe, Metric metric, IntPredicate accept) {
            AdcTable table = quantizer.pq().adcTable(q, layout.tableMetric(metric));
            TopKSink sink = new TopKSink(metric, k);
            try {
                PqSearch.scanLists(layout, table, q, metric, nprobe, wanted, ArrayCodeSource.lists(lists, layout), accept, sink);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            TopKHeap.Hits hits = sink.heap().sorted();
            return new Hits(hits.ids(), hits.scores());
        }
    }

    private static KMeans.Params params() {
        return new KMeans.Params(10, random().nextLong(), 4000, false);
    }

    /** One reference hit list: the decoded vectors scored exactly (double), sorted like {@link Hits}. */
    private static double[][] exhaustiveDecoded(ListIndex index, float[] q, Metric metric, IntPredicate accept) {
        IvfPqQuantizer quantizer = index.quantizer();
        InvertedLists lists = index.lists();
        double[] scores = new double[lists.size()];
        int[] ords = new int[lists.size()];
        float[] decoded = new float[D];
        int count = 0;
        for (int l = 0; l < lists.nlist(); l++) {
            for (int i = lists.listStart(l); i < lists.listStart(l) + lists.listSize(l); i++) {
                if (accept != null && accept.test(lists.ords()[i]) == false) {
                    continue;
                }
                quantizer.decode(l, lists.codes(), i * lists.codeSize(), decoded, 0);
                double s = 0;
                for (int j = 0; j < D; j++) {
                    s += metric == Metric.L2 ? (q[j] - (double) decoded[j]) * (q[j] - (double) decoded[j]) : q[j] * (double) decoded[j];
                }
                scores[count] = s;
                ords[count++] = lists.ords()[i];
            }
        }
        double sign = metric == Metric.L2 ? 1 : -1;
        Integer[] order = IntStream.range(0, count).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> sign * scores[i]).thenComparingInt(i -> ords[i]));
        double[][] out = new double[2][count];
        for (int i = 0; i < count; i++) {
            out[0][i] = ords[order[i]];
            out[1][i] = scores[order[i]];
        }
        return out;
    }

    /**
     * Asserts that hits are the reference's top k up to float rounding: the same scores rank by rank,
     * and the same ordinals except where two reference scores are within rounding of each other.
     */
    private static void assertSameTopK(double[][] reference, Hits hits, int k, double tolerance) {
        int expectedSize = Math.min(k, reference[0].length);
        assertEquals(expectedSize, hits.size());
        double[] refScoreOfOrd = new double[1 + (int) Arrays.stream(reference[0]).max().orElse(0)];
        for (int i = 0; i < reference[0].length; i++) {
            refScoreOfOrd[(int) reference[0][i]] = reference[1][i];
        }
        for (int i = 0; i < expectedSize; i++) {
            assertEquals("score at rank " + i, reference[1][i], hits.scores()[i], tolerance);
            int ord = hits.ords()[i];
            if (ord != (int) reference[0][i]) {
                assertEquals("ord " + ord + " at rank " + i + " is a near tie", reference[1][i], refScoreOfOrd[ord], tolerance);
            }
        }
        assertEquals("hits must be distinct", expectedSize, Arrays.stream(hits.ords()).distinct().count());
    }

    private static double tolerance(float[] q, ListIndex index) {
        // Float sums of ~M+1 terms whose size is bounded by the squared norms involved.
        float[] c = index.quantizer().coarse().centroids();
        double max = 0;
        for (int l = 0; l < index.quantizer().nlist(); l++) {
            max = Math.max(max, VectorMath.dot(c, l * D, c, l * D, D));
        }
        return 1e-4 * (1 + VectorMath.dot(q, 0, q, 0, D) + max);
    }

    public void testAllListsEqualsExhaustiveSearchOverTheSameCodes() {
        int n = 3000, nlist = 1 + random().nextInt(24);
        int nbits = random().nextBoolean() ? 4 : 8;
        GaussianMixture mixture = new GaussianMixture(D, 20, 2f, 0.7f, random().nextLong());
        float[] data = mixture.sample(n, random().nextLong());
        float[] queries = mixture.sample(10, random().nextLong());
        for (IvfPqQuantizer.Encoding encoding : IvfPqQuantizer.Encoding.values()) {
            IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, nbits, encoding, params());
            ListIndex index = ListIndex.build(quantizer, data, n);
            assertEquals(n, index.size());
            assertAllListsEqualsExhaustive(index, queries, nlist);
        }
    }

    private static void assertAllListsEqualsExhaustive(ListIndex index, float[] queries, int nlist) {
        for (Metric metric : Metric.values()) {
            for (int qi = 0; qi < 10; qi++) {
                float[] q = Arrays.copyOfRange(queries, qi * D, (qi + 1) * D);
                Hits hits = index.search(q, K, nlist, metric);
                assertSameTopK(exhaustiveDecoded(index, q, metric, null), hits, K, tolerance(q, index));
                // nprobe above nlist is clamped: the same, exhaustive search.
                Hits clamped = index.search(q, K, nlist + 1 + random().nextInt(100), metric);
                assertArrayEquals(hits.ords(), clamped.ords());
                assertArrayEquals(hits.scores(), clamped.scores(), 0f);
            }
        }
    }

    public void testFourBitListsInBlocksEqualTheByteScanWhenEveryCodeIsReranked() throws Exception {
        int n = 2500, nlist = 1 + random().nextInt(20);
        GaussianMixture mixture = new GaussianMixture(D, 20, 2f, 0.7f, random().nextLong());
        float[] data = mixture.sample(n, random().nextLong());
        float[] queries = mixture.sample(5, random().nextLong());
        int modulus = 1 + random().nextInt(3);
        IntPredicate accept = random().nextBoolean() ? null : ord -> ord % modulus == 0;
        for (IvfPqQuantizer.Encoding encoding : IvfPqQuantizer.Encoding.values()) {
            IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, 4, encoding, params());
            ListIndex bytes = ListIndex.build(quantizer, data, n, false, IvfLayout.PRECOMPUTED_TABLE_MAX_BYTES);
            ListIndex blocks = ListIndex.build(quantizer, data, n, true, IvfLayout.PRECOMPUTED_TABLE_MAX_BYTES);
            for (Metric metric : Metric.values()) {
                for (int qi = 0; qi < 5; qi++) {
                    float[] q = Arrays.copyOfRange(queries, qi * D, (qi + 1) * D);
                    int nprobe = 1 + random().nextInt(nlist);
                    // wanted = n: every probed code is a candidate, so re-ranking gives the exact ADC top k.
                    Hits expected = bytes.search(q, K, n, nprobe, metric, accept);
                    Hits actual = blocks.search(q, K, n, nprobe, metric, accept);
                    assertArrayEquals(encoding + " " + metric, expected.ords(), actual.ords());
                    assertArrayEquals(encoding + " " + metric, expected.scores(), actual.scores(), 0f);
                }
            }
        }
    }

    public void testPrecomputedResidualTermsGiveTheSameResultsAsTheirFallback() {
        int n = 3000, nlist = 2 + random().nextInt(30);
        GaussianMixture mixture = new GaussianMixture(D, 20, 2f, 0.7f, random().nextLong());
        float[] data = mixture.sample(n, random().nextLong());
        float[] queries = mixture.sample(5, random().nextLong());
        for (int nbits : new int[] { 4, 8 }) {
            IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, nbits, IvfPqQuantizer.Encoding.RESIDUAL, params());
            boolean blocks = nbits == 4 && random().nextBoolean();
            ListIndex kept = ListIndex.build(quantizer, data, n, blocks, IvfLayout.PRECOMPUTED_TABLE_MAX_BYTES);
            ListIndex recomputed = ListIndex.build(quantizer, data, n, blocks, 0);
            assertTrue(kept.layout().precomputed());
            assertFalse(recomputed.layout().precomputed());
            long keptBefore = kept.layout().ramBytesUsed(), recomputedBefore = recomputed.layout().ramBytesUsed();
            for (int qi = 0; qi < 5; qi++) {
                float[] q = Arrays.copyOfRange(queries, qi * D, (qi + 1) * D);
                int nprobe = 1 + random().nextInt(nlist);
                Hits a = kept.search(q, K, nprobe, Metric.L2);
                Hits b = recomputed.search(q, K, nprobe, Metric.L2);
                assertArrayEquals(a.ords(), b.ords());
                assertArrayEquals(a.scores(), b.scores(), 0f);
            }
            // Kept terms are accounted once probed (M × ksub floats per list); the fallback keeps nothing.
            long perList = 16 + 4L * quantizer.pq().m() * quantizer.pq().ksub();
            assertTrue(kept.layout().ramBytesUsed() >= keptBefore + perList);
            assertEquals(recomputedBefore, recomputed.layout().ramBytesUsed());
            kept.search(Arrays.copyOfRange(queries, 0, D), K, nlist, Metric.L2);
            assertEquals(keptBefore + nonEmptyLists(kept.lists()) * perList, kept.layout().ramBytesUsed());
        }
    }

    private static int nonEmptyLists(InvertedLists lists) {
        return (int) IntStream.range(0, lists.nlist()).filter(l -> lists.listSize(l) > 0).count();
    }

    public void testExhaustiveScansGiveTheReferenceTopK() throws Exception {
        SplittableRandom random = new SplittableRandom(random().nextLong());
        for (Metric metric : Metric.values()) {
            int m = 16, n = 1 + random.nextInt(3000), k = 1 + random.nextInt(20);
            int modulus = 1 + random.nextInt(3);
            IntPredicate accept = ord -> ord % modulus == 0;
            float[] exact = new float[n];
            // 8-bit: the kernel's values are bit-exact, so the top k is the reference's.
            AdcTable table8 = AdcScanTests.randomTable(random, metric, m, 256);
            byte[] codes8 = AdcScanTests.randomCodes(random, n, m, 256);
            AdcScan.distancesReference(table8, codes8, 0, n, exact);
            TopKSink sink = new TopKSink(metric, k);
            PqSearch.scan(table8, ArrayCodeSource.ordMajor(codes8, n, m), n, false, k, null, sink);
            assertArrayEquals(TopKHeapTests.expectedIds(exact, k, metric == Metric.INNER_PRODUCT), sink.heap().sorted().ids());
            assertEquals(n, sink.visitedCount());
            sink = new TopKSink(metric, k);
            PqSearch.scan(table8, ArrayCodeSource.ordMajor(codes8, n, m), n, false, k, accept, sink);
            float[] filtered = new float[(n + modulus - 1) / modulus];
            for (int i = 0; i < filtered.length; i++) {
                filtered[i] = exact[i * modulus];
            }
            int[] expectedFiltered = Arrays.stream(TopKHeapTests.expectedIds(filtered, Math.min(k, filtered.length), metric == Metric.INNER_PRODUCT))
                .map(i -> i * modulus)
                .toArray();
            assertArrayEquals(expectedFiltered, sink.heap().sorted().ids());
            assertEquals((n + modulus - 1) / modulus, sink.visitedCount());
            // 4-bit: re-ranking every code is exact whatever the quantisation did.
            AdcTable table4 = AdcScanTests.randomTable(random, metric, m, 16);
            byte[] codes4 = AdcScanTests.randomCodes(random, n, m, 16);
            AdcScan.distancesReference(table4, codes4, 0, n, exact);
            sink = new TopKSink(metric, k);
            PqSearch.scan(table4, ArrayCodeSource.fastScan(codes4, n, m), n, true, n, null, sink);
            TopKHeap.Hits hits = sink.heap().sorted();
            int[] expected = TopKHeapTests.expectedIds(exact, k, metric == Metric.INNER_PRODUCT);
            assertArrayEquals(expected, hits.ids());
            assertEquals(exact[expected[0]], hits.scores()[0], 0f);
        }
    }

    /** The sink sees the calls of a one-pass loop (test each code, accept, re-read the bound), though the scan picks candidates first. */
    public void testTheSinkSeesTheOnePassLoopsCalls() throws Exception {
        SplittableRandom random = new SplittableRandom(random().nextLong());
        for (Metric metric : Metric.values()) {
            int m = 8, n = 1 + random.nextInt(5000), k = 1 + random.nextInt(30);
            AdcTable table = AdcScanTests.randomTable(random, metric, m, 256);
            byte[] codes = AdcScanTests.randomCodes(random, n, m, 256);
            float[] exact = new float[n];
            AdcScan.distancesReference(table, codes, 0, n, exact);
            RecordingSink expected = new RecordingSink(metric, k), got = new RecordingSink(metric, k);
            float bound = expected.adcBound();
            for (int ord = 0; ord < n; ord++) {
                if (metric == Metric.L2 ? exact[ord] <= bound : exact[ord] >= bound) {
                    expected.accept(ord, exact[ord]);
                    bound = expected.adcBound();
                }
            }
            PqSearch.scan(table, ArrayCodeSource.ordMajor(codes, n, m), n, false, k, null, got);
            assertEquals(metric + ", n=" + n + ", k=" + k, expected.calls, got.calls);
        }
    }

    public void testCandidatesAreTheIndicesWithinTheBoundInOrder() {
        float[] distances = { 3f, 1f, 2f, 5f, 2f, Float.NaN, 0f };
        int[] out = new int[distances.length];
        assertEquals(4, PqSearch.candidates(distances, 0, distances.length, 0f, 2f, true, out));
        assertArrayEquals(new int[] { 1, 2, 4, 6 }, Arrays.copyOf(out, 4));
        assertEquals(3, PqSearch.candidates(distances, 1, 5, 1f, 3f, false, out)); // 1 + d ≥ 3 in [1, 5)
        assertArrayEquals(new int[] { 2, 3, 4 }, Arrays.copyOf(out, 3));
        assertEquals(0, PqSearch.candidates(distances, 3, 3, 0f, 9f, true, out));
    }

    /** A top-k sink that records every accept call in order. */
    private static final class RecordingSink implements ScanSink {
        final java.util.List<String> calls = new java.util.ArrayList<>();
        final TopKSink topK;

        RecordingSink(Metric metric, int k) {
            topK = new TopKSink(metric, k);
        }

        @Override
        public void accept(int ord, float adc) {
            calls.add(ord + ":" + adc);
            topK.accept(ord, adc);
        }

        @Override
        public float adcBound() {
            return topK.adcBound();
        }

        @Override
        public boolean stop() {
            return false;
        }

        @Override
        public void visited(int count) {}
    }

    public void testFastScanWithTheDefaultRerankFactorFindsTheExactTopK() throws Exception {
        // The true top k are within errorBound of the k-th, so 8 candidates per result find them (fixed seed).
        SplittableRandom random = new SplittableRandom(6);
        for (Metric metric : Metric.values()) {
            int m = 16, n = 1500, k = 10;
            AdcTable table = AdcScanTests.randomTable(random, metric, m, 16);
            byte[] codes = AdcScanTests.randomCodes(random, n, m, 16);
            float[] exact = new float[n];
            AdcScan.distancesReference(table, codes, 0, n, exact);
            TopKSink sink = new TopKSink(metric, k);
            PqSearch.scan(table, ArrayCodeSource.fastScan(codes, n, m), n, true, k, null, sink);
            assertArrayEquals(metric.toString(), TopKHeapTests.expectedIds(exact, k, metric == Metric.INNER_PRODUCT), sink.heap().sorted().ids());
        }
    }

    public void testAdcTableOfResidualMatchesSearchScores() {
        // The per-list precomputed L2 terms against the textbook per-list ADC table of q - c.
        int n = 2000, nlist = 8;
        float[] data = new GaussianMixture(D, 8, 2f, 0.7f, random().nextLong()).sample(n, random().nextLong());
        IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, 8, IvfPqQuantizer.Encoding.RESIDUAL, params());
        ListIndex index = ListIndex.build(quantizer, data, n);
        float[] q = Arrays.copyOfRange(data, 0, D);
        Hits hits = index.search(q, 50, nlist, Metric.L2);
        InvertedLists lists = index.lists();
        for (int h = 0; h < hits.size(); h++) {
            int ord = hits.ords()[h];
            int list = quantizer.coarse().assign(data, ord * D);
            float[] shifted = q.clone();
            for (int j = 0; j < D; j++) {
                shifted[j] -= quantizer.coarse().centroids()[list * D + j];
            }
            int pos = IntStream.range(lists.listStart(list), lists.listStart(list) + lists.listSize(list))
                .filter(i -> lists.ords()[i] == ord)
                .findFirst()
                .orElseThrow();
            float expected = quantizer.pq().adcTable(shifted, Metric.L2).distance(lists.codes(), pos * lists.codeSize());
            assertEquals(expected, hits.scores()[h], tolerance(q, index));
        }
    }

    public void testRecallGrowsWithNprobe() {
        int n = 10_000, nlist = 64, nq = 100;
        GaussianMixture mixture = new GaussianMixture(D, 64, 1f, 0.8f, 4, random().nextLong());
        float[] data = mixture.sample(n, random().nextLong());
        IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, 8, IvfPqQuantizer.Encoding.RESIDUAL, params());
        ListIndex index = ListIndex.build(quantizer, data, n);
        float[] queries = mixture.sample(nq, random().nextLong());
        int[] nprobes = { 1, 2, 4, 8, 16, 32, 64 };
        int[] foundOfPq = new int[nprobes.length];
        int[] foundOfExact = new int[nprobes.length];
        for (int qi = 0; qi < nq; qi++) {
            float[] q = Arrays.copyOfRange(queries, qi * D, (qi + 1) * D);
            Set<Integer> pqTop = toSet(index.search(q, K, nlist, Metric.L2).ords());
            Set<Integer> exactTop = exactTopK(data, n, q);
            int previous = -1;
            for (int p = 0; p < nprobes.length; p++) {
                int[] ords = index.search(q, K, nprobes[p], Metric.L2).ords();
                int found = overlap(ords, pqTop);
                // Lists probed at nprobe are also probed at any larger nprobe, so a found hit stays found.
                assertTrue("query " + qi + ": nprobe=" + nprobes[p] + " found " + found + " < " + previous, found >= previous);
                previous = found;
                foundOfPq[p] += found;
                foundOfExact[p] += overlap(ords, exactTop);
            }
        }
        double[] vsExhaustivePq = Arrays.stream(foundOfPq).mapToDouble(f -> f / (double) (K * nq)).toArray();
        double[] vsExact = Arrays.stream(foundOfExact).mapToDouble(f -> f / (double) (K * nq)).toArray();
        assertEquals(1.0, vsExhaustivePq[nprobes.length - 1], 0.0);
        assertTrue("nprobe=1 should miss some neighbours: " + vsExhaustivePq[0], vsExhaustivePq[0] < 1.0);
        // Neighbours concentrate in a few lists: a handful of probes finds nearly all of them.
        assertTrue("recall at nprobe=8 of 64: " + Arrays.toString(vsExhaustivePq), vsExhaustivePq[3] >= 0.95);
        // Against exact search recall is not strictly monotone: a PQ false positive from a newly
        // probed list can displace a true neighbour. It must still grow overall, without big dips.
        assertTrue("recall vs exact search must grow: " + Arrays.toString(vsExact), vsExact[nprobes.length - 1] > vsExact[0]);
        for (int p = 1; p < nprobes.length; p++) {
            assertTrue(Arrays.toString(vsExact), vsExact[p] >= vsExact[p - 1] - 0.02);
        }
    }

    public void testAcceptOrdIsHonoured() {
        int n = 2000, nlist = 16;
        float[] data = new GaussianMixture(D, 16, 2f, 0.7f, random().nextLong()).sample(n, random().nextLong());
        IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 8, 4, IvfPqQuantizer.Encoding.RESIDUAL, params());
        ListIndex index = ListIndex.build(quantizer, data, n);
        int modulus = 2 + random().nextInt(5);
        IntPredicate accept = ord -> ord % modulus == 0;
        float[] q = Arrays.copyOfRange(data, D, 2 * D);
        for (Metric metric : Metric.values()) {
            Hits hits = index.search(q, K, nlist, metric, accept);
            for (int ord : hits.ords()) {
                assertEquals(0, ord % modulus);
            }
            assertSameTopK(exhaustiveDecoded(index, q, metric, accept), hits, K, tolerance(q, index));
            Hits partial = index.search(q, K, 1 + random().nextInt(4), metric, accept);
            for (int ord : partial.ords()) {
                assertTrue(accept.test(ord));
            }
        }
        assertEquals(0, index.search(q, K, nlist, Metric.L2, ord -> false).size());
        Hits few = index.search(q, K, nlist, Metric.L2, ord -> ord < 3);
        assertEquals(Set.of(0, 1, 2), toSet(few.ords()));
    }

    public void testSerialisedModelAndListsSearchTheSame() {
        int n = 1500, nlist = 10;
        float[] data = new GaussianMixture(D, 10, 2f, 0.7f, random().nextLong()).sample(n, random().nextLong());
        IvfPqQuantizer.Encoding encoding = IvfPqQuantizer.Encoding.values()[random().nextInt(2)];
        IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, nlist, 4, 4, encoding, params());
        ListIndex index = ListIndex.build(quantizer, data, n);
        IvfPqQuantizer read = IvfPqQuantizer.fromBytes(quantizer.toBytes());
        assertEquals(quantizer.id(), read.id());
        assertEquals(encoding, read.encoding());
        InvertedLists lists = index.lists();
        InvertedLists copy = InvertedLists.of(lists.codeSize(), lists.offsets().clone(), lists.ords().clone(), lists.codes().clone());
        ListIndex reread = new ListIndex(read, copy, IvfLayout.of(read, copy, false));
        float[] q = Arrays.copyOfRange(data, 0, D);
        for (Metric metric : Metric.values()) {
            int nprobe = 1 + random().nextInt(nlist);
            Hits a = index.search(q, K, nprobe, metric);
            Hits b = reread.search(q, K, nprobe, metric);
            assertArrayEquals(a.ords(), b.ords());
            assertArrayEquals(a.scores(), b.scores(), 0f);
        }
        byte[] bytes = quantizer.toBytes();
        bytes[bytes.length / 2] ^= 0x10;
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> IvfPqQuantizer.fromBytes(bytes));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum mismatch"));
        IvfPqQuantizer otherEncoding = new IvfPqQuantizer(
            quantizer.coarse(),
            quantizer.pq(),
            encoding == IvfPqQuantizer.Encoding.RESIDUAL ? IvfPqQuantizer.Encoding.DIRECT : IvfPqQuantizer.Encoding.RESIDUAL
        );
        assertNotEquals(quantizer.id(), otherEncoding.id());
    }

    public void testBadParameters() {
        int n = 300;
        float[] data = new GaussianMixture(D, 4, 2f, 0.7f, random().nextLong()).sample(n, random().nextLong());
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> IvfPqQuantizer.train(data, n, D, 0, 8, 4, IvfPqQuantizer.Encoding.RESIDUAL, params())
        );
        assertEquals("nlist must be >= 1, got 0", e.getMessage());
        e = expectThrows(
            IllegalArgumentException.class,
            () -> IvfPqQuantizer.train(data, n, D, 400, 8, 4, IvfPqQuantizer.Encoding.RESIDUAL, params())
        );
        assertTrue(e.getMessage(), e.getMessage().contains("nlist=400 needs at least 400 vectors"));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> IvfPqQuantizer.train(data, 100, D, 4, 8, 8, IvfPqQuantizer.Encoding.RESIDUAL, params())
        );
        assertTrue(e.getMessage(), e.getMessage().contains("needs at least 256 vectors"));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> IvfPqQuantizer.train(data, n, D, 4, 7, 4, IvfPqQuantizer.Encoding.RESIDUAL, params())
        );
        assertTrue(e.getMessage(), e.getMessage().contains("divisible by M=7"));

        IvfPqQuantizer quantizer = IvfPqQuantizer.train(data, n, D, 4, 8, 4, IvfPqQuantizer.Encoding.RESIDUAL, params());
        ListIndex index = ListIndex.build(quantizer, data, n);
        float[] q = Arrays.copyOfRange(data, 0, D);
        e = expectThrows(IllegalArgumentException.class, () -> index.search(q, K, 0, Metric.L2));
        assertEquals("nprobe must be >= 1, got 0", e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> index.search(q, 0, 1, Metric.L2));
        assertEquals("k must be >= 1, got 0", e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> index.search(new float[D - 1], K, 1, Metric.L2));
        assertTrue(e.getMessage(), e.getMessage().contains("expects D=" + D));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> IvfLayout.of(quantizer, new InvertedLists.Builder(5, quantizer.codeSize()).build(), false)
        );
        assertTrue(e.getMessage(), e.getMessage().contains("nlist=5"));
        e = expectThrows(IllegalArgumentException.class, () -> IvfLayout.of(quantizer, new InvertedLists.Builder(4, 3).build(), false));
        assertTrue(e.getMessage(), e.getMessage().contains("3-byte codes"));
    }

    private static Set<Integer> exactTopK(float[] data, int n, float[] q) {
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = VectorMath.squaredDistance(q, 0, data, i * D, D);
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> d[i]));
        return new HashSet<>(Arrays.asList(order).subList(0, K));
    }

    private static Set<Integer> toSet(int[] ords) {
        Set<Integer> set = new HashSet<>();
        for (int ord : ords) {
            set.add(ord);
        }
        return set;
    }

    private static int overlap(int[] ords, Set<Integer> reference) {
        int count = 0;
        for (int ord : ords) {
            if (reference.contains(ord)) {
                count++;
            }
        }
        return count;
    }
}
