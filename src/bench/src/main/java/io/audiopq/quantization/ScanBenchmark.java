package io.audiopq.quantization;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Scan speed in nanoseconds per code (scores are per code: one invocation scans all N codes),
 * one thread, N = 1M random codes, for the 8-bit kernels and the 4-bit fast scan. Code values do
 * not change the work done (the tables stay in L1), so random codes measure the same thing as
 * trained ones; top-k variants keep k = 10.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ScanBenchmark.N)
@Fork(value = 1, jvmArgsAppend = { "--add-modules", "jdk.incubator.vector", "-Xmx3g" })
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ScanBenchmark {

    static final int N = 1_000_000;
    static final int K = 10;

    @Param({ "8", "16", "32", "64" })
    public int m;

    private AdcTable table8;
    private byte[] codes8;
    private AdcTable table4;
    private QuantizedAdcTable quantized4;
    private FastScanCodes codes4;
    private CodeSource source8;
    private CodeSource source4;
    private float[] distances;
    private short[] sums;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(42);
        table8 = randomTable(random, 256);
        codes8 = randomCodes(random, 256);
        table4 = randomTable(random, 16);
        quantized4 = QuantizedAdcTable.quantize(table4);
        byte[] unpacked4 = randomCodes(random, 16);
        codes4 = FastScanCodes.pack(unpacked4, N, m);
        source8 = ArrayCodeSource.ordMajor(codes8, N, m);
        source4 = ArrayCodeSource.fastScan(unpacked4, N, m);
        distances = new float[N];
        sums = new short[codes4.blocks() * FastScanCodes.BLOCK];
    }

    private AdcTable randomTable(SplittableRandom random, int ksub) {
        float[] values = new float[m * ksub];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(0, 4);
        }
        return new AdcTable(Metric.L2, m, ksub, values);
    }

    private byte[] randomCodes(SplittableRandom random, int ksub) {
        byte[] codes = new byte[N * m];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(ksub);
        }
        return codes;
    }

    /** 8-bit: the default kernel (8 codes interleaved, one table row per subspace), all distances. */
    @Benchmark
    public float[] adc8Distances() {
        AdcScan.distances(table8, codes8, 0, N, distances);
        return distances;
    }

    /** 8-bit: the previous default, 8 codes interleaved over the flat table (for before/after). */
    @Benchmark
    public float[] adc8Flat() {
        FlatAdcKernel.distances(table8.values(), m, 256, codes8, 0, N, distances, 0);
        return distances;
    }

    /** 8-bit: the reader's exhaustive search loop ({@link PqSearch}) with top-k selection (what a query does). */
    @Benchmark
    public TopKHeap adc8Search() throws IOException {
        TopKSink sink = new TopKSink(Metric.L2, K);
        PqSearch.scan(table8, source8, N, false, K, null, sink);
        return sink.heap();
    }

    /** 8-bit: one code at a time, as AdcTable.distance. */
    @Benchmark
    public float[] adc8Reference() {
        AdcScan.distancesReference(table8, codes8, 0, N, distances);
        return distances;
    }

    /** 8-bit: Vector API, one gather per code (M a multiple of the float lane count, else skipped). */
    @Benchmark
    public float[] adc8Gather() {
        if (AdcGatherKernel.supports(m)) {
            AdcGatherKernel.distances(table8, codes8, 0, N, distances);
        }
        return distances;
    }

    /** 4-bit fast scan: the 16-bit sums of every code. */
    @Benchmark
    public short[] fastScan4Sums() {
        FastScanScanner.scoreBlocks(quantized4, codes4, 0, codes4.blocks(), sums);
        return sums;
    }

    /** 4-bit: the reader's fast-scan search loop ({@link PqSearch}): table quantisation, k × 8 candidates re-ranked exactly. */
    @Benchmark
    public TopKHeap fastScan4Search() throws IOException {
        TopKSink sink = new TopKSink(Metric.L2, K);
        PqSearch.scan(table4, source4, N, true, K, null, sink);
        return sink.heap();
    }

    /** 4-bit: the scalar reference kernel over the same layout. */
    @Benchmark
    public short[] fastScan4Scalar() {
        FastScanScanner.scoreBlocksScalar(quantized4, codes4, 0, codes4.blocks(), sums);
        return sums;
    }
}
