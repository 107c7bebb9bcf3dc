package io.audiopq.model;

import io.audiopq.quantization.VectorMath;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A uniform random sample of at most {@code capacity} vectors from a stream of unknown length
 * (reservoir sampling, seeded, so the same inputs and seed give the same sample). It enforces one
 * dimension across all inputs and normalises vectors when the similarity asks for it. The offline
 * bundle tools and {@code POST _audio_pq/models/{name}/_train} sample through it.
 */
public final class TrainingSample {

    private final int capacity;
    private final Similarity similarity;
    private final SplittableRandom random;
    private final List<float[]> reservoir = new ArrayList<>();
    private int dimension = -1;
    private String firstLocation;
    private long seen;

    public TrainingSample(int capacity, Similarity similarity, long seed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.similarity = similarity;
        this.random = new SplittableRandom(seed);
    }

    /**
     * Offers one vector; {@code location} names it in errors (file and line, or index and document).
     *
     * @throws IOException when its dimension differs from the first vector's, or it is a zero vector under a normalising similarity
     */
    public void accept(float[] vector, String location) throws IOException {
        if (dimension < 0) {
            dimension = vector.length;
            firstLocation = location;
        } else if (vector.length != dimension) {
            throw new IOException(
                location + ": vector has " + vector.length + " dimensions, but " + firstLocation + " had " + dimension
            );
        }
        if (similarity.normalizes()) {
            try {
                vector = VectorMath.normalized(vector);
            } catch (IllegalArgumentException e) {
                throw new IOException(location + ": zero vector, which has no direction for [" + similarity.jsonName() + "] similarity");
            }
        }
        seen++;
        if (reservoir.size() < capacity) {
            reservoir.add(vector);
        } else {
            long slot = random.nextLong(seen);
            if (slot < capacity) {
                reservoir.set((int) slot, vector);
            }
        }
    }

    /** Vectors read so far (all of them, not only those kept). */
    public long seen() {
        return seen;
    }

    /** Vectors kept. */
    public int size() {
        return reservoir.size();
    }

    /** The vectors' dimension, or -1 before the first vector. */
    public int dimension() {
        return dimension;
    }

    /** The kept vectors, row-major. */
    public float[] toArray() {
        float[] data = new float[reservoir.size() * Math.max(dimension, 0)];
        for (int i = 0; i < reservoir.size(); i++) {
            System.arraycopy(reservoir.get(i), 0, data, i * dimension, dimension);
        }
        return data;
    }
}
