package io.audiopq.quantization;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times product-quantiser training (k-means per subspace) on a Gaussian mixture. Not a unit test:
 * it prints figures and asserts nothing.
 *
 * <pre>
 * mvn -B -ntp -o test-compile
 * java --add-modules jdk.incubator.vector -cp "src/bench/target/classes:$(cat target/bench/classpath.txt)" \
 *     io.audiopq.quantization.TrainingBenchmark [n=4096] [D=384] [M=16] [nbits=8] [iterations=25] [repeats=3]
 * </pre>
 */
public final class TrainingBenchmark {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 384;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int nbits = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int iterations = args.length > 4 ? Integer.parseInt(args[4]) : 25;
        int repeats = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        SplittableRandom random = new SplittableRandom(7);
        float[][] centres = new float[64][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) random.nextGaussian();
            }
        }
        float[] data = new float[n * d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[random.nextInt(centres.length)];
            for (int j = 0; j < d; j++) {
                data[i * d + j] = c[j] + 0.5f * (float) random.nextGaussian();
            }
        }
        KMeans.Params params = KMeans.Params.DEFAULT.withIterations(iterations);
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            ProductQuantizer pq = ProductQuantizer.train(data, n, d, m, nbits, params);
            long trained = System.nanoTime();
            double error = pq.quantizationError(data, n);
            long end = System.nanoTime();
            System.out.printf(Locale.ROOT, "n=%d D=%d M=%d nbits=%d iterations=%d: train %.2f s, encode %.1f ms (%.1f us/vector), MSE %.5f, id %s%n",
                n, d, m, nbits, iterations, (trained - start) / 1e9, (end - trained) / 1e6, (end - trained) / 1e3 / n, error, pq.id());
        }
    }
}
