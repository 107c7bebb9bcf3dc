package io.audiopq.quantization;

import java.nio.ByteBuffer;

/**
 * The coarse quantiser of an inverted file (IVF): nlist centroids of dimension D, trained by
 * k-means. Every vector belongs to the inverted list of its nearest centroid (squared L2, the
 * distance k-means minimises); a query visits the nprobe lists whose centroids score best for the
 * query's {@link Metric}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CoarseQuantizer {

    private static final int MAGIC = 0x43515041; // "APQC" read little-endian
    private static final int FORMAT_VERSION = 1;

    private final int d;
    private final int nlist;
    private final float[] centroids;
    private final String id;
    /** The centroids transposed for {@link #assign}. */
    private final CentroidDistances table;

    /**
     * @param d         vector dimension D
     * @param nlist     number of inverted lists (centroids)
     * @param centroids nlist × D centroids, row-major
     */
    public CoarseQuantizer(int d, int nlist, float[] centroids) {
        checkShape(d, nlist);
        if (centroids.length != (long) nlist * d) {
            throw new IllegalArgumentException(
                "coarse centroids must hold nlist*D=" + (long) nlist * d + " floats, got " + centroids.length
            );
        }
        for (float c : centroids) {
            if (Float.isFinite(c) == false) {
                throw new IllegalArgumentException("coarse centroids must be finite, found " + c);
            }
        }
        this.d = d;
        this.nlist = nlist;
        this.centroids = centroids;
        this.id = ChecksummedBytes.contentId(toBytes());
        this.table = new CentroidDistances(centroids, 0, nlist, d);
    }

    /**
     * Trains nlist centroids on {@code n} row-major vectors.
     *
     * @throws IllegalArgumentException for nlist &lt; 1, D &lt; 1, or fewer than nlist training
     *                                  vectors (unless {@code params.allowUndersampled()})
     */
    public static CoarseQuantizer train(float[] data, int n, int d, int nlist, KMeans.Params params) {
        return train(data, n, d, nlist, params, KMeans.Progress.NONE);
    }

    /** As {@link #train(float[], int, int, int, KMeans.Params)}, reporting the k-means to {@code progress}. */
    public static CoarseQuantizer train(float[] data, int n, int d, int nlist, KMeans.Params params, KMeans.Progress progress) {
        checkShape(d, nlist);
        if (n < nlist && params.allowUndersampled() == false) {
            throw new IllegalArgumentException(
                "training an IVF coarse quantiser with nlist=" + nlist + " needs at least " + nlist
                    + " vectors (ideally 30x that), got " + n
            );
        }
        return new CoarseQuantizer(d, nlist, KMeans.train(data, n, d, nlist, params, progress, KMeans.Stage.CENTROIDS, 0));
    }

    private static void checkShape(int d, int nlist) {
        if (d < 1) {
            throw new IllegalArgumentException("dimension D must be >= 1, got " + d);
        }
        if (nlist < 1) {
            throw new IllegalArgumentException("nlist must be >= 1, got " + nlist);
        }
    }

    public int dimension() {
        return d;
    }

    public int nlist() {
        return nlist;
    }

    /** The centroids, nlist × D; not copied, do not mutate. */
    public float[] centroids() {
        return centroids;
    }

    /** The inverted list of {@code x[xOffset .. xOffset+D)}: its nearest centroid by squared L2. */
    public int assign(float[] x, int xOffset) {
        // Same result as KMeans.nearest, vectorised over centroids.
        return table.nearest(x, xOffset, new float[nlist]);
    }

    public int assign(float[] x) {
        checkDimension(x.length);
        return assign(x, 0);
    }

    /**
     * The {@code nprobe} lists to visit for {@code query}, best first: smallest squared L2
     * distance to the centroid for {@link Metric#L2}, largest dot product with it for
     * {@link Metric#INNER_PRODUCT}. Ties go to the lower list id. {@code nprobe} larger than
     * nlist is clamped to nlist (as FAISS does), so a caller may ask for "all lists" without
     * knowing nlist.
     *
     * @param scores if not null, receives each returned list's centroid score (the L2 distance
     *               or dot product), at the same index; must hold min(nprobe, nlist) floats
     * @throws IllegalArgumentException when nprobe &lt; 1 or the query has the wrong dimension
     */
    public int[] nearestLists(float[] query, int nprobe, Metric metric, float[] scores) {
        checkDimension(query.length);
        if (nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be >= 1, got " + nprobe);
        }
        int count = Math.min(nprobe, nlist);
        // Scores are kept as "lower is better" so one selection serves both metrics.
        float[] keys = new float[nlist];
        for (int c = 0; c < nlist; c++) {
            keys[c] = switch (metric) {
                case L2 -> VectorMath.squaredDistance(query, 0, centroids, c * d, d);
                case INNER_PRODUCT -> -VectorMath.dot(query, 0, centroids, c * d, d);
            };
        }
        int[] best = smallest(keys, count);
        if (scores != null) {
            for (int i = 0; i < count; i++) {
                float key = keys[best[i]];
                scores[i] = metric == Metric.L2 ? key : -key;
            }
        }
        return best;
    }

    public int[] nearestLists(float[] query, int nprobe, Metric metric) {
        return nearestLists(query, nprobe, metric, null);
    }

    /** Indices of the {@code count} smallest keys, ascending by (key, index). */
    private static int[] smallest(float[] keys, int count) {
        // A bounded max-heap of candidates: O(nlist log nprobe), and nprobe is small.
        int[] heap = new int[count];
        int size = 0;
        for (int i = 0; i < keys.length; i++) {
            if (size < count) {
                heap[size] = i;
                siftUp(heap, size++, keys);
            } else if (worse(keys, heap[0], i)) {
                heap[0] = i;
                siftDown(heap, size, keys);
            }
        }
        int[] out = new int[count];
        for (int i = count - 1; i >= 0; i--) {
            out[i] = heap[0];
            heap[0] = heap[--size];
            siftDown(heap, size, keys);
        }
        return out;
    }

    /** True when index a ranks after index b. */
    private static boolean worse(float[] keys, int a, int b) {
        return keys[a] > keys[b] || (keys[a] == keys[b] && a > b);
    }

    private static void siftUp(int[] heap, int pos, float[] keys) {
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            if (worse(keys, heap[pos], heap[parent]) == false) {
                return;
            }
            int t = heap[pos];
            heap[pos] = heap[parent];
            heap[parent] = t;
            pos = parent;
        }
    }

    private static void siftDown(int[] heap, int size, float[] keys) {
        int pos = 0;
        while (true) {
            int left = 2 * pos + 1;
            if (left >= size) {
                return;
            }
            int child = left + 1 < size && worse(keys, heap[left + 1], heap[left]) ? left + 1 : left;
            if (worse(keys, heap[child], heap[pos]) == false) {
                return;
            }
            int t = heap[pos];
            heap[pos] = heap[child];
            heap[child] = t;
            pos = child;
        }
    }

    /** A stable content id: the first 16 hex digits of the SHA-256 of {@link #toBytes()}. */
    public String id() {
        return id;
    }

    /** Serialises shape and centroids (little-endian) in a checksummed envelope. */
    public byte[] toBytes() {
        ByteBuffer buffer = ChecksummedBytes.allocate(MAGIC, FORMAT_VERSION, 2 * Integer.BYTES + centroids.length * Float.BYTES);
        buffer.putInt(d).putInt(nlist);
        ChecksummedBytes.putFloats(buffer, centroids);
        return ChecksummedBytes.seal(buffer);
    }

    /** Reads what {@link #toBytes()} wrote, verifying magic, version, length and checksum. */
    public static CoarseQuantizer fromBytes(byte[] bytes) {
        ByteBuffer payload = ChecksummedBytes.open(bytes, MAGIC, FORMAT_VERSION, "IVF coarse quantiser");
        int d = payload.getInt(), nlist = payload.getInt();
        checkShape(d, nlist);
        long count = (long) nlist * d;
        ChecksummedBytes.expectRemaining(payload, count * Float.BYTES, "IVF coarse quantiser");
        return new CoarseQuantizer(d, nlist, ChecksummedBytes.getFloats(payload, (int) count));
    }

    @Override
    public String toString() {
        return "CoarseQuantizer(D=" + d + ", nlist=" + nlist + ", id=" + id + ")";
    }

    private void checkDimension(int length) {
        if (length != d) {
            throw new IllegalArgumentException("vector has " + length + " dimensions, the coarse quantiser expects D=" + d);
        }
    }
}
