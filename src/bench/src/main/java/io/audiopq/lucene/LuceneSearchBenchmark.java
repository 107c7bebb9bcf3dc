package io.audiopq.lucene;

import io.audiopq.quantization.KMeans;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Time per query of {@link PqKnnQuery} (k = 10, pure ADC: no rescoring) through a plain
 * {@link IndexSearcher}, one thread, on one segment of clustered vectors: wall and thread CPU time
 * of three passes after a warm-up, and their median CPU time. Not a unit test: it
 * prints figures and asserts nothing. Uses reflection for what older builds lack, so the same
 * class measures a build from before IVF.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "src/bench/target/classes:$(cat target/bench/classpath.txt)" \
 *     io.audiopq.lucene.LuceneSearchBenchmark [n=200000] [D=128] [nbits=8] [nlist=0] [nprobes=1,4,16] [nq=200] [segment|global]
 * </pre>
 * {@code segment} (the default) trains IVF per segment (residual codes); {@code global} provides one
 * IVF model with direct codes, as a bundle made by the tools does.
 */
public final class LuceneSearchBenchmark {

    private static final int TIMED_ROUNDS = 3;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int nbits = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int nlist = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        String[] nprobes = (args.length > 4 ? args[4] : "0").split(",");
        int nq = args.length > 5 ? Integer.parseInt(args[5]) : 200;
        Random random = new Random(42);
        float[][] data = PqTestData.clustered(random, n, d, 256, 0.6f, false);
        float[][] queries = new float[nq][];
        for (int q = 0; q < nq; q++) {
            queries[q] = data[random.nextInt(n)].clone();
            for (int j = 0; j < d; j++) {
                queries[q][j] += 0.3f * (float) random.nextGaussian();
            }
        }
        PqFormatConfig config = PqFormatConfig.DEFAULT.withDefaultM(16)
            .withDefaultNbits(nbits)
            .withStoreRaw(false)
            .withTrainingParams(new KMeans.Params(10, 42L, 16_384, true));
        boolean global = args.length > 6 && args[6].equals("global");
        if (nlist > 0 && global) {
            // Global IVF as a bundle gives it (the tools' default): centroids and a codebook of the
            // vectors themselves (direct codes), trained once on a sample.
            int sampleSize = Math.min(n, 32_768);
            float[] sample = new float[sampleSize * d];
            for (int i = 0; i < sampleSize; i++) {
                System.arraycopy(data[i], 0, sample, i * d, d);
            }
            config = config.withIvf(io.audiopq.quantization.IvfPqQuantizer.train(
                sample, sampleSize, d, nlist, 16, nbits, io.audiopq.quantization.IvfPqQuantizer.Encoding.DIRECT, config.trainingParams()
            ));
        } else if (nlist > 0) {
            config = config.withNlist(nlist);
        }
        Path path = Files.createTempDirectory("pq-bench");
        try (Directory dir = new MMapDirectory(path)) {
            long start = System.nanoTime();
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(PqTestData.codec(new PqVectorsFormat(config)))
                .setRAMBufferSizeMB(4096)
                .setMergePolicy(NoMergePolicy.INSTANCE);
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                PqTestData.addAll(writer, data, VectorSimilarityFunction.EUCLIDEAN, 0);
            }
            double indexSeconds = (System.nanoTime() - start) / 1e9;
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                searcher.setQueryCache(null);
                TopDocs[] exhaustive = new TopDocs[nq];
                for (String nprobeArg : nprobes) {
                    int nprobe = Integer.parseInt(nprobeArg);
                    // Warm-up, then TIMED_ROUNDS timed passes: wall time and the thread's CPU time (the
                    // searcher runs on this thread), whose median is steadier on a shared machine.
                    double[] cpuMs = new double[TIMED_ROUNDS];
                    for (int round = 0; round <= TIMED_ROUNDS; round++) {
                        long t0 = System.nanoTime();
                        long c0 = THREADS.getCurrentThreadCpuTime();
                        double recall = 0;
                        for (int q = 0; q < nq; q++) {
                            TopDocs hits = searcher.search(query(queries[q], nprobe), 10);
                            if (nprobe == 0 || nprobe >= nlist) {
                                exhaustive[q] = hits;
                            }
                            if (exhaustive[q] != null) {
                                recall += overlap(hits, exhaustive[q]) / 10.0 / nq;
                            }
                        }
                        double ms = (System.nanoTime() - t0) / 1e6 / nq;
                        double cpu = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6 / nq;
                        if (round > 0) {
                            cpuMs[round - 1] = cpu;
                            System.out.printf(Locale.ROOT, "n=%d D=%d M=16 nbits=%d nlist=%d nprobe=%s round %d: %.3f ms/query wall, %.3f ms/query CPU, recall@10 vs exhaustive %.3f (index %.1f s, %d segment)%n",
                                n, d, nbits, nlist, nprobe == 0 ? "-" : nprobe, round, ms, cpu, recall, indexSeconds, reader.leaves().size());
                        }
                    }
                    java.util.Arrays.sort(cpuMs);
                    System.out.printf(Locale.ROOT, "n=%d D=%d M=16 nbits=%d nlist=%d (%s) nprobe=%s: median %.3f ms/query CPU, segment scan alone %.3f%n",
                        n, d, nbits, nlist, global ? "global" : "segment", nprobe == 0 ? "-" : nprobe, cpuMs[TIMED_ROUNDS / 2], scanCpuMs(reader, queries, nprobe));
                }
            }
        } finally {
            IOUtils.rm(path);
        }
    }

    /**
     * Median thread CPU ms per query of the segment scan alone ({@link PqVectorsReader#searchWithTable},
     * tables built beforehand): what the code layout and kernel cost, without the query's set-up.
     */
    private static double scanCpuMs(DirectoryReader reader, float[][] queries, int nprobe) throws Exception {
        PqVectorsReader pq = PqVectorsReader.forField(reader.leaves().get(0).reader(), PqTestData.FIELD);
        io.audiopq.quantization.AdcTable[] tables = new io.audiopq.quantization.AdcTable[queries.length];
        for (int q = 0; q < queries.length; q++) {
            tables[q] = pq.adcTable(PqTestData.FIELD, queries[q]);
        }
        int probes = nprobe == 0 ? PqVectorsReader.FIELD_DEFAULT_NPROBE : nprobe;
        double[] cpuMs = new double[TIMED_ROUNDS];
        for (int round = 0; round <= TIMED_ROUNDS; round++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            for (int q = 0; q < queries.length; q++) {
                org.apache.lucene.search.TopKnnCollector collector = new org.apache.lucene.search.TopKnnCollector(10, Integer.MAX_VALUE);
                pq.searchWithTable(PqTestData.FIELD, tables[q], queries[q], collector, null, 0f, probes);
            }
            if (round > 0) {
                cpuMs[round - 1] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6 / queries.length;
            }
        }
        java.util.Arrays.sort(cpuMs);
        return cpuMs[TIMED_ROUNDS / 2];
    }

    private static Query query(float[] vector, int nprobe) throws Exception {
        if (nprobe == 0) {
            return new PqKnnQuery(PqTestData.FIELD, vector, 10, null, 0f);
        }
        Constructor<PqKnnQuery> withNprobe = PqKnnQuery.class.getConstructor(String.class, float[].class, int.class, Query.class, float.class, int.class);
        return withNprobe.newInstance(PqTestData.FIELD, vector, 10, null, 0f, nprobe);
    }

    private static int overlap(TopDocs a, TopDocs b) {
        int hits = 0;
        for (var x : a.scoreDocs) {
            for (var y : b.scoreDocs) {
                if (x.doc == y.doc) {
                    hits++;
                    break;
                }
            }
        }
        return hits;
    }
}
