package io.audiopq.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded, class-stratified choices of labelled items. */
public final class Splits {

    private Splits() {}

    /**
     * A labelled subset of {@code pool}: per class, round(fraction × class size) items (at least 2,
     * so that every class has a similar pair, unless the class has fewer), drawn with {@code seed}.
     *
     * @return the labels of {@code pool}'s items where chosen, -1 elsewhere, indexed like {@code labels}
     *         (items outside the pool are -1 too)
     */
    public static int[] labelFraction(int[] labels, int[] pool, double fraction, long seed) {
        if (fraction <= 0 || fraction > 1) {
            throw new IllegalArgumentException("label fraction must be in (0, 1], got " + fraction);
        }
        int[] out = new int[labels.length];
        Arrays.fill(out, -1);
        int classes = Arrays.stream(labels).max().orElse(-1) + 1;
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i : pool) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            int[] perm = HeadTrainer.permutation(members.size(), random);
            int take = Math.min(members.size(), Math.max(2, (int) Math.round(fraction * members.size())));
            for (int k = 0; k < take; k++) {
                int item = members.get(perm[k]);
                out[item] = labels[item];
            }
        }
        return out;
    }

    /**
     * An inner validation split carved from the labelled items of {@code labels} (≥ 0), for model
     * selection without touching any evaluation fold: per class with at least 3 labelled items,
     * max(1, round(fraction × labelled)) of them, at most labelled − 2 (so every class keeps a
     * similar pair to train on), drawn with {@code seed}. Classes with fewer labels give none.
     *
     * @return the chosen items, ascending
     */
    public static int[] innerValidation(int[] labels, double fraction, long seed) {
        int classes = Arrays.stream(labels).max().orElse(-1) + 1;
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            if (members.size() < 3) {
                continue;
            }
            int take = Math.min(members.size() - 2, Math.max(1, (int) Math.round(fraction * members.size())));
            int[] perm = HeadTrainer.permutation(members.size(), random);
            for (int k = 0; k < take; k++) {
                out.add(members.get(perm[k]));
            }
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The items of {@code labels} that are labelled (≥ 0). */
    public static int[] labelled(int[] labels) {
        return java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] >= 0).toArray();
    }
}
