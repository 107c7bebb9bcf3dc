package io.audiopq.model;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;

import java.util.Locale;

/**
 * Trains a vectors bundle's codebook and IVF coarse centroids and describes the result: the one
 * training path of the offline bundle tools ({@code make-bundle.sh}, {@code audio-bundle.sh}) and
 * of {@code POST _audio_pq/models/{name}/_train}. The centroids are global: every segment of every
 * field that maps the bundle with {@code ivf} files its vectors under them.
 *
 * <p><b>nlist from the training size.</b> FAISS's guidance is 4·√N to 16·√N lists for N indexed
 * vectors, with at least {@value #MIN_POINTS_PER_CENTROID} training vectors per centroid (it warns
 * below that). A trainer knows only the training sample (n vectors), so {@link #autoNlist} takes
 * the low end, 4·√n, capped at n / 39 and at {@value #MAX_NLIST}; below 2 lists a bundle gets no
 * centroids. A bundle meant for far more vectors than it was trained on can ask for more.
 */
public final class CodebookTraining {

    /** FAISS warns when k-means has fewer training points per centroid. */
    public static final int MIN_POINTS_PER_CENTROID = 39;
    public static final int MAX_NLIST = 1 << 16;
    /** The nlist that asks for {@link #autoNlist}. */
    public static final int AUTO_NLIST = -1;

    /** A trained codebook, and its centroids (null when none were trained). */
    public record Trained(ProductQuantizer pq, CoarseQuantizer centroids, IvfPqQuantizer.Encoding encoding) {

        /** The descriptor's {@code ivf} section, or null. */
        public ModelDescriptor.Ivf descriptor() {
            return centroids == null ? null : new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, encoding);
        }

        /** IVF lists, 0 without centroids. */
        public int nlist() {
            return centroids == null ? 0 : centroids.nlist();
        }
    }

    private CodebookTraining() {}

    /** min(4·√n, n / 39), capped at 65,536; 0 (no centroids) when that is below 2. */
    public static int autoNlist(int n) {
        long nlist = Math.min(Math.round(4 * Math.sqrt(n)), n / MIN_POINTS_PER_CENTROID);
        nlist = Math.min(nlist, MAX_NLIST);
        return nlist < 2 ? 0 : (int) nlist;
    }

    /** The rule {@link #autoNlist} applied to n training vectors, and its result, in words. */
    public static String autoNlistRule(int n) {
        return String.format(Locale.ROOT, "nlist = min(4*sqrt(n), n/%d) = %d for n = %d training vectors (FAISS: 4-16*sqrt(N) lists, "
            + ">= %d training vectors per list)", MIN_POINTS_PER_CENTROID, autoNlist(n), n, MIN_POINTS_PER_CENTROID);
    }

    /**
     * Refuses an nlist (after {@link #AUTO_NLIST} is resolved) that n training vectors cannot train
     * with {@code encoding}; the messages name the caller's parameters.
     */
    public static void checkNlist(int nlist, int n, IvfPqQuantizer.Encoding encoding, String nlistParameter, String encodingParameter) {
        if (nlist > MAX_NLIST) {
            throw new IllegalArgumentException(nlistParameter + " must be at most " + MAX_NLIST + ", got " + nlist);
        }
        if (nlist > n) {
            throw new IllegalArgumentException(nlistParameter + " " + nlist + " needs at least as many training vectors, got " + n);
        }
        if (nlist == 0 && encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
            throw new IllegalArgumentException(encodingParameter + " residual needs IVF centroids, but nlist is 0 for " + n + " training vectors");
        }
    }

    /**
     * Trains the codebook (M, bits) on the n row-major vectors and, with nlist &gt; 0, nlist
     * centroids on the same vectors; with {@link IvfPqQuantizer.Encoding#RESIDUAL} the codebook is
     * trained on the residuals from the centroids. Every k-means iteration is reported to
     * {@code progress}, which may throw to stop.
     *
     * @param nlist resolved (not {@link #AUTO_NLIST}) and valid for n ({@link #checkNlist})
     */
    public static Trained train(float[] data, int n, int d, int m, int bits, int nlist, IvfPqQuantizer.Encoding encoding, KMeans.Params params,
        KMeans.Progress progress) {
        checkNlist(nlist, n, encoding, "nlist", "encoding");
        if (nlist < 0) {
            throw new IllegalArgumentException("nlist must be resolved (>= 0), got " + nlist);
        }
        if (nlist == 0) {
            return new Trained(ProductQuantizer.train(data, n, d, m, bits, params, progress), null, null);
        }
        if (encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
            IvfPqQuantizer ivf = IvfPqQuantizer.train(data, n, d, nlist, m, bits, encoding, params, progress);
            return new Trained(ivf.pq(), ivf.coarse(), encoding);
        }
        return new Trained(ProductQuantizer.train(data, n, d, m, bits, params, progress), CoarseQuantizer.train(data, n, d, nlist, params,
            progress), encoding);
    }

    /** The {@code model.json} of a vectors bundle holding {@code trained}. */
    public static ModelDescriptor descriptor(String name, String description, Similarity similarity, Trained trained,
        ModelDescriptor.Training training) {
        ProductQuantizer pq = trained.pq();
        return new ModelDescriptor(
            ModelDescriptor.FORMAT_VERSION,
            name,
            ModelKind.VECTORS,
            description,
            pq.dimension(),
            similarity,
            new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, pq.m(), pq.nbits()),
            trained.descriptor(),
            training
        );
    }
}
