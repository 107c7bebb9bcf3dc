package io.audiopq.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Items to train or evaluate on: one embedding per item (as the backbone produced it, not
 * normalised), its class, and its fold (0 when the label file has none).
 *
 * @param ids        item names (the audio file's path relative to the data folder)
 * @param vectors    n × D embeddings
 * @param labels     class index per item, into {@code classNames}
 * @param folds      fold per item (cross-validation group; items of one source recording share one)
 * @param classNames class names, index = label
 */
public record Dataset(List<String> ids, float[][] vectors, int[] labels, int[] folds, List<String> classNames) {

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
    }

    public int size() {
        return ids.size();
    }

    public int dimension() {
        return vectors.length == 0 ? 0 : vectors[0].length;
    }

    /** The distinct folds, ascending. */
    public int[] foldIds() {
        return java.util.Arrays.stream(folds).distinct().sorted().toArray();
    }

    /** Indices of the items in {@code fold} ({@code in = true}) or in every other fold. */
    public int[] foldIndices(int fold, boolean in) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < folds.length; i++) {
            if ((folds[i] == fold) == in) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
