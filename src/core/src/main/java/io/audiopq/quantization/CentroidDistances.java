package io.audiopq.quantization;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * k centroids of dimension d stored dimension-major (d × k), so that a point's squared L2
 * distances to all of them are computed L centroids at a time with the Vector API: lanes are
 * centroids, and each lane runs exactly the scalar loop of {@link VectorMath#squaredDistance}
 * (difference, square, add, in dimension order). The distances, and so the nearest centroid, are
 * therefore bit for bit those of the scalar code on every CPU, whatever its vector width.
 *
 * <p>This is the inner loop of k-means assignment, PQ encoding and IVF list assignment, where a
 * scalar loop over centroids spent most of the time (one short dot product per centroid does not
 * vectorise). Immutable and thread-safe.
 */
final class CentroidDistances {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FLOATS.length();

    private final int k;
    private final int d;
    /** Row j holds dimension j of every centroid: {@code transposed[j * k + c]}. */
    private final float[] transposed;

    /** Copies centroids {@code centroids[offset ..]} (k × d, row-major). */
    CentroidDistances(float[] centroids, int offset, int k, int d) {
        this.k = k;
        this.d = d;
        this.transposed = new float[Math.multiplyExact(k, d)];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                transposed[j * k + c] = centroids[offset + c * d + j];
            }
        }
    }

    int k() {
        return k;
    }

    /** Writes the squared L2 distance from {@code x[xOffset .. xOffset+d)} to every centroid into {@code out[0 .. k)}. */
    void distances(float[] x, int xOffset, float[] out) {
        int c = 0;
        // Two vectors of centroids per pass: two independent accumulation chains.
        for (int bound = k - 2 * L; c <= bound; c += 2 * L) {
            FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
            for (int j = 0, row = c; j < d; j++, row += k) {
                FloatVector xj = FloatVector.broadcast(FLOATS, x[xOffset + j]);
                FloatVector d0 = xj.sub(FloatVector.fromArray(FLOATS, transposed, row));
                FloatVector d1 = xj.sub(FloatVector.fromArray(FLOATS, transposed, row + L));
                s0 = s0.add(d0.mul(d0));
                s1 = s1.add(d1.mul(d1));
            }
            s0.intoArray(out, c);
            s1.intoArray(out, c + L);
        }
        for (int bound = k - L; c <= bound; c += L) {
            FloatVector s0 = FloatVector.zero(FLOATS);
            for (int j = 0, row = c; j < d; j++, row += k) {
                FloatVector d0 = FloatVector.broadcast(FLOATS, x[xOffset + j]).sub(FloatVector.fromArray(FLOATS, transposed, row));
                s0 = s0.add(d0.mul(d0));
            }
            s0.intoArray(out, c);
        }
        for (; c < k; c++) {
            float sum = 0f;
            for (int j = 0, pos = c; j < d; j++, pos += k) {
                float diff = x[xOffset + j] - transposed[pos];
                sum += diff * diff;
            }
            out[c] = sum;
        }
    }

    /**
     * The index of the nearest centroid (the lowest index among equally near ones), as
     * {@link KMeans#nearest} would return it; {@code scratch} (at least k floats) receives all
     * distances.
     */
    int nearest(float[] x, int xOffset, float[] scratch) {
        distances(x, xOffset, scratch);
        int best = 0;
        float bestDistance = Float.POSITIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            if (scratch[c] < bestDistance) {
                bestDistance = scratch[c];
                best = c;
            }
        }
        return best;
    }
}
