package io.audiopq.bench;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.ArrayCodeSource;
import io.audiopq.quantization.CodeSource;
import io.audiopq.quantization.InvertedLists;
import io.audiopq.quantization.IvfLayout;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.Metric;
import io.audiopq.quantization.PqSearch;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.TopKSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The Java side of the FAISS comparison (src/scripts/bench.sh faiss runs both sides).
 *
 * <ul>
 *   <li>{@code generate FILE N NQ NTRAIN D SEED}: a Gaussian mixture (256 components) written as
 *       little-endian int32 N, NQ, NTRAIN, D, then float32 base, queries and training sample.</li>
 *   <li>{@code run FILE GT_FILE FAISS_TSV}: trains our PQs on the same training sample, encodes the
 *       base, times one thread of search and prints a markdown table beside FAISS's numbers, with
 *       recall@10 against the exact top 10 that faiss_compare.py computed.</li>
 * </ul>
 * Our side is {@link PqSearch}, the loops the Lucene reader runs in the plugin, over in-memory
 * codes ({@link ArrayCodeSource}) into a {@link TopKSink}: exhaustive 8-bit, exhaustive 4-bit fast
 * scan with the reader's exact re-ranking of {@value PqSearch#FAST_SCAN_RERANK_FACTOR} × k
 * candidates, and IVF lists with the precomputed residual L2 terms.
 */
public final class CompareWithFaiss {

    private static final int K = 10;

    record Dataset(int n, int nq, int ntrain, int d, float[] base, float[] queries, float[] train) {}

    private static final int NLIST = 1024;
    private static final int[] NPROBES = { 1, 4, 8, 16, 32, 64 };

    /**
     * recallVsAll: recall@10 against the same index's exhaustive top 10 (IVF: nprobe = nlist);
     * recallVsPq: against flat 8-bit PQ's top 10 (M=16); -1 where not measured. found: sorted ids.
     */
    private record Result(double msPerQuery, double recall, double buildSeconds, double recallVsAll, double recallVsPq, int[][] found) {
        Result(double msPerQuery, double recall, double buildSeconds) {
            this(msPerQuery, recall, buildSeconds, -1, -1, null);
        }

        Result against(int[][] all, int[][] pq) {
            return new Result(msPerQuery, recall, buildSeconds, recallOf(found, all), recallOf(found, pq), found);
        }
    }

    private CompareWithFaiss() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 7 && args[0].equals("generate")) {
            generate(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]), Long.parseLong(args[6]));
        } else if (args.length == 4 && args[0].equals("run")) {
            run(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
        } else {
            System.err.println("usage: CompareWithFaiss generate FILE N NQ NTRAIN D SEED | run FILE GT_FILE FAISS_TSV");
            System.exit(2);
        }
    }

    static void generate(Path file, int n, int nq, int ntrain, int d, long seed) throws IOException {
        // Real embeddings have a low intrinsic dimension: each point is its component's centre plus
        // a component-specific 16-dimensional subspace, plus a little isotropic noise. (Isotropic
        // clusters in 128 dimensions have no neighbour structure that any 16-byte code can keep.)
        int components = 256, rank = 16;
        SplittableRandom random = new SplittableRandom(seed);
        float[] centers = gaussian(random, components * d, 1.0);
        float[] bases = gaussian(random, components * rank * d, 1.0 / Math.sqrt(rank));
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(n).putInt(nq).putInt(ntrain).putInt(d).flip();
            out.write(header);
            ByteBuffer row = ByteBuffer.allocate(d * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long total = (long) n + nq + ntrain;
            for (long i = 0; i < total; i++) {
                int c = random.nextInt(components);
                float[] x = new float[d];
                System.arraycopy(centers, c * d, x, 0, d);
                for (int r = 0; r < rank; r++) {
                    float z = (float) random.nextGaussian();
                    for (int k = 0, b = (c * rank + r) * d; k < d; k++) {
                        x[k] += z * bases[b + k];
                    }
                }
                row.clear();
                for (int k = 0; k < d; k++) {
                    row.putFloat(x[k] + 0.05f * (float) random.nextGaussian());
                }
                row.flip();
                while (row.hasRemaining()) {
                    out.write(row);
                }
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s: N=%d NQ=%d NTRAIN=%d D=%d%n", file, n, nq, ntrain, d);
    }

    private static float[] gaussian(SplittableRandom random, int count, double sigma) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (sigma * random.nextGaussian());
        }
        return v;
    }

    static Dataset read(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            in.read(header, 0);
            header.flip();
            int n = header.getInt(), nq = header.getInt(), ntrain = header.getInt(), d = header.getInt();
            long offset = 16;
            float[] base = readFloats(in, offset, (long) n * d);
            offset += (long) n * d * Float.BYTES;
            float[] queries = readFloats(in, offset, (long) nq * d);
            offset += (long) nq * d * Float.BYTES;
            float[] train = readFloats(in, offset, (long) ntrain * d);
            return new Dataset(n, nq, ntrain, d, base, queries, train);
        }
    }

    private static float[] readFloats(FileChannel in, long offset, long count) throws IOException {
        float[] out = new float[Math.toIntExact(count)];
        int chunk = 1 << 24;
        for (long start = 0; start < count; start += chunk) {
            int len = (int) Math.min(chunk, count - start);
            FloatBuffer floats = in.map(FileChannel.MapMode.READ_ONLY, offset + start * Float.BYTES, (long) len * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
            floats.get(out, (int) start, len);
        }
        return out;
    }

    static void run(Path dataFile, Path gtFile, Path faissTsv) throws IOException {
        Dataset data = read(dataFile);
        int[] truth = readInts(gtFile, data.nq() * K);
        Map<String, Result> faiss = readFaiss(faissTsv);
        Map<String, Result> ours = new HashMap<>();

        ProductQuantizer pq8 = train(data, 16, 8);
        long start = System.nanoTime();
        byte[] codes8 = encode(pq8, data);
        double encode8 = seconds(start);
        ours.put("pq8_m16", search(data, truth, pq8.dimension(),
            q -> exhaustive(pq8.adcTable(q, Metric.L2), ArrayCodeSource.ordMajor(codes8, data.n(), 16), data.n(), false), encode8));
        int[][] pqTop = ours.get("pq8_m16").found();

        for (int m : new int[] { 16, 32 }) {
            ProductQuantizer pq4 = train(data, m, 4);
            start = System.nanoTime();
            byte[] unpacked = encode(pq4, data);
            ArrayCodeSource codes4 = ArrayCodeSource.fastScan(unpacked, data.n(), m);
            double encode4 = seconds(start);
            ours.put("fastscan4_m" + m, search(data, truth, pq4.dimension(),
                q -> exhaustive(pq4.adcTable(q, Metric.L2), codes4, data.n(), true), encode4));
        }

        // IVF-PQ like FAISS's IndexIVFPQ(IndexFlatL2, D, NLIST, 16, 8): residual codes, the
        // precomputed L2 table, both trained on the same sample.
        start = System.nanoTime();
        IvfPqQuantizer ivfModel = IvfPqQuantizer.train(data.train(), data.ntrain(), data.d(), NLIST, 16, 8,
            IvfPqQuantizer.Encoding.RESIDUAL, KMeans.Params.DEFAULT);
        double ivfTrain = seconds(start);
        start = System.nanoTime();
        InvertedLists lists = encodeLists(ivfModel, data);
        IvfLayout layout = IvfLayout.of(ivfModel, lists, false);
        ArrayCodeSource ivfCodes = ArrayCodeSource.lists(lists, layout);
        System.out.printf(Locale.ROOT, "ours: trained IVF-PQ nlist=%d M=16 in %.1f s, encoded in %.1f s%n", NLIST, ivfTrain, seconds(start));
        double ivfBuild = ivfTrain + seconds(start);
        Result all = search(data, truth, data.d(), q -> lists(ivfModel, layout, ivfCodes, q, NLIST), ivfBuild);
        for (int nprobe : NPROBES) {
            ours.put("ivfpq_nprobe" + nprobe, search(data, truth, data.d(), q -> lists(ivfModel, layout, ivfCodes, q, nprobe), ivfBuild)
                .against(all.found(), pqTop));
        }
        ours.put("ivfpq_nprobe" + NLIST, all.against(all.found(), pqTop));
        printTable(data, ours, faiss);
    }

    /** The reader's exhaustive scan over {@code codes}: the k = 10 best ords by L2. */
    private static int[] exhaustive(AdcTable table, CodeSource codes, int n, boolean fastScan) {
        TopKSink sink = new TopKSink(Metric.L2, K);
        try {
            PqSearch.scan(table, codes, n, fastScan, K, null, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.heap().sorted().ids();
    }

    /** The reader's IVF scan: the k = 10 best ords by L2 in the nprobe lists nearest {@code q}. */
    private static int[] lists(IvfPqQuantizer model, IvfLayout layout, CodeSource codes, float[] q, int nprobe) {
        TopKSink sink = new TopKSink(Metric.L2, K);
        try {
            PqSearch.scanLists(layout, model.pq().adcTable(q, layout.tableMetric(Metric.L2)), q, Metric.L2, nprobe, K, codes, null, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sink.heap().sorted().ids();
    }

    private static ProductQuantizer train(Dataset data, int m, int nbits) {
        long start = System.nanoTime();
        ProductQuantizer pq = ProductQuantizer.train(data.train(), data.ntrain(), data.d(), m, nbits, KMeans.Params.DEFAULT);
        System.out.printf(Locale.ROOT, "ours: trained PQ M=%d nbits=%d in %.1f s%n", m, nbits, seconds(start));
        return pq;
    }

    /** Encodes the base on all cores: only search is timed single-threaded. */
    private static byte[] encode(ProductQuantizer pq, Dataset data) {
        byte[] codes = new byte[data.n() * pq.m()];
        int chunk = 4096;
        IntStream.range(0, (data.n() + chunk - 1) / chunk).parallel().forEach(c -> {
            for (int i = c * chunk, end = Math.min(data.n(), i + chunk); i < end; i++) {
                pq.encode(data.base(), i * data.d(), codes, i * pq.m());
            }
        });
        return codes;
    }

    /** Encodes the base into inverted lists on all cores (ords = row numbers). */
    private static InvertedLists encodeLists(IvfPqQuantizer model, Dataset data) {
        int n = data.n(), d = data.d(), codeSize = model.codeSize();
        int[] listOf = new int[n];
        byte[] codes = new byte[n * codeSize];
        IntStream.range(0, n).parallel().forEach(i -> listOf[i] = model.encode(data.base(), i * d, codes, i * codeSize));
        InvertedLists.Builder builder = new InvertedLists.Builder(model.nlist(), codeSize);
        for (int i = 0; i < n; i++) {
            builder.add(listOf[i], i, codes, i * codeSize);
        }
        return builder.build();
    }

    /** Mean fraction of each reference top 10 found; -1 without a reference. */
    private static double recallOf(int[][] found, int[][] reference) {
        if (found == null || reference == null) {
            return -1;
        }
        double sum = 0;
        for (int q = 0; q < found.length; q++) {
            int hits = 0;
            for (int id : found[q]) {
                for (int r : reference[q]) {
                    hits += r == id ? 1 : 0;
                }
            }
            sum += hits / (double) K;
        }
        return sum / found.length;
    }

    /** Times every query once after a warm-up of at least 30 queries and 3 s (the JIT compiles the kernels meanwhile). */
    private static Result search(Dataset data, int[] truth, int d, Function<float[], int[]> searcher, double buildSeconds) {
        List<float[]> queries = new ArrayList<>();
        for (int i = 0; i < data.nq(); i++) {
            float[] q = new float[d];
            System.arraycopy(data.queries(), i * d, q, 0, d);
            queries.add(q);
        }
        long warmUpStart = System.nanoTime();
        for (int i = 0; i < 30 || System.nanoTime() - warmUpStart < 3_000_000_000L; i++) {
            searcher.apply(queries.get(i % queries.size()));
        }
        int[][] found = new int[queries.size()][];
        long start = System.nanoTime();
        for (int i = 0; i < queries.size(); i++) {
            found[i] = searcher.apply(queries.get(i));
        }
        double ms = (System.nanoTime() - start) / 1e6 / queries.size();
        double recall = 0;
        for (int i = 0; i < found.length; i++) {
            int hits = 0;
            for (int id : found[i]) {
                for (int t = 0; t < K; t++) {
                    hits += truth[i * K + t] == id ? 1 : 0;
                }
            }
            recall += hits / (double) K;
        }
        return new Result(ms, recall / found.length, buildSeconds, -1, -1, found);
    }

    private static void printTable(Dataset data, Map<String, Result> ours, Map<String, Result> faiss) {
        System.out.printf(Locale.ROOT, "%n### AudioPQ vs FAISS: N=%,d, D=%d, %d queries, k=%d, one thread%n%n", data.n(), data.d(), data.nq(), K);
        System.out.println("| index | ours ms/query | ours ns/code | FAISS ms/query | ratio ours/FAISS | ours recall@10 | FAISS recall@10 |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        String[][] rows = {
            { "PQ M=16 8-bit, exhaustive (FAISS IndexPQ)", "pq8_m16", "pq8_m16" },
            { "PQ M=16 4-bit fast scan + exact re-rank of 8k (FAISS IndexPQFastScan, no re-rank)", "fastscan4_m16", "fastscan4_m16" },
            { "PQ M=32 4-bit fast scan + exact re-rank of 8k (FAISS IndexPQFastScan, no re-rank)", "fastscan4_m32", "fastscan4_m32" } };
        for (String[] row : rows) {
            Result o = ours.get(row[1]);
            Result f = faiss.get(row[2]);
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.2f | %s | %s | %.3f | %s |%n", row[0], o.msPerQuery(), o.msPerQuery() * 1e6 / data.n(),
                f == null ? "-" : String.format(Locale.ROOT, "%.3f", f.msPerQuery()),
                f == null ? "-" : String.format(Locale.ROOT, "%.2f", o.msPerQuery() / f.msPerQuery()), o.recall(),
                f == null ? "-" : String.format(Locale.ROOT, "%.3f", f.recall()));
        }
        Result pq8Ours = ours.get("pq8_m16"), pq8Faiss = faiss.get("pq8_m16");
        System.out.printf(Locale.ROOT, "%n### IVF-PQ nlist=%d, M=16, 8-bit, residual codes (FAISS IndexIVFPQ) vs our PqSearch over lists%n%n", NLIST);
        System.out.println("\"vs all lists\": recall@10 against the same index's top 10 with nprobe = nlist (exhaustive over the same codes); "
            + "\"vs flat PQ\": against the flat 8-bit M=16 scan's top 10 (ours / IndexPQ); \"speed-up\": the flat 8-bit M=16 scan's time / this time, each side against its own flat scan.");
        System.out.println();
        System.out.println("| nprobe | ours ms/query | FAISS ms/query | ratio ours/FAISS | ours recall@10 | FAISS recall@10 | ours vs all lists | FAISS vs all lists | ours vs flat PQ | FAISS vs flat PQ | ours speed-up | FAISS speed-up |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        int[] nprobes = Arrays.copyOf(NPROBES, NPROBES.length + 1);
        nprobes[NPROBES.length] = NLIST;
        for (int nprobe : nprobes) {
            Result o = ours.get("ivfpq_nprobe" + nprobe);
            Result f = faiss.get("ivfpq_nprobe" + nprobe);
            System.out.printf(Locale.ROOT, "| %d | %.3f | %s | %s | %.3f | %s | %.3f | %s | %.3f | %s | %.1fx | %s |%n", nprobe, o.msPerQuery(),
                f == null ? "-" : fmt("%.3f", f.msPerQuery()), f == null ? "-" : fmt("%.2f", o.msPerQuery() / f.msPerQuery()),
                o.recall(), f == null ? "-" : fmt("%.3f", f.recall()), o.recallVsAll(), f == null ? "-" : fmt("%.3f", f.recallVsAll()),
                o.recallVsPq(), f == null ? "-" : fmt("%.3f", f.recallVsPq()), pq8Ours.msPerQuery() / o.msPerQuery(),
                f == null || pq8Faiss == null ? "-" : fmt("%.1fx", pq8Faiss.msPerQuery() / f.msPerQuery()));
        }
        Result flat = faiss.get("flat");
        if (flat != null) {
            System.out.printf(Locale.ROOT, "%nExact search (FAISS IndexFlatL2, one thread, for scale): %.3f ms/query.%n", flat.msPerQuery());
        }
        Result pq8 = ours.get("pq8_m16"), fs16 = ours.get("fastscan4_m16");
        System.out.printf(Locale.ROOT, "Our 4-bit fast scan vs our 8-bit scan at M=16: %.1fx faster per query (table build included).%n",
            pq8.msPerQuery() / fs16.msPerQuery());
    }

    private static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

    private static Map<String, Result> readFaiss(Path tsv) throws IOException {
        Map<String, Result> rows = new HashMap<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("#") || line.isBlank()) {
                if (line.startsWith("# faiss")) {
                    System.out.println(line.substring(2));
                }
                continue;
            }
            String[] f = line.split("\t");
            rows.put(f[0], f.length >= 6
                ? new Result(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), null)
                : new Result(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])));
        }
        return rows;
    }

    private static int[] readInts(Path file, int count) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.remaining() != count * Integer.BYTES) {
            throw new IOException(file + " holds " + bytes.remaining() + " bytes, expected " + count * Integer.BYTES);
        }
        int[] out = new int[count];
        bytes.asIntBuffer().get(out);
        return out;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
