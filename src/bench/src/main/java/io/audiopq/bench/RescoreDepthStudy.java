package io.audiopq.bench;

import io.audiopq.lucene.PqFormatConfig;
import io.audiopq.lucene.PqKnnQuery;
import io.audiopq.quantization.ArrayCodeSource;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.PqSearch;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.TopKHeap;
import io.audiopq.quantization.TopKSink;
import io.audiopq.quantization.VectorMath;
import io.audiopq.testing.GaussianMixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * How many ADC candidates must be rescored exactly to keep recall@10 as a shard grows: the
 * study behind {@code pq_knn}'s default rescore depth (docs/pq-knn.md). Exact rescoring of the
 * best R candidates by ADC finds a true top-10 neighbour exactly when ADC ranks it within R, so
 * recall@10 after rescoring R is |exact top 10 ∩ ADC top R| / 10.
 *
 * <p>Development data only: Gaussian mixtures from {@link GaussianMixture} with parameters unlike
 * the end-to-end bench's ({@code CompareWithFaiss.generate}: 256 components, rank 16), so the
 * default is not fitted to the data it is benchmarked on. One codebook per configuration, trained
 * on the first 32,768 vectors (as a bundle's codebook is trained once); the shard sizes are
 * prefixes of one sample.
 *
 * <p>{@code RescoreDepthStudy [MAX_N] [NQ]}: default 1,000,000 vectors, 200 queries.
 */
public final class RescoreDepthStudy {

    private static final int K = 10;
    private static final int[] DEPTHS = {10, 20, 40, 80, 120, 160, 240, 320, 480, 640};

    /** A development configuration: dimensions, subspaces, mixture shape and metric. */
    record Config(String name, int d, int m, int components, float sigma, int rank, Metric metric) {}

    private static final Config[] CONFIGS = {
        new Config("D=128 M=16 l2, 1000 comps rank 24", 128, 16, 1000, 0.5f, 24, Metric.L2),
        new Config("D=128 M=16 cosine, 4000 comps rank 32", 128, 16, 4000, 0.6f, 32, Metric.INNER_PRODUCT),
        new Config("D=48 M=8 cosine, 1000 comps rank 12", 48, 8, 1000, 0.5f, 12, Metric.INNER_PRODUCT),
    };

    private RescoreDepthStudy() {}

    public static void main(String[] args) {
        int maxN = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int nq = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int[] sizes = IntStream.of(30_000, 100_000, 300_000, 1_000_000, 3_000_000).filter(s -> s <= maxN).toArray();
        for (Config config : CONFIGS) {
            study(config, sizes, nq);
        }
    }

    private static void study(Config c, int[] sizes, int nq) {
        int maxN = sizes[sizes.length - 1];
        GaussianMixture mixture = new GaussianMixture(c.d, c.components, 1f, c.sigma, c.rank, 101L);
        float[] data = mixture.sample(maxN, 102L);
        float[] queries = mixture.sample(nq, 103L);
        if (c.metric == Metric.INNER_PRODUCT) {
            normalizeRows(data, c.d);
            normalizeRows(queries, c.d);
        }
        ProductQuantizer pq = ProductQuantizer.train(data, Math.min(maxN, 32_768), c.d, c.m, 8, KMeans.Params.DEFAULT);
        byte[] codes = new byte[Math.multiplyExact(maxN, pq.codeSize())];
        IntStream.range(0, maxN).parallel().forEach(i -> pq.encode(data, i * c.d, codes, i * pq.codeSize()));

        System.out.printf(Locale.ROOT, "%n### %s (recall@10 after rescoring the ADC top R; %d queries)%n%n| N |", c.name, nq);
        for (int r : DEPTHS) {
            System.out.printf(Locale.ROOT, " R=%d |", r);
        }
        System.out.printf(Locale.ROOT, " R for 0.95 | R for 0.97 | default R | recall at default R |%n|---|%s---:|---:|---:|---:|%n",
            "---:|".repeat(DEPTHS.length));
        for (int n : sizes) {
            // The depth pq_knn rescores by default for k = 10 on a shard of n vectors: the shipped rule.
            int defaultDepth = (int) PqKnnQuery.rescoreDepth(K, PqFormatConfig.DEFAULT_RESCORE_OVERSAMPLE, true, n);
            int maxDepth = Math.max(DEPTHS[DEPTHS.length - 1], defaultDepth);
            double[] recall = new double[DEPTHS.length + 1];
            IntStream.range(0, nq).parallel().mapToObj(q -> {
                float[] query = Arrays.copyOfRange(queries, q * c.d, (q + 1) * c.d);
                int[] exact = exactTopK(data, n, c.d, query, c.metric);
                int[] adc = adcTop(pq, codes, n, query, c.metric, maxDepth);
                double[] hits = new double[DEPTHS.length + 1];
                for (int t = 0; t <= DEPTHS.length; t++) {
                    int depth = t < DEPTHS.length ? DEPTHS[t] : defaultDepth;
                    hits[t] = Arrays.stream(exact).filter(e -> contains(adc, depth, e)).count() / (double) K;
                }
                return hits;
            }).forEach(h -> {
                synchronized (recall) {
                    for (int t = 0; t < h.length; t++) {
                        recall[t] += h[t] / nq;
                    }
                }
            });
            System.out.printf(Locale.ROOT, "| %d |", n);
            for (int t = 0; t < DEPTHS.length; t++) {
                System.out.printf(Locale.ROOT, " %.3f |", recall[t]);
            }
            System.out.printf(Locale.ROOT, " %s | %s | %d | %.3f |%n", depthFor(recall, 0.95), depthFor(recall, 0.97), defaultDepth,
                recall[DEPTHS.length]);
        }
    }

    /** The ADC top {@code depth} by the shipped exhaustive 8-bit scan. */
    private static int[] adcTop(ProductQuantizer pq, byte[] codes, int n, float[] query, Metric metric, int depth) {
        TopKSink sink = new TopKSink(metric, depth);
        try {
            PqSearch.scan(pq.adcTable(query, metric), ArrayCodeSource.ordMajor(codes, n, pq.codeSize()), n, false, depth, null, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.heap().sorted().ids();
    }

    private static String depthFor(double[] recall, double target) {
        for (int t = 0; t < DEPTHS.length; t++) {
            if (recall[t] >= target) {
                return Integer.toString(DEPTHS[t]);
            }
        }
        return "> " + DEPTHS[DEPTHS.length - 1];
    }

    private static boolean contains(int[] ids, int depth, int id) {
        for (int i = 0; i < Math.min(depth, ids.length); i++) {
            if (ids[i] == id) {
                return true;
            }
        }
        return false;
    }

    private static int[] exactTopK(float[] data, int n, int d, float[] query, Metric metric) {
        TopKHeap heap = TopKHeap.forMetric(metric, K);
        for (int i = 0; i < n; i++) {
            heap.offer(i, metric == Metric.L2 ? VectorMath.squaredDistance(query, 0, data, i * d, d) : VectorMath.dot(query, 0, data, i * d, d));
        }
        return heap.sorted().ids();
    }

    private static void normalizeRows(float[] v, int d) {
        for (int i = 0; i < v.length; i += d) {
            double norm = Math.sqrt(VectorMath.dot(v, i, v, i, d));
            for (int j = 0; j < d; j++) {
                v[i + j] = (float) (v[i + j] / norm);
            }
        }
    }
}
