package io.audiopq.tools;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Query-by-example retrieval metrics: every query ranks the database (itself excluded when it is
 * in it), and an item is relevant when it has the query's label. Two ways in, one accumulation:
 * <ul>
 *   <li>from scores ({@link #compute}, {@link #leaveOneOutCosine}, {@link #leaveOneOutAdc}): the
 *       ranking is by score, higher first, ties broken at random with a fixed seed;</li>
 *   <li>from rankings computed elsewhere, by a search engine say ({@link #ofRankings}): taken as
 *       given.</li>
 * </ul>
 * The figures:
 * <ul>
 *   <li>{@code map}: mean average precision over the full ranking (AP = the precision at the rank of
 *       each relevant item, summed and divided by all relevant items, so a ranking that misses
 *       relevant items is penalised for them);</li>
 *   <li>{@code top1}: P@1, the fraction of queries whose first result is relevant;</li>
 *   <li>{@code mapAt[r]}: mAP@R for R = {@link #CUTOFFS}[r]: AP over the top R, divided by
 *       min(R, relevant items), so 1 means the top min(R, relevant) are all relevant;</li>
 *   <li>{@code precisionAt[k]}: P@k for k = {@link #CUTOFFS}[k]: relevant items in the top k / k
 *       (a ranking shorter than k counts its missing ranks as misses).</li>
 * </ul>
 * Random tie-breaking: each query draws a random key per database item from a generator seeded by
 * (seed, query), and tied items rank by that key. So the metrics are deterministic for a seed, and
 * the order of the items (a label file sorted by class, say) cannot favour or penalise a system
 * whose scores tie (items sharing a PQ code tie exactly): breaking ties by index would rank a
 * label-sorted collection's same-class items first. Queries without any relevant item count with AP 0.
 *
 * @param map         mAP over the full ranking
 * @param top1        P@1
 * @param mapAt       mAP@R per {@link #CUTOFFS}
 * @param precisionAt P@k per {@link #CUTOFFS}
 * @param queries     number of queries
 */
public record RetrievalMetrics(double map, double top1, double[] mapAt, double[] precisionAt, int queries) {

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
     * @param querySelf    database index of each query (excluded from its ranking), or -1; or null for none
     * @param dbLabels     label of each database item
     * @param scorer       score of (query index, database index)
     */
    public static RetrievalMetrics compute(int[] queryLabels, int[] querySelf, int[] dbLabels, Scorer scorer) {
        return compute(queryLabels, querySelf, dbLabels, scorer, TIE_SEED);
    }

    /** {@link #compute(int[], int[], int[], Scorer)} with ties broken at random by {@code tieSeed}. */
    public static RetrievalMetrics compute(int[] queryLabels, int[] querySelf, int[] dbLabels, Scorer scorer, long tieSeed) {
        int n = dbLabels.length;
        long[] tieKey = new long[n];
        double[] score = new double[n];
        Integer[] boxed = new Integer[n];
        int[] order = new int[n];
        Sums sums = new Sums();
        for (int q = 0; q < queryLabels.length; q++) {
            int self = querySelf == null ? -1 : querySelf[q];
            SplittableRandom random = new SplittableRandom(tieSeed * 0x9E3779B97F4A7C15L + q);
            for (int i = 0; i < n; i++) {
                tieKey[i] = random.nextLong();
            }
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (i != self) {
                    score[i] = scorer.score(q, i);
                    boxed[m++] = i;
                }
            }
            Arrays.sort(boxed, 0, m, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a])
                : tieKey[a] != tieKey[b] ? Long.compare(tieKey[a], tieKey[b]) : Integer.compare(a, b));
            for (int r = 0; r < m; r++) {
                order[r] = boxed[r];
            }
            sums.add(order, m, queryLabels[q], self, dbLabels);
        }
        return sums.metrics(queryLabels.length);
    }

    /** Every item queries all others by dot product (cosine, for unit vectors). */
    public static RetrievalMetrics leaveOneOutCosine(float[][] unitVectors, int[] labels) {
        return leaveOneOutCosine(unitVectors, unitVectors, labels);
    }

    /**
     * Leave-one-out where query q is {@code queries[q]} and the collection holds {@code database}
     * (e.g. the PQ reconstructions of the same clips), ranked by dot product.
     */
    public static RetrievalMetrics leaveOneOutCosine(float[][] queries, float[][] database, int[] labels) {
        checkLeaveOneOut(queries, database, labels);
        return compute(labels, identity(labels.length), labels, (q, i) -> dot(queries[q], database[i]));
    }

    /**
     * Every item queries all others by asymmetric distance: the float query against each item's PQ
     * reconstruction, ranked by smaller squared L2 distance (what the plugin does for cosine fields:
     * an L2 ADC table on unit vectors).
     */
    public static RetrievalMetrics leaveOneOutAdc(float[][] unitQueries, float[][] reconstructions, int[] labels) {
        checkLeaveOneOut(unitQueries, reconstructions, labels);
        return compute(labels, identity(labels.length), labels, (q, i) -> -squaredDistance(unitQueries[q], reconstructions[i]));
    }

    /**
     * The metrics of rankings computed elsewhere (e.g. by a search engine): {@code rankings[q]} lists
     * the items that query {@code q} retrieved, best first, without {@code q} itself. Every item is a
     * query; relevance counts all other items that share the query's label.
     */
    public static RetrievalMetrics ofRankings(int[][] rankings, int[] labels) {
        int n = labels.length;
        if (rankings.length != n || n < 2) {
            throw new IllegalArgumentException("need one ranking per item and at least 2 items, got " + rankings.length + " rankings and "
                + n + " labels");
        }
        Sums sums = new Sums();
        for (int q = 0; q < n; q++) {
            for (int item : rankings[q]) {
                if (item == q) {
                    throw new IllegalArgumentException("ranking " + q + " contains the query itself");
                }
            }
            sums.add(rankings[q], rankings[q].length, labels[q], q, labels);
        }
        return sums.metrics(n);
    }

    /** P@k for k one of {@link #CUTOFFS}. */
    public double precisionAt(int k) {
        return precisionAt[cutoff(k)];
    }

    /** mAP@R for R one of {@link #CUTOFFS}. */
    public double mapAt(int r) {
        return mapAt[cutoff(r)];
    }

    public String mapAtString() {
        return format(mapAt);
    }

    public String precisionAtString() {
        return format(precisionAt);
    }

    /** Dot product accumulated in double: the cosine score of unit vectors. */
    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Squared L2 distance accumulated in double: the ADC score (negated) of a unit query and a reconstruction. */
    public static double squaredDistance(float[] a, float[] b) {
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

    /** The per-query sums of every figure: the one place AP, P@1, mAP@R and P@k accumulate. */
    private static final class Sums {
        double ap, top1;
        final double[] apAt = new double[CUTOFFS.length], precision = new double[CUTOFFS.length];

        /**
         * Adds one query: {@code order[0 .. m)} is its ranking, best first; relevant are the items
         * other than {@code self} labelled {@code label} in {@code dbLabels}.
         */
        void add(int[] order, int m, int label, int self, int[] dbLabels) {
            int relevantTotal = 0;
            for (int i = 0; i < dbLabels.length; i++) {
                if (i != self && dbLabels[i] == label) {
                    relevantTotal++;
                }
            }
            int hits = 0;
            double sum = 0;
            double[] sumAt = new double[CUTOFFS.length];
            for (int rank = 0; rank < m; rank++) {
                if (dbLabels[order[rank]] == label) {
                    hits++;
                    double p = (double) hits / (rank + 1);
                    sum += p;
                    for (int c = 0; c < CUTOFFS.length; c++) {
                        if (rank < CUTOFFS[c]) {
                            sumAt[c] += p;
                        }
                    }
                }
                for (int c = 0; c < CUTOFFS.length; c++) {
                    if (rank + 1 == CUTOFFS[c]) {
                        precision[c] += (double) hits / CUTOFFS[c];
                    }
                }
            }
            for (int c = 0; c < CUTOFFS.length; c++) {
                if (m < CUTOFFS[c]) {
                    precision[c] += (double) hits / CUTOFFS[c]; // fewer items than k: the missing ranks count as misses
                }
                int denominator = Math.min(CUTOFFS[c], relevantTotal);
                apAt[c] += denominator == 0 ? 0 : sumAt[c] / denominator;
            }
            ap += relevantTotal == 0 ? 0 : sum / relevantTotal;
            top1 += m > 0 && dbLabels[order[0]] == label ? 1 : 0;
        }

        RetrievalMetrics metrics(int queries) {
            double[] mapAt = new double[CUTOFFS.length], p = new double[CUTOFFS.length];
            for (int c = 0; c < CUTOFFS.length; c++) {
                mapAt[c] = apAt[c] / queries;
                p[c] = precision[c] / queries;
            }
            return new RetrievalMetrics(ap / queries, top1 / queries, mapAt, p, queries);
        }
    }

    private static void checkLeaveOneOut(float[][] queries, float[][] database, int[] labels) {
        int n = database.length;
        if (queries.length != n) {
            throw new IllegalArgumentException("need one query per database vector, got " + queries.length + " and " + n);
        }
        if (n < 2 || labels.length != n) {
            throw new IllegalArgumentException("need at least 2 vectors and one label each, got " + n + " vectors and " + labels.length + " labels");
        }
    }

    private static int[] identity(int n) {
        int[] self = new int[n];
        Arrays.setAll(self, i -> i);
        return self;
    }

    private static int cutoff(int k) {
        for (int c = 0; c < CUTOFFS.length; c++) {
            if (CUTOFFS[c] == k) {
                return c;
            }
        }
        throw new IllegalArgumentException("not a cutoff: " + k + ", expected one of " + Arrays.toString(CUTOFFS));
    }

    private static String format(double[] values) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < CUTOFFS.length; c++) {
            s.append(c == 0 ? "" : " ").append(String.format(Locale.ROOT, "@%d %.4f", CUTOFFS[c], values[c]));
        }
        return s.toString();
    }
}
