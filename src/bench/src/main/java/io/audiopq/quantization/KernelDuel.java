package io.audiopq.quantization;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A load-tolerant companion to {@link ScanBenchmark}: runs the 8-bit kernels round-robin over the
 * same N = 1M random codes and reports each one's thread CPU time and wall time per code (minimum
 * and median over the rounds). On a shared, loaded machine CPU time is far steadier than JMH's
 * wall time, and alternating the kernels exposes them to the same load.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... io.audiopq.quantization.KernelDuel [M=16] [ROUNDS=15]</pre>
 */
public final class KernelDuel {

    private KernelDuel() {}

    public static void main(String[] args) {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int n = 1_000_000;
        SplittableRandom random = new SplittableRandom(42);
        float[] values = new float[m * 256];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(0, 4);
        }
        AdcTable table = new AdcTable(Metric.L2, m, 256, values);
        byte[] codes = new byte[n * m];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(256);
        }
        float[] out = new float[n];
        float[] reference = new float[n];
        AdcScan.distancesReference(table, codes, 0, n, reference);
        Map<String, Runnable> kernels = new LinkedHashMap<>();
        kernels.put("reference", () -> AdcScan.distancesReference(table, codes, 0, n, out));
        kernels.put("flat (old)", () -> FlatAdcKernel.distances(values, m, 256, codes, 0, n, out, 0));
        kernels.put("rows (new)", () -> AdcScan.distances(table, codes, 0, n, out));
        CodeSource source = ArrayCodeSource.ordMajor(codes, n, m);
        kernels.put("search k=10", () -> {
            // The reader's exhaustive loop (PqSearch), as FAISS IndexPQ's search is theirs.
            TopKSink sink = new TopKSink(Metric.L2, 10);
            try {
                PqSearch.scan(table, source, n, false, 10, null, sink);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, double[]> cpu = new LinkedHashMap<>(), wall = new LinkedHashMap<>();
        for (int w = 0; w < 5; w++) {
            kernels.values().forEach(Runnable::run);
        }
        for (var e : kernels.entrySet()) {
            Arrays.fill(out, Float.NaN);
            e.getValue().run();
            if (e.getKey().startsWith("search") == false && Arrays.equals(out, reference) == false) {
                throw new AssertionError(e.getKey() + " is not bit-exact with the reference");
            }
            cpu.put(e.getKey(), new double[rounds]);
            wall.put(e.getKey(), new double[rounds]);
        }
        for (int round = 0; round < rounds; round++) {
            for (var e : kernels.entrySet()) {
                long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                e.getValue().run();
                cpu.get(e.getKey())[round] = (mx.getCurrentThreadCpuTime() - c0) / (double) n;
                wall.get(e.getKey())[round] = (System.nanoTime() - w0) / (double) n;
            }
        }
        System.out.printf(Locale.ROOT, "M=%d, N=%d, %d rounds; ns/code: cpu min, cpu median, wall min, wall median%n", m, n, rounds);
        for (String k : kernels.keySet()) {
            double[] c = cpu.get(k), wl = wall.get(k);
            Arrays.sort(c);
            Arrays.sort(wl);
            System.out.printf(Locale.ROOT, "%-12s %7.2f %7.2f %7.2f %7.2f%n", k, c[0], c[rounds / 2], wl[0], wl[rounds / 2]);
        }
    }
}
