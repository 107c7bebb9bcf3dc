package io.audiopq.quantization;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-query cost of building the ADC table (K × D work), in microseconds, and for 4-bit codes of
 * also quantising it for fast scan. Centroid values do not change the work, so they are random.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = { "--add-modules", "jdk.incubator.vector" })
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AdcTableBenchmark {

    @Param({ "128", "384" })
    public int d;

    @Param({ "16", "32" })
    public int m;

    @Param({ "8", "4" })
    public int nbits;

    private ProductQuantizer pq;
    private float[] query;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(7);
        float[] centroids = new float[d << nbits];
        for (int i = 0; i < centroids.length; i++) {
            centroids[i] = (float) random.nextGaussian();
        }
        pq = new ProductQuantizer(d, m, nbits, centroids);
        query = new float[d];
        for (int i = 0; i < d; i++) {
            query[i] = (float) random.nextGaussian();
        }
    }

    @Benchmark
    public AdcTable adcTableL2() {
        return pq.adcTable(query, Metric.L2);
    }

    @Benchmark
    public AdcTable adcTableInnerProduct() {
        return pq.adcTable(query, Metric.INNER_PRODUCT);
    }

    /** Table plus its uint8 quantisation: the fast scan's per-query set-up (4-bit only; 8-bit rows repeat adcTableL2). */
    @Benchmark
    public Object adcTableQuantized() {
        AdcTable table = pq.adcTable(query, Metric.L2);
        return nbits == 4 ? QuantizedAdcTable.quantize(table) : table;
    }
}
