package io.audiopq.quantization;

import io.audiopq.testing.GaussianMixture;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Measures IVF-PQ against exhaustive PQ on a Gaussian mixture: recall@10 and time per query
 * (single thread) for several nprobe. Not a unit test: it prints figures and asserts nothing.
 *
 * <pre>
 * mvn -B -ntp -o test-compile
 * java -Xmx6g -cp "src/bench/target/classes:$(cat target/bench/classpath.txt)" io.audiopq.quantization.IvfPqBenchmark \
 *     [n=1000000] [nlist=1024] [components=512] [sigma=0.5] [nq=200] [M=16] [rank=16]
 * </pre>
 *
 * Columns: "vs PQ" is the fraction of exhaustive PQ's own top 10 (the same IVF codes, all lists
 * scanned) that the IVF search returns; "vs exact" is recall@10 against exact float search; the
 * baseline row "PQ (flat)" is a plain product quantiser (M, 8 bits) trained on the raw vectors
 * and scanned in full, the usual exhaustive PQ.
 */
public final class IvfPqBenchmark {

    private static final int D = 128;
    private static final int K = 10;

    public static void main(String[] args) {
        int n = arg(args, 0, 1_000_000);
        int nlist = arg(args, 1, 1024);
        int components = arg(args, 2, 512);
        float sigma = args.length > 3 ? Float.parseFloat(args[3]) : 0.5f;
        int nq = arg(args, 4, 200);
        int m = arg(args, 5, 16);
        int rank = arg(args, 6, 16);
        System.out.printf(Locale.ROOT, "N=%d D=%d M=%d nbits=8 nlist=%d components=%d sigma=%.2f rank=%d nq=%d cores=%d%n",
            n, D, m, nlist, components, sigma, rank, nq, Runtime.getRuntime().availableProcessors());

        GaussianMixture mixture = new GaussianMixture(D, components, 1f, sigma, rank, 1L);
        float[] data = mixture.sample(n, 2L);
        float[] queries = mixture.sample(nq, 3L);
        KMeans.Params params = new KMeans.Params(10, 4L, 40_000, false);

        long t0 = System.nanoTime();
        IvfPqQuantizer ivfModel = IvfPqQuantizer.train(data, n, D, nlist, m, 8, IvfPqQuantizer.Encoding.RESIDUAL, params);
        long t1 = System.nanoTime();
        Lists ivf = new Lists(ivfModel, encodeParallel(ivfModel, data, n));
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "IVF-PQ: train %.1f s, encode %.1f s (parallel); list sizes min/median/max %s%n",
            (t1 - t0) / 1e9, (t2 - t1) / 1e9, listSizes(ivf.lists));

        // Plain PQ is IVF with a single list and direct codes: one table, every code scanned.
        IvfPqQuantizer flatModel = IvfPqQuantizer.train(data, n, D, 1, m, 8, IvfPqQuantizer.Encoding.DIRECT, params);
        Lists flat = new Lists(flatModel, encodeParallel(flatModel, data, n));
        System.out.printf(Locale.ROOT, "flat PQ: built in %.1f s%n", (System.nanoTime() - t2) / 1e9);

        long t3 = System.nanoTime();
        int[][] exact = IntStream.range(0, nq).parallel().mapToObj(q -> exactTopK(data, n, queries, q)).toArray(int[][]::new);
        System.out.printf(Locale.ROOT, "exact top-%d of %d queries: %.1f s (parallel)%n", K, nq, (System.nanoTime() - t3) / 1e9);

        int[][] pqAll = new int[nq][];
        for (int q = 0; q < nq; q++) {
            pqAll[q] = ivf.search(query(queries, q), nlist);
        }

        Timed flatRun = run(flat, queries, nq, 1);
        System.out.printf(Locale.ROOT, "%-12s %10s %10s %12s %10s%n", "search", "vs PQ", "vs exact", "ms/query", "speed-up");
        System.out.printf(Locale.ROOT, "%-12s %10s %10.3f %12.3f %10s%n", "PQ (flat)", "-", recall(flatRun.ords, exact),
            flatRun.msPerQuery, "1.0x");
        for (int nprobe : new int[] { 1, 4, 8, 16, 32, 64, nlist }) {
            if (nprobe > nlist) {
                continue;
            }
            Timed r = run(ivf, queries, nq, nprobe);
            System.out.printf(Locale.ROOT, "%-12s %10.3f %10.3f %12.3f %9.1fx%n", "nprobe=" + nprobe, recall(r.ords, pqAll),
                recall(r.ords, exact), r.msPerQuery, flatRun.msPerQuery / r.msPerQuery);
        }
    }

    private record Timed(int[][] ords, double msPerQuery) {}

    /** Median of five timed passes over all queries, after two warm-up passes. */
    /** Codes in inverted lists, searched by {@link PqSearch#scanLists}: the reader's loop over in-memory codes. */
    private static final class Lists {
        final IvfPqQuantizer model;
        final InvertedLists lists;
        final IvfLayout layout;
        final CodeSource codes;

        Lists(IvfPqQuantizer model, InvertedLists lists) {
            this.model = model;
            this.lists = lists;
            this.layout = IvfLayout.of(model, lists, false);
            this.codes = ArrayCodeSource.lists(lists, layout);
        }

        int[] search(float[] q, int nprobe) {
            TopKSink sink = new TopKSink(Metric.L2, K);
            try {
                PqSearch.scanLists(layout, model.pq().adcTable(q, layout.tableMetric(Metric.L2)), q, Metric.L2, nprobe, K, codes, null, sink);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return sink.heap().sorted().ids();
        }
    }

    private static Timed run(Lists index, float[] queries, int nq, int nprobe) {
        int[][] ords = new int[nq][];
        double[] passes = new double[5];
        for (int pass = -2; pass < passes.length; pass++) {
            long start = System.nanoTime();
            for (int q = 0; q < nq; q++) {
                ords[q] = index.search(query(queries, q), nprobe);
            }
            if (pass >= 0) {
                passes[pass] = (System.nanoTime() - start) / 1e6 / nq;
            }
        }
        Arrays.sort(passes);
        return new Timed(ords, passes[passes.length / 2]);
    }

    private static InvertedLists encodeParallel(IvfPqQuantizer model, float[] data, int n) {
        int[] listOf = new int[n];
        byte[] codes = new byte[n * model.codeSize()];
        IntStream.range(0, n).parallel().forEach(i -> listOf[i] = model.encode(data, i * D, codes, i * model.codeSize()));
        InvertedLists.Builder builder = new InvertedLists.Builder(model.nlist(), model.codeSize());
        for (int i = 0; i < n; i++) {
            builder.add(listOf[i], i, codes, i * model.codeSize());
        }
        return builder.build();
    }

    private static String listSizes(InvertedLists lists) {
        int[] sizes = IntStream.range(0, lists.nlist()).map(lists::listSize).sorted().toArray();
        return sizes[0] + "/" + sizes[sizes.length / 2] + "/" + sizes[sizes.length - 1];
    }

    private static float[] query(float[] queries, int q) {
        return Arrays.copyOfRange(queries, q * D, (q + 1) * D);
    }

    private static int[] exactTopK(float[] data, int n, float[] queries, int q) {
        // A tiny top-k over exact distances; ties are irrelevant for continuous data.
        float[] bestD = new float[K];
        int[] bestI = new int[K];
        Arrays.fill(bestD, Float.POSITIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            float dist = VectorMath.squaredDistance(queries, q * D, data, i * D, D);
            if (dist < bestD[K - 1]) {
                int pos = K - 1;
                while (pos > 0 && bestD[pos - 1] > dist) {
                    bestD[pos] = bestD[pos - 1];
                    bestI[pos] = bestI[pos - 1];
                    pos--;
                }
                bestD[pos] = dist;
                bestI[pos] = i;
            }
        }
        return bestI;
    }

    private static double recall(int[][] found, int[][] reference) {
        long hits = 0;
        for (int q = 0; q < found.length; q++) {
            Set<Integer> ref = new HashSet<>();
            for (int ord : reference[q]) {
                ref.add(ord);
            }
            for (int ord : found[q]) {
                if (ref.contains(ord)) {
                    hits++;
                }
            }
        }
        return hits / (double) (found.length * K);
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private IvfPqBenchmark() {}
}
