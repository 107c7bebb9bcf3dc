package io.audiopq.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * Query-by-example retrieval metrics over a full ranking: every query ranks the whole database (the
 * query itself excluded when it is in the database); an item is relevant when it has the query's
 * label.
 * <ul>
 *   <li>{@code map}: mean average precision over the full ranking (AP = mean of the precision at
 *       the rank of each relevant item), as in the seed study and {@code RetrievalMetrics};</li>
 *   <li>{@code mapAt[r]}: mAP@R for R = {@link #CUTOFFS}[r]: AP over the top R, divided by
 *       min(R, relevant items), so 1 means the top min(R, relevant) are all relevant;</li>
 *   <li>{@code precisionAt[k]}: P@k for k = {@link #CUTOFFS}[k]: relevant items in the top k / k.</li>
 * </ul>
 * Ties are broken at random with a fixed seed ({@link #TIE_SEED} unless given): each query draws a
 * random key per database item from a generator seeded by (seed, query), and tied items rank by that
 * key. So the metrics are deterministic for a seed, and the order of the items (a label file sorted
 * by class, say) cannot favour or penalise a system whose scores tie (items sharing a PQ code tie
 * exactly): breaking ties by index would rank a label-sorted collection's same-class items first.
 * Queries without any relevant item count with AP 0.
 */
public record RankingMetrics(double map, double[] mapAt, double[] precisionAt, int queries) {

    /** The cutoffs R and k of mAP@R and P@k. */
    public static final int[] CUTOFFS = { 3, 5, 10, 50 };

    /** Seed of the random tie-breaking when none is given. */
    public static final long TIE_SEED = 42L;

    /** Similarity of a query to a database item; higher ranks first. */
    @FunctionalInterface
    public interface Scorer {
        double score(int query, int item);
    }

    /**
     * @param queryLabels  label of each query
     * @param querySelf    database index of each query (excluded from its ranking), or -1
     * @param dbLabels     label of each database item
     * @param scorer       score of (query index, database index)
     */
    public static RankingMetrics compute(int[] queryLabels, int[] querySelf, int[] dbLabels, Scorer scorer) {
        return compute(queryLabels, querySelf, dbLabels, scorer, TIE_SEED);
    }

    /** {@link #compute(int[], int[], int[], Scorer)} with ties broken at random by {@code tieSeed}. */
    public static RankingMetrics compute(int[] queryLabels, int[] querySelf, int[] dbLabels, Scorer scorer, long tieSeed) {
        int nq = queryLabels.length, n = dbLabels.length;
        long[] tieKey = new long[n];
        double sumAp = 0;
        double[] sumMapAt = new double[CUTOFFS.length], sumP = new double[CUTOFFS.length];
        double[] score = new double[n];
        Integer[] order = new Integer[n];
        for (int q = 0; q < nq; q++) {
            int self = querySelf == null ? -1 : querySelf[q];
            java.util.SplittableRandom random = new java.util.SplittableRandom(tieSeed * 0x9E3779B97F4A7C15L + q);
            for (int i = 0; i < n; i++) {
                tieKey[i] = random.nextLong();
            }
            int m = 0, relevantTotal = 0;
            for (int i = 0; i < n; i++) {
                if (i != self) {
                    score[i] = scorer.score(q, i);
                    order[m++] = i;
                    if (dbLabels[i] == queryLabels[q]) {
                        relevantTotal++;
                    }
                }
            }
            Arrays.sort(order, 0, m, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a])
                : tieKey[a] != tieKey[b] ? Long.compare(tieKey[a], tieKey[b]) : Integer.compare(a, b));
            int hits = 0;
            double ap = 0;
            double[] apAt = new double[CUTOFFS.length];
            for (int rank = 0; rank < m; rank++) {
                if (dbLabels[order[rank]] == queryLabels[q]) {
                    hits++;
                    double precision = (double) hits / (rank + 1);
                    ap += precision;
                    for (int c = 0; c < CUTOFFS.length; c++) {
                        if (rank < CUTOFFS[c]) {
                            apAt[c] += precision;
                        }
                    }
                }
                for (int c = 0; c < CUTOFFS.length; c++) {
                    if (rank + 1 == CUTOFFS[c]) {
                        sumP[c] += (double) hits / CUTOFFS[c];
                    }
                }
            }
            for (int c = 0; c < CUTOFFS.length; c++) {
                if (m < CUTOFFS[c]) {
                    sumP[c] += (double) hits / CUTOFFS[c]; // fewer items than k: the missing ranks count as misses
                }
                int denominator = Math.min(CUTOFFS[c], relevantTotal);
                sumMapAt[c] += denominator == 0 ? 0 : apAt[c] / denominator;
            }
            sumAp += relevantTotal == 0 ? 0 : ap / relevantTotal;
        }
        double[] mapAt = new double[CUTOFFS.length], p = new double[CUTOFFS.length];
        for (int c = 0; c < CUTOFFS.length; c++) {
            mapAt[c] = sumMapAt[c] / nq;
            p[c] = sumP[c] / nq;
        }
        return new RankingMetrics(sumAp / nq, mapAt, p, nq);
    }

    /** Every item queries all others by dot product (cosine, for unit vectors). */
    public static RankingMetrics leaveOneOutCosine(float[][] unitVectors, int[] labels) {
        int[] self = new int[labels.length];
        Arrays.setAll(self, i -> i);
        return compute(labels, self, labels, (q, i) -> dot(unitVectors[q], unitVectors[i]));
    }

    /**
     * Every item queries all others by asymmetric distance: the float query against each item's PQ
     * reconstruction, ranked by smaller squared L2 distance (what the plugin does for cosine fields:
     * an L2 ADC table on unit vectors).
     */
    public static RankingMetrics leaveOneOutAdc(float[][] unitQueries, float[][] reconstructions, int[] labels) {
        int[] self = new int[labels.length];
        Arrays.setAll(self, i -> i);
        return compute(labels, self, labels, (q, i) -> -squaredDistance(unitQueries[q], reconstructions[i]));
    }

    public String mapAtString() {
        return format(mapAt);
    }

    public String precisionAtString() {
        return format(precisionAt);
    }

    private static String format(double[] values) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < CUTOFFS.length; c++) {
            s.append(c == 0 ? "" : " ").append(String.format(Locale.ROOT, "@%d %.4f", CUTOFFS[c], values[c]));
        }
        return s.toString();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "mAP %.4f, mAP@R %s, P@k %s (%d queries)", map, mapAtString(), precisionAtString(), queries);
    }
}
