package io.audiopq.elasticsearch;

import io.audiopq.lucene.PqTestData;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelKind;
import io.audiopq.model.Similarity;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Bundles and data for the Elasticsearch-layer tests: clustered vectors, and codebook bundles
 * trained on a sample of the same distribution (as a user would train on their own vectors).
 */
public final class PqTestBundles {

    /** cosine, D=16, M=4, 8-bit. */
    public static final String COSINE = "cos16";
    /** l2_norm, D=8, M=2, 4-bit. */
    public static final String L2 = "l2-8";
    /** dot_product, D=8, M=4, 8-bit. */
    public static final String DOT = "dot8";
    /** As {@link #COSINE}, with 8 IVF centroids (direct codes): global IVF. */
    public static final String COSINE_IVF = "cos16-ivf";
    /** As {@link #COSINE_IVF}, with a codebook trained on the residuals from its centroids. */
    public static final String COSINE_IVF_RESIDUAL = "cos16-ivf-res";
    /** The number of centroids of the IVF test bundles. */
    public static final int IVF_NLIST = 8;
    /** Seed of the data distribution shared by training and the tests' documents. */
    public static final long DATA_SEED = 1234;

    private PqTestBundles() {}

    /** Writes the test bundles into {@code configDir/audio-pq/models/}. */
    public static Path writeAll(Path configDir) {
        try {
            Path models = Files.createDirectories(configDir.resolve(AudioPqPlugin.MODELS_PATH));
            write(models, COSINE, 16, 4, 8, Similarity.COSINE);
            write(models, L2, 8, 2, 4, Similarity.L2_NORM);
            write(models, DOT, 8, 4, 8, Similarity.DOT_PRODUCT);
            writeIvf(models, COSINE_IVF, IvfPqQuantizer.Encoding.DIRECT);
            writeIvf(models, COSINE_IVF_RESIDUAL, IvfPqQuantizer.Encoding.RESIDUAL);
            return models;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path models, String name, int d, int m, int bits, Similarity similarity) throws IOException {
        int n = 4 << bits;
        float[][] sample = clustered(new Random(DATA_SEED), n, d, 12, 0.3f, similarity != Similarity.L2_NORM);
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(sample[i], 0, flat, i * d, d);
        }
        ProductQuantizer pq = ProductQuantizer.train(flat, n, d, m, bits, KMeans.Params.DEFAULT.withSeed(7).withIterations(8));
        ModelDescriptor descriptor = new ModelDescriptor(
            ModelDescriptor.FORMAT_VERSION,
            name,
            ModelKind.VECTORS,
            "test bundle",
            d,
            similarity,
            new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, m, bits),
            null,
            null
        );
        ModelBundleWriter.write(models, descriptor, pq, true);
    }

    /** D=16, M=4, 8-bit, cosine, {@link #IVF_NLIST} centroids trained on the same distribution as {@link #COSINE}'s codebook. */
    static void writeIvf(Path models, String name, IvfPqQuantizer.Encoding encoding) throws IOException {
        int n = 4 << 8, d = 16;
        float[][] sample = clustered(new Random(DATA_SEED), n, d, 12, 0.3f, true);
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(sample[i], 0, flat, i * d, d);
        }
        IvfPqQuantizer ivf = IvfPqQuantizer.train(flat, n, d, IVF_NLIST, 4, 8, encoding, KMeans.Params.DEFAULT.withSeed(7).withIterations(8));
        ModelDescriptor descriptor = new ModelDescriptor(
            ModelDescriptor.FORMAT_VERSION,
            name,
            ModelKind.VECTORS,
            "test bundle with IVF centroids",
            d,
            Similarity.COSINE,
            new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, 4, 8),
            new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, encoding),
            null
        );
        ModelBundleWriter.write(models, descriptor, ivf.pq(), ivf.coarse(), java.util.Map.of(), true);
    }

    /** The bundle as the node loads it (same bytes, same checksum). */
    public static ModelBundle load(Path models, String name) {
        try {
            return ModelBundleLoader.load(models.resolve(name));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code n} vectors around {@code clusters} random centres (noise of scale {@code spread}); unit
     * length when {@code normalise}. The centres depend only on {@code random}'s first draws, so
     * two calls with the same seed share them.
     */
    public static float[][] clustered(Random random, int n, int d, int clusters, float spread, boolean normalise) {
        return PqTestData.clustered(random, n, d, clusters, spread, normalise);
    }
}
