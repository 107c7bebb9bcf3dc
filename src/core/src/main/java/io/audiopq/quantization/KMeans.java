package io.audiopq.quantization;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means with k-means++ seeding, used for PQ sub-codebooks and IVF coarse centroids.
 * Deterministic for a given seed. Points are rows of a flat row-major {@code float[]}.
 */
public final class KMeans {

    /**
     * Training parameters.
     *
     * @param iterations        Lloyd iterations after seeding
     * @param seed              random seed: same seed and data give the same centroids
     * @param maxTrainingPoints larger training sets are subsampled to this many points
     * @param allowUndersampled when fewer points than centroids are given, reuse the points as
     *                          centroids instead of failing (for tiny index segments)
     */
    public record Params(int iterations, long seed, int maxTrainingPoints, boolean allowUndersampled) {
        public static final Params DEFAULT = new Params(25, 42L, 65_536, false);

        public Params {
            if (iterations < 0) {
                throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
            }
            if (maxTrainingPoints < 1) {
                throw new IllegalArgumentException("maxTrainingPoints must be >= 1, got " + maxTrainingPoints);
            }
        }

        public Params withSeed(long newSeed) {
            return new Params(iterations, newSeed, maxTrainingPoints, allowUndersampled);
        }

        public Params withAllowUndersampled(boolean allow) {
            return new Params(iterations, seed, maxTrainingPoints, allow);
        }

        public Params withIterations(int newIterations) {
            return new Params(newIterations, seed, maxTrainingPoints, allowUndersampled);
        }
    }

    /**
     * Told where a training is, once before seeding (iteration 0) and before each Lloyd iteration
     * (1, 2, ...), on the training thread. It may throw (an unchecked exception) to stop the
     * training: nothing is returned then. It does not change what is trained.
     */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (stage, subspace, iteration) -> {};

        /**
         * @param stage     what is being trained
         * @param subspace  the PQ subspace (0 .. M-1) for {@link Stage#CODEBOOK}, 0 for {@link Stage#CENTROIDS}
         * @param iteration 0 while seeding, then the Lloyd iteration about to run (1-based)
         */
        void iteration(Stage stage, int subspace, int iteration);
    }

    /** What a k-means run trains: a PQ sub-codebook or IVF coarse centroids. */
    public enum Stage {
        CODEBOOK,
        CENTROIDS
    }

    private KMeans() {}

    /**
     * Clusters {@code n} points of dimension {@code d} into {@code k} centroids.
     *
     * @return k × d centroids, row-major
     * @throws IllegalArgumentException when n &lt; k and undersampling is not allowed
     */
    public static float[] train(float[] data, int n, int d, int k, Params params) {
        return train(data, n, d, k, params, Progress.NONE, Stage.CODEBOOK, 0);
    }

    /** As {@link #train(float[], int, int, int, Params)}, reporting to {@code progress} as {@code stage} of {@code subspace}. */
    public static float[] train(float[] data, int n, int d, int k, Params params, Progress progress, Stage stage, int subspace) {
        if (n < 1 || d < 1 || k < 1) {
            throw new IllegalArgumentException("k-means needs n, d, k >= 1, got n=" + n + " d=" + d + " k=" + k);
        }
        if (data.length < (long) n * d) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, fewer than n*d=" + (long) n * d);
        }
        if (n < k) {
            if (params.allowUndersampled() == false) {
                throw new IllegalArgumentException(
                    "k-means with k=" + k + " needs at least " + k + " training vectors, got " + n
                );
            }
            // Every point is its own centroid; the rest repeat them so that codes stay valid.
            float[] centroids = new float[k * d];
            for (int c = 0; c < k; c++) {
                System.arraycopy(data, (c % n) * d, centroids, c * d, d);
            }
            return centroids;
        }
        SplittableRandom random = new SplittableRandom(params.seed());
        float[] points = data;
        if (n > params.maxTrainingPoints()) {
            points = subsample(data, n, d, params.maxTrainingPoints(), random);
            n = params.maxTrainingPoints();
        }
        progress.iteration(stage, subspace, 0);
        float[] centroids = seedPlusPlus(points, n, d, k, random);
        int[] assignment = new int[n];
        float[] sums = new float[k * d];
        int[] counts = new int[k];
        float[] pointError = new float[n];
        for (int iter = 0; iter < params.iterations(); iter++) {
            progress.iteration(stage, subspace, iter + 1);
            boolean changed = assign(points, n, d, centroids, k, assignment, pointError);
            Arrays.fill(sums, 0f);
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                int c = assignment[i];
                counts[c]++;
                int po = i * d, co = c * d;
                for (int j = 0; j < d; j++) {
                    sums[co + j] += points[po + j];
                }
            }
            for (int c = 0; c < k; c++) {
                if (counts[c] > 0) {
                    float inv = 1f / counts[c];
                    for (int j = 0; j < d; j++) {
                        centroids[c * d + j] = sums[c * d + j] * inv;
                    }
                }
            }
            repairEmptyClusters(points, n, d, centroids, k, counts, pointError, random);
            if (changed == false && iter > 0) {
                break;
            }
        }
        return centroids;
    }

    /** Index of the centroid nearest (squared L2) to {@code x[xOffset .. xOffset+d)}. */
    public static int nearest(float[] centroids, int k, int d, float[] x, int xOffset) {
        int best = 0;
        float bestDistance = Float.POSITIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            float distance = VectorMath.squaredDistance(x, xOffset, centroids, c * d, d);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    private static float[] subsample(float[] data, int n, int d, int m, SplittableRandom random) {
        // Partial Fisher-Yates over indices: an unbiased sample without replacement.
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        float[] sample = new float[m * d];
        for (int i = 0; i < m; i++) {
            int j = i + random.nextInt(n - i);
            int t = index[i];
            index[i] = index[j];
            index[j] = t;
            System.arraycopy(data, index[i] * d, sample, i * d, d);
        }
        return sample;
    }

    private static float[] seedPlusPlus(float[] points, int n, int d, int k, SplittableRandom random) {
        float[] centroids = new float[k * d];
        float[] minDistance = new float[n];
        int first = random.nextInt(n);
        System.arraycopy(points, first * d, centroids, 0, d);
        for (int i = 0; i < n; i++) {
            minDistance[i] = VectorMath.squaredDistance(points, i * d, centroids, 0, d);
        }
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += minDistance[i];
            }
            int chosen;
            if (total <= 0) {
                // All points coincide with chosen centroids: any point will do.
                chosen = random.nextInt(n);
            } else {
                double target = random.nextDouble() * total;
                chosen = n - 1;
                double cumulative = 0;
                for (int i = 0; i < n; i++) {
                    cumulative += minDistance[i];
                    if (cumulative >= target) {
                        chosen = i;
                        break;
                    }
                }
            }
            System.arraycopy(points, chosen * d, centroids, c * d, d);
            for (int i = 0; i < n; i++) {
                float distance = VectorMath.squaredDistance(points, i * d, centroids, c * d, d);
                if (distance < minDistance[i]) {
                    minDistance[i] = distance;
                }
            }
        }
        return centroids;
    }

    private static boolean assign(float[] points, int n, int d, float[] centroids, int k, int[] assignment, float[] pointError) {
        // Vectorised over centroids, with the same distances (bit for bit) as nearest().
        CentroidDistances table = new CentroidDistances(centroids, 0, k, d);
        float[] distances = new float[k];
        boolean changed = false;
        for (int i = 0; i < n; i++) {
            int best = table.nearest(points, i * d, distances);
            if (assignment[i] != best) {
                changed = true;
                assignment[i] = best;
            }
            pointError[i] = distances[best];
        }
        return changed;
    }

    /**
     * An empty cluster takes over the point that is currently worst served, slightly perturbed,
     * so that no codeword is wasted (FAISS splits large clusters for the same reason).
     */
    private static void repairEmptyClusters(
        float[] points, int n, int d, float[] centroids, int k, int[] counts, float[] pointError, SplittableRandom random
    ) {
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                continue;
            }
            int worst = 0;
            for (int i = 1; i < n; i++) {
                if (pointError[i] > pointError[worst]) {
                    worst = i;
                }
            }
            for (int j = 0; j < d; j++) {
                float v = points[worst * d + j];
                centroids[c * d + j] = v + (float) ((random.nextDouble() - 0.5) * 1e-4 * (Math.abs(v) + 1e-3));
            }
            pointError[worst] = 0f;
            counts[c] = 1;
        }
    }
}
