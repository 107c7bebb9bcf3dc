package io.audiopq.quantization;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The trained model of an IVF-PQ index (FAISS {@code IndexIVFPQ}): a {@link CoarseQuantizer} that
 * picks a vector's inverted list and a {@link ProductQuantizer} that encodes it, either
 * {@linkplain Encoding#RESIDUAL as its residual} from the list centroid or
 * {@linkplain Encoding#DIRECT as is}. It turns a vector into (list id, M-byte code); the lists
 * themselves live in {@link InvertedLists}.
 *
 * <p>Immutable and thread-safe.
 */
public final class IvfPqQuantizer {

    /**
     * What the product quantiser encodes. Both give exact ADC scores of the decoded vector for
     * both metrics (x̂ = c + r̂ when residual, the PQ reconstruction itself when direct):
     * <ul>
     *   <li>L2, residual: ||q − c − r̂||² = ||q − c||² + Σ_j (||r̂_j||² + 2⟨c_j, r̂_j⟩ − 2⟨q_j, r̂_j⟩),
     *       so each probed list needs its own table (see {@link IvfLayout});</li>
     *   <li>inner product, residual: ⟨q, c + r̂⟩ = ⟨q, c⟩ + ⟨q, r̂⟩: one table for all lists plus a
     *       per-list constant;</li>
     *   <li>direct: one table for all lists, as in plain PQ.</li>
     * </ul>
     * Residuals are smaller than the vectors, so the same M and nbits quantise them more
     * accurately: residual is the default for every metric. Direct encoding gives codes that
     * mean the same thing in every list (useful when lists are re-clustered without re-encoding).
     */
    public enum Encoding {
        RESIDUAL,
        DIRECT
    }

    private static final int MAGIC = 0x49515041; // "APQI" read little-endian
    private static final int FORMAT_VERSION = 1;

    private final CoarseQuantizer coarse;
    private final ProductQuantizer pq;
    private final Encoding encoding;

    public IvfPqQuantizer(CoarseQuantizer coarse, ProductQuantizer pq, Encoding encoding) {
        if (coarse.dimension() != pq.dimension()) {
            throw new IllegalArgumentException(
                "coarse quantiser has D=" + coarse.dimension() + " but the product quantiser has D=" + pq.dimension()
            );
        }
        if (encoding == null) {
            throw new IllegalArgumentException("encoding must not be null");
        }
        this.coarse = coarse;
        this.pq = pq;
        this.encoding = encoding;
    }

    /**
     * Trains the coarse centroids (k-means, nlist) and then the product quantiser (M, nbits) on the
     * residuals of the same vectors, or on the vectors themselves for {@link Encoding#DIRECT}.
     * At most {@code params.maxTrainingPoints()} vectors (a seeded sample) train the PQ.
     *
     * @throws IllegalArgumentException for a bad shape, nlist &lt; 1, or fewer vectors than nlist
     *                                  or than ksub = 2^nbits (unless {@code params.allowUndersampled()})
     */
    public static IvfPqQuantizer train(
        float[] data, int n, int d, int nlist, int m, int nbits, Encoding encoding, KMeans.Params params
    ) {
        return train(data, n, d, nlist, m, nbits, encoding, params, KMeans.Progress.NONE);
    }

    /** As {@link #train(float[], int, int, int, int, int, Encoding, KMeans.Params)}, reporting every k-means to {@code progress}. */
    public static IvfPqQuantizer train(
        float[] data, int n, int d, int nlist, int m, int nbits, Encoding encoding, KMeans.Params params, KMeans.Progress progress
    ) {
        ProductQuantizer.checkShape(d, m, nbits);
        if (data.length < (long) n * d) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, fewer than n*D=" + (long) n * d);
        }
        CoarseQuantizer coarse = CoarseQuantizer.train(data, n, d, nlist, params, progress);
        int sampleSize = Math.min(n, params.maxTrainingPoints());
        float[] sample = sample(data, n, d, sampleSize, new SplittableRandom(params.seed() ^ 0x1F1F1F1FL));
        if (encoding == Encoding.RESIDUAL) {
            for (int i = 0; i < sampleSize; i++) {
                int list = coarse.assign(sample, i * d);
                subtract(sample, i * d, coarse.centroids(), list * d, d);
            }
        }
        ProductQuantizer pq = ProductQuantizer.train(sample, sampleSize, d, m, nbits, params, progress);
        return new IvfPqQuantizer(coarse, pq, encoding);
    }

    /** The first {@code size} vectors of a seeded random permutation, copied (all of them when size == n). */
    private static float[] sample(float[] data, int n, int d, int size, SplittableRandom random) {
        if (size == n) {
            float[] copy = new float[n * d];
            System.arraycopy(data, 0, copy, 0, n * d);
            return copy;
        }
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        float[] out = new float[size * d];
        for (int i = 0; i < size; i++) {
            int j = i + random.nextInt(n - i);
            int t = index[i];
            index[i] = index[j];
            index[j] = t;
            System.arraycopy(data, index[i] * d, out, i * d, d);
        }
        return out;
    }

    private static void subtract(float[] x, int xOffset, float[] c, int cOffset, int d) {
        for (int i = 0; i < d; i++) {
            x[xOffset + i] -= c[cOffset + i];
        }
    }

    public CoarseQuantizer coarse() {
        return coarse;
    }

    public ProductQuantizer pq() {
        return pq;
    }

    public Encoding encoding() {
        return encoding;
    }

    public int dimension() {
        return pq.dimension();
    }

    public int nlist() {
        return coarse.nlist();
    }

    /** Bytes per code: M. */
    public int codeSize() {
        return pq.codeSize();
    }

    /**
     * Encodes {@code x[xOffset .. xOffset+D)} into {@code code[codeOffset ..]} (M bytes) and returns
     * its list id. Thread-safe: callers may encode in parallel and add to a builder afterwards.
     */
    public int encode(float[] x, int xOffset, byte[] code, int codeOffset) {
        int list = coarse.assign(x, xOffset);
        if (encoding == Encoding.DIRECT) {
            pq.encode(x, xOffset, code, codeOffset);
        } else {
            int d = dimension();
            float[] residual = new float[d];
            System.arraycopy(x, xOffset, residual, 0, d);
            subtract(residual, 0, coarse.centroids(), list * d, d);
            pq.encode(residual, 0, code, codeOffset);
        }
        return list;
    }

    /** Writes the reconstruction of a code from list {@code list} to {@code out[outOffset ..]}. */
    public void decode(int list, byte[] code, int codeOffset, float[] out, int outOffset) {
        pq.decode(code, codeOffset, out, outOffset);
        if (encoding == Encoding.RESIDUAL) {
            int d = dimension();
            float[] c = coarse.centroids();
            for (int i = 0; i < d; i++) {
                out[outOffset + i] += c[list * d + i];
            }
        }
    }

    /**
     * Encodes {@code n} row-major vectors with ordinals {@code firstOrd ..} into new inverted
     * lists.
     */
    public InvertedLists encodeAll(float[] data, int n, int firstOrd) {
        int d = dimension();
        if (data.length < (long) n * d) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, fewer than n*D=" + (long) n * d);
        }
        InvertedLists.Builder builder = new InvertedLists.Builder(nlist(), codeSize());
        byte[] code = new byte[codeSize()];
        for (int i = 0; i < n; i++) {
            int list = encode(data, i * d, code, 0);
            builder.add(list, firstOrd + i, code, 0);
        }
        return builder.build();
    }

    /** A content id combining the two quantisers' ids and the encoding. */
    public String id() {
        return coarse.id() + "-" + pq.id() + (encoding == Encoding.RESIDUAL ? "-r" : "-d");
    }

    /**
     * Serialises encoding, coarse quantiser and product quantiser (each in its own checksummed
     * envelope) inside a checksummed envelope.
     */
    public byte[] toBytes() {
        byte[] coarseBytes = coarse.toBytes();
        byte[] pqBytes = pq.toBytes();
        ByteBuffer buffer = ChecksummedBytes.allocate(MAGIC, FORMAT_VERSION, 3 * Integer.BYTES + coarseBytes.length + pqBytes.length);
        buffer.putInt(encoding.ordinal());
        buffer.putInt(coarseBytes.length).put(coarseBytes);
        buffer.putInt(pqBytes.length).put(pqBytes);
        return ChecksummedBytes.seal(buffer);
    }

    /** Reads what {@link #toBytes()} wrote, verifying magic, version, lengths and checksums. */
    public static IvfPqQuantizer fromBytes(byte[] bytes) {
        ByteBuffer payload = ChecksummedBytes.open(bytes, MAGIC, FORMAT_VERSION, "IVF-PQ model");
        int encodingOrdinal = payload.getInt();
        if (encodingOrdinal < 0 || encodingOrdinal >= Encoding.values().length) {
            throw new IllegalArgumentException("IVF-PQ model has unknown encoding " + encodingOrdinal);
        }
        byte[] coarseBytes = readChunk(payload, "coarse quantiser");
        byte[] pqBytes = readChunk(payload, "product quantiser");
        ChecksummedBytes.expectRemaining(payload, 0, "IVF-PQ model");
        return new IvfPqQuantizer(
            CoarseQuantizer.fromBytes(coarseBytes),
            ProductQuantizer.fromBytes(pqBytes),
            Encoding.values()[encodingOrdinal]
        );
    }

    private static byte[] readChunk(ByteBuffer payload, String what) {
        if (payload.remaining() < Integer.BYTES) {
            throw new IllegalArgumentException("IVF-PQ model truncated before the " + what);
        }
        int length = payload.getInt();
        if (length < 0 || length > payload.remaining()) {
            throw new IllegalArgumentException("IVF-PQ model truncated: the " + what + " claims " + length + " bytes");
        }
        byte[] chunk = new byte[length];
        payload.get(chunk);
        return chunk;
    }

    @Override
    public String toString() {
        return "IvfPqQuantizer(D=" + dimension() + ", nlist=" + nlist() + ", M=" + pq.m() + ", nbits=" + pq.nbits()
            + ", encoding=" + encoding + ", id=" + id() + ")";
    }
}
