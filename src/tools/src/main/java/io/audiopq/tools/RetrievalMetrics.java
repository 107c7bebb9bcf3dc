package io.audiopq.tools;

import java.util.Arrays;

/**
 * Leave-one-out query-by-example metrics: every item queries all the others, ranked by cosine
 * similarity; an item is relevant when it has the query's label.
 *
 * @param meanAveragePrecision mAP: mean over queries of the average precision at each relevant rank
 * @param top1Accuracy         fraction of queries whose nearest neighbour is relevant
 * @param precisionAt5         mean fraction of relevant items in the top 5
 * @param precisionAt10        mean fraction of relevant items in the top 10
 * @param queries              number of queries
 */
public record RetrievalMetrics(double meanAveragePrecision, double top1Accuracy, double precisionAt5, double precisionAt10, int queries) {

    /**
     * @param vectors L2-normalised vectors (so the dot product is the cosine)
     * @param labels  one label per vector
     */
    public static RetrievalMetrics leaveOneOut(float[][] vectors, int[] labels) {
        return leaveOneOut(vectors, vectors, labels);
    }

    /**
     * Leave-one-out where query q is {@code queries[q]} and the collection holds {@code database}
     * (e.g. the PQ reconstructions of the same clips: asymmetric distance, as a pq_vector field scores).
     */
    public static RetrievalMetrics leaveOneOut(float[][] queries, float[][] database, int[] labels) {
        float[][] vectors = database;
        int n = vectors.length;
        if (queries.length != n) {
            throw new IllegalArgumentException("need one query per database vector, got " + queries.length + " and " + n);
        }
        if (n < 2 || labels.length != n) {
            throw new IllegalArgumentException("need at least 2 vectors and one label each, got " + n + " vectors and " + labels.length + " labels");
        }
        int[][] rankings = new int[n][];
        Integer[] order = new Integer[n - 1];
        double[] score = new double[n];
        for (int q = 0; q < n; q++) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (i != q) {
                    score[i] = dot(queries[q], vectors[i]);
                    order[k++] = i;
                }
            }
            // Ties broken by index, so the metric is deterministic.
            Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
            rankings[q] = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        }
        return ofRankings(rankings, labels);
    }

    /**
     * The same metrics from rankings computed elsewhere (e.g. by a search engine): {@code rankings[q]}
     * lists the items that query {@code q} retrieved, best first, without {@code q} itself. Every
     * item is a query. Average precision divides by all items that share the query's label, so a
     * ranking that misses relevant items is penalised for them.
     */
    public static RetrievalMetrics ofRankings(int[][] rankings, int[] labels) {
        int n = labels.length;
        if (rankings.length != n || n < 2) {
            throw new IllegalArgumentException("need one ranking per item and at least 2 items, got " + rankings.length + " rankings and "
                + n + " labels");
        }
        double sumAp = 0, sumTop1 = 0, sumP5 = 0, sumP10 = 0;
        for (int q = 0; q < n; q++) {
            int[] order = rankings[q];
            int relevantTotal = 0;
            for (int i = 0; i < n; i++) {
                if (i != q && labels[i] == labels[q]) {
                    relevantTotal++;
                }
            }
            int hits = 0;
            double ap = 0;
            for (int rank = 0; rank < order.length; rank++) {
                if (order[rank] == q) {
                    throw new IllegalArgumentException("ranking " + q + " contains the query itself");
                }
                if (labels[order[rank]] == labels[q]) {
                    hits++;
                    ap += (double) hits / (rank + 1);
                }
                if (rank == 4) {
                    sumP5 += hits / 5.0;
                }
                if (rank == 9) {
                    sumP10 += hits / 10.0;
                }
            }
            sumAp += relevantTotal == 0 ? 0 : ap / relevantTotal;
            sumTop1 += order.length > 0 && labels[order[0]] == labels[q] ? 1 : 0;
        }
        return new RetrievalMetrics(sumAp / n, sumTop1 / n, sumP5 / n, sumP10 / n, n);
    }

    /** Scales {@code v} to unit length in place (a zero vector stays zero) and returns it. */
    public static float[] l2Normalize(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
