package io.audiopq.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Items to train or evaluate on: one embedding per item (as the backbone produced it, not
 * normalised), its class, and its fold (any string: a fold number, a speaker, a session, a
 * recorder; "0" when the label file has none).
 *
 * @param ids        item names (the audio file's path relative to the data folder)
 * @param vectors    n × D embeddings
 * @param labels     class index per item, into {@code classNames}
 * @param folds      fold per item (cross-validation group; items of one source recording or one speaker share one)
 * @param classNames class names, index = label
 */
public record Dataset(List<String> ids, float[][] vectors, int[] labels, String[] folds, List<String> classNames) {

    public Dataset {
        int n = ids.size();
        if (vectors.length != n || labels.length != n || folds.length != n) {
            throw new IllegalArgumentException(
                "ids, vectors, labels and folds must have one entry per item: " + n + ", " + vectors.length + ", " + labels.length + ", " + folds.length);
        }
        for (int i = 1; i < n; i++) {
            if (vectors[i].length != vectors[0].length) {
                throw new IllegalArgumentException("item [" + ids.get(i) + "] has " + vectors[i].length + " dimensions, the first has " + vectors[0].length);
            }
        }
        for (int i = 0; i < n; i++) {
            if (folds[i] == null) {
                throw new IllegalArgumentException("item [" + ids.get(i) + "] has no fold");
            }
        }
    }

    /** Folds given as integers (named by their decimal form). */
    public Dataset(List<String> ids, float[][] vectors, int[] labels, int[] folds, List<String> classNames) {
        this(ids, vectors, labels, Arrays.stream(folds).mapToObj(Integer::toString).toArray(String[]::new), classNames);
    }

    public int size() {
        return ids.size();
    }

    public int dimension() {
        return vectors.length == 0 ? 0 : vectors[0].length;
    }

    /**
     * The distinct folds in a stable order that depends only on their values, never on row order:
     * numerically when every fold is an integer ("2" before "10"), else lexicographically.
     */
    public List<String> foldValues() {
        return sortedFolds(Arrays.stream(folds).distinct().toList());
    }

    static List<String> sortedFolds(List<String> distinct) {
        List<String> out = new ArrayList<>(distinct);
        boolean numeric = out.stream().allMatch(Dataset::isInteger);
        if (numeric) {
            out.sort((a, b) -> {
                int c = new java.math.BigInteger(a.trim()).compareTo(new java.math.BigInteger(b.trim()));
                return c != 0 ? c : a.compareTo(b);
            });
        } else {
            out.sort(String::compareTo);
        }
        return out;
    }

    private static boolean isInteger(String s) {
        return s.trim().matches("[-+]?\\d+");
    }

    /** Indices of the items in {@code fold} ({@code in = true}) or in every other fold. */
    public int[] foldIndices(String fold, boolean in) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < folds.length; i++) {
            if (folds[i].equals(fold) == in) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@link #foldIndices(String, boolean)} for an integer fold. */
    public int[] foldIndices(int fold, boolean in) {
        return foldIndices(Integer.toString(fold), in);
    }
}
