package io.audiopq.model;

import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small trained codebooks and bundle folders for tests. */
public final class BundleFixtures {

    private BundleFixtures() {}

    /** A PQ trained on Gaussian vectors (enough of them for k-means, few enough to be quick). */
    public static ProductQuantizer trainedQuantizer(int d, int m, int bits, long seed) {
        int n = 4 << bits;
        Random random = new Random(seed);
        float[] data = new float[n * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return ProductQuantizer.train(data, n, d, m, bits, KMeans.Params.DEFAULT.withSeed(seed).withIterations(5));
    }

    /** A model.json for a vectors bundle, written out by hand (not by {@link ModelDescriptor#toJson()}). */
    public static String modelJson(String name, int d, int m, int bits, String similarity, String codebook) {
        return """
            {
              "format_version": 1,
              "name": "%s",
              "kind": "vectors",
              "dimensions": %d,
              "similarity": "%s",
              "pq": {"codebook": "%s", "m": %d, "bits": %d}
            }
            """.formatted(name, d, similarity, codebook, m, bits);
    }

    /** Writes {@code parent/name/} with the given model.json and a codebook trained for (d, m, bits) as codebook.pq. */
    public static Path bundleFolder(Path parent, String name, String modelJson, int d, int m, int bits) throws IOException {
        Path dir = Files.createDirectories(parent.resolve(name));
        Files.write(dir.resolve("codebook.pq"), trainedQuantizer(d, m, bits, 7).toBytes());
        Files.writeString(dir.resolve("model.json"), modelJson, StandardCharsets.UTF_8);
        return dir;
    }

    /** A valid bundle: D=8, M=2, 4-bit codes, l2_norm. */
    public static Path validBundle(Path parent, String name) throws IOException {
        return bundleFolder(parent, name, modelJson(name, 8, 2, 4, "l2_norm", "codebook.pq"), 8, 2, 4);
    }
}
