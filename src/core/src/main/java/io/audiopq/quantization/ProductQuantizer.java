package io.audiopq.quantization;

import java.nio.ByteBuffer;

/**
 * A product quantiser (Jégou et al. 2011): a D-dimensional vector is split into M sub-vectors of
 * dsub = D/M dimensions, each replaced by the index of its nearest codeword in a sub-codebook of
 * ksub = 2^nbits codewords. A code is therefore M small integers; this class stores one per byte
 * (packing 4-bit codes two per byte is a storage-layout concern).
 *
 * <p>Centroids are laid out M × ksub × dsub, as in FAISS's {@code ProductQuantizer}.
 * Instances are immutable and thread-safe.
 */
public final class ProductQuantizer {

    private static final int MAGIC = 0x41505121; // "APQ!"
    private static final int FORMAT_VERSION = 1;

    private final int d;
    private final int m;
    private final int nbits;
    private final int ksub;
    private final int dsub;
    private final float[] centroids;
    private final String id;
    /** Per subquantiser, its codewords transposed for {@link #encode}. */
    private final CentroidDistances[] subCodebooks;

    /**
     * @param d         vector dimension D
     * @param m         number of subquantisers M; must divide D
     * @param nbits     bits per subquantiser code: 4 or 8
     * @param centroids M × ksub × dsub codewords
     */
    public ProductQuantizer(int d, int m, int nbits, float[] centroids) {
        checkShape(d, m, nbits);
        this.d = d;
        this.m = m;
        this.nbits = nbits;
        this.ksub = 1 << nbits;
        this.dsub = d / m;
        if (centroids.length != m * ksub * dsub) {
            throw new IllegalArgumentException(
                "centroids must hold M*ksub*dsub=" + m * ksub * dsub + " floats, got " + centroids.length
            );
        }
        for (float c : centroids) {
            if (Float.isFinite(c) == false) {
                throw new IllegalArgumentException("centroids must be finite, found " + c);
            }
        }
        this.centroids = centroids;
        this.id = ChecksummedBytes.contentId(toBytes());
        this.subCodebooks = new CentroidDistances[m];
        for (int j = 0; j < m; j++) {
            subCodebooks[j] = new CentroidDistances(centroids, j * ksub * dsub, ksub, dsub);
        }
    }

    /** Rejects a D/M/nbits combination with a message that names the wrong value. */
    public static void checkShape(int d, int m, int nbits) {
        if (d < 1) {
            throw new IllegalArgumentException("dimension D must be >= 1, got " + d);
        }
        if (m < 1 || m > d) {
            throw new IllegalArgumentException("M must be in [1, D=" + d + "], got " + m);
        }
        if (d % m != 0) {
            throw new IllegalArgumentException("dimension D=" + d + " must be divisible by M=" + m);
        }
        if (nbits != 4 && nbits != 8) {
            throw new IllegalArgumentException("nbits must be 4 or 8, got " + nbits);
        }
    }

    /**
     * Trains the M sub-codebooks by k-means on {@code n} row-major vectors.
     *
     * @throws IllegalArgumentException for a bad shape, or fewer than ksub vectors unless
     *                                  {@code params.allowUndersampled()}
     */
    public static ProductQuantizer train(float[] data, int n, int d, int m, int nbits, KMeans.Params params) {
        return train(data, n, d, m, nbits, params, KMeans.Progress.NONE);
    }

    /** As {@link #train(float[], int, int, int, int, KMeans.Params)}, reporting each subspace's k-means to {@code progress}. */
    public static ProductQuantizer train(float[] data, int n, int d, int m, int nbits, KMeans.Params params, KMeans.Progress progress) {
        checkShape(d, m, nbits);
        int ksub = 1 << nbits;
        if (n < ksub && params.allowUndersampled() == false) {
            throw new IllegalArgumentException(
                "training a PQ with " + nbits + "-bit codes needs at least " + ksub + " vectors (ideally 30x that), got " + n
            );
        }
        if (data.length < (long) n * d) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, fewer than n*D=" + (long) n * d);
        }
        int dsub = d / m;
        float[] centroids = new float[m * ksub * dsub];
        float[] sub = new float[n * dsub];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(data, i * d + j * dsub, sub, i * dsub, dsub);
            }
            // A different seed per subspace, so identical subspaces do not get identical codebooks by construction.
            float[] subCentroids = KMeans.train(sub, n, dsub, ksub, params.withSeed(params.seed() + 31L * j), progress,
                KMeans.Stage.CODEBOOK, j);
            System.arraycopy(subCentroids, 0, centroids, j * ksub * dsub, ksub * dsub);
        }
        return new ProductQuantizer(d, m, nbits, centroids);
    }

    public int dimension() {
        return d;
    }

    public int m() {
        return m;
    }

    public int nbits() {
        return nbits;
    }

    public int ksub() {
        return ksub;
    }

    public int dsub() {
        return dsub;
    }

    /** Bytes of one code as {@link #encode} writes it: one per subquantiser. */
    public int codeSize() {
        return m;
    }

    /** The codewords, M × ksub × dsub; not copied, do not mutate. */
    public float[] centroids() {
        return centroids;
    }

    /** Writes the M-byte code of {@code x[xOffset .. xOffset+D)} to {@code code[codeOffset..]}. */
    public void encode(float[] x, int xOffset, byte[] code, int codeOffset) {
        // The nearest codeword per subspace (lowest index on ties), vectorised over codewords.
        float[] distances = new float[ksub];
        for (int j = 0; j < m; j++) {
            code[codeOffset + j] = (byte) subCodebooks[j].nearest(x, xOffset + j * dsub, distances);
        }
    }

    public byte[] encode(float[] x) {
        checkDimension(x.length);
        byte[] code = new byte[m];
        encode(x, 0, code, 0);
        return code;
    }

    /** Writes the reconstruction of the code at {@code code[codeOffset]} to {@code out[outOffset..]}. */
    public void decode(byte[] code, int codeOffset, float[] out, int outOffset) {
        for (int j = 0; j < m; j++) {
            int c = code[codeOffset + j] & 0xFF;
            System.arraycopy(centroids, (j * ksub + c) * dsub, out, outOffset + j * dsub, dsub);
        }
    }

    public float[] decode(byte[] code) {
        float[] out = new float[d];
        decode(code, 0, out, 0);
        return out;
    }

    /** Mean squared L2 error between {@code n} vectors and their reconstructions. */
    public double quantizationError(float[] data, int n) {
        byte[] code = new byte[m];
        float[] decoded = new float[d];
        double total = 0;
        for (int i = 0; i < n; i++) {
            encode(data, i * d, code, 0);
            decode(code, 0, decoded, 0);
            total += VectorMath.squaredDistance(data, i * d, decoded, 0, d);
        }
        return n == 0 ? 0 : total / n;
    }

    /** Builds the M × ksub ADC table of {@code query} for {@code metric}. */
    public AdcTable adcTable(float[] query, Metric metric) {
        checkDimension(query.length);
        float[] table = new float[m * ksub];
        for (int j = 0; j < m; j++) {
            int base = j * ksub * dsub;
            for (int c = 0; c < ksub; c++) {
                table[j * ksub + c] = switch (metric) {
                    case L2 -> VectorMath.squaredDistance(query, j * dsub, centroids, base + c * dsub, dsub);
                    case INNER_PRODUCT -> VectorMath.dot(query, j * dsub, centroids, base + c * dsub, dsub);
                };
            }
        }
        return new AdcTable(metric, m, ksub, table);
    }

    /** A stable content id: the first 16 hex digits of the SHA-256 of {@link #toBytes()}. */
    public String id() {
        return id;
    }

    /** Serialises shape and codewords (little-endian) in a checksummed envelope. */
    public byte[] toBytes() {
        ByteBuffer buffer = ChecksummedBytes.allocate(MAGIC, FORMAT_VERSION, 3 * Integer.BYTES + centroids.length * Float.BYTES);
        buffer.putInt(d).putInt(m).putInt(nbits);
        ChecksummedBytes.putFloats(buffer, centroids);
        return ChecksummedBytes.seal(buffer);
    }

    /** Reads what {@link #toBytes()} wrote, verifying magic, version, length and checksum. */
    public static ProductQuantizer fromBytes(byte[] bytes) {
        ByteBuffer payload = ChecksummedBytes.open(bytes, MAGIC, FORMAT_VERSION, "PQ codebook");
        int d = payload.getInt(), m = payload.getInt(), nbits = payload.getInt();
        checkShape(d, m, nbits);
        int count = m * (1 << nbits) * (d / m);
        ChecksummedBytes.expectRemaining(payload, (long) count * Float.BYTES, "PQ codebook");
        return new ProductQuantizer(d, m, nbits, ChecksummedBytes.getFloats(payload, count));
    }

    @Override
    public String toString() {
        return "ProductQuantizer(D=" + d + ", M=" + m + ", nbits=" + nbits + ", id=" + id + ")";
    }

    private void checkDimension(int length) {
        if (length != d) {
            throw new IllegalArgumentException("vector has " + length + " dimensions, the quantiser expects D=" + d);
        }
    }
}
