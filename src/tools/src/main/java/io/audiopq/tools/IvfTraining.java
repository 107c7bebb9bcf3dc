package io.audiopq.tools;

import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Trains a bundle's codebook and IVF coarse centroids together, for the bundle tools. The
 * centroids are global: every segment of every field that maps the bundle with {@code ivf} files
 * its vectors under them.
 *
 * <p><b>nlist from the training size.</b> FAISS's guidance is 4·√N to 16·√N lists for N indexed
 * vectors, with at least 39 training vectors per centroid (it warns below that). The tools know
 * only the training sample (n vectors), so {@link #autoNlist} takes the low end, 4·√n, capped at
 * n / 39 and at 65,536; below 2 lists a bundle gets no centroids. A bundle meant for far more
 * vectors than it was trained on can ask for more with {@code --nlist}.
 */
final class IvfTraining {

    /** FAISS warns when k-means has fewer training points per centroid. */
    static final int MIN_POINTS_PER_CENTROID = 39;
    static final int MAX_NLIST = 1 << 16;

    /** A trained codebook, and its centroids (null when none were trained). */
    record Trained(ProductQuantizer pq, CoarseQuantizer centroids, IvfPqQuantizer.Encoding encoding) {

        /** The descriptor's {@code ivf} section, or null. */
        ModelDescriptor.Ivf descriptor() {
            return centroids == null ? null : new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, encoding);
        }
    }

    private IvfTraining() {}

    /** min(4·√n, n / 39), capped at 65,536; 0 (no centroids) when that is below 2. */
    static int autoNlist(int n) {
        long nlist = Math.min(Math.round(4 * Math.sqrt(n)), n / MIN_POINTS_PER_CENTROID);
        nlist = Math.min(nlist, MAX_NLIST);
        return nlist < 2 ? 0 : (int) nlist;
    }

    /**
     * Trains the codebook (M, bits) on the n row-major vectors and, with nlist &gt; 0 (or
     * {@code nlist < 0}: {@link #autoNlist}), nlist centroids; with {@link IvfPqQuantizer.Encoding#RESIDUAL}
     * the codebook is trained on the residuals from the centroids. Prints the rule and the choice.
     */
    static Trained train(float[] data, int n, int d, int m, int bits, int nlist, IvfPqQuantizer.Encoding encoding, KMeans.Params params,
        PrintStream log) {
        int lists = nlist;
        if (nlist < 0) {
            lists = autoNlist(n);
            log.printf(Locale.ROOT, "IVF: nlist = min(4*sqrt(n), n/%d) = %d for n = %d training vectors (FAISS: 4-16*sqrt(N) lists, "
                + ">= %d training vectors per list); --nlist N to choose, --nlist 0 for none%n", MIN_POINTS_PER_CENTROID, lists, n,
                MIN_POINTS_PER_CENTROID);
        }
        if (lists > MAX_NLIST) {
            throw new IllegalArgumentException("--nlist must be at most " + MAX_NLIST + ", got " + lists);
        }
        if (lists > n) {
            throw new IllegalArgumentException("--nlist " + lists + " needs at least as many training vectors, got " + n);
        }
        if (lists == 0) {
            if (encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
                throw new IllegalArgumentException("--ivf-encoding residual needs IVF centroids, but nlist is 0 for " + n + " training vectors");
            }
            return new Trained(ProductQuantizer.train(data, n, d, m, bits, params), null, null);
        }
        Trained trained;
        if (encoding == IvfPqQuantizer.Encoding.RESIDUAL) {
            IvfPqQuantizer ivf = IvfPqQuantizer.train(data, n, d, lists, m, bits, encoding, params);
            trained = new Trained(ivf.pq(), ivf.coarse(), encoding);
        } else {
            trained = new Trained(ProductQuantizer.train(data, n, d, m, bits, params), CoarseQuantizer.train(data, n, d, lists, params), encoding);
        }
        log.printf(Locale.ROOT, "trained %d IVF centroids (%s codes)%n", lists, ModelDescriptor.Ivf.jsonName(encoding));
        return trained;
    }
}
