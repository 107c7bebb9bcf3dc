package io.audiopq.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;

/**
 * The training losses as DJL array expressions (differentiated by the engine's autograd). Inputs
 * {@code u} are B × d unit vectors (the head's outputs); labels are class indices.
 */
public final class Losses {

    private Losses() {}

    /** Row-wise L2 normalisation v / max(‖v‖, ε): the head's first and last operation. */
    public static NDArray l2Normalize(NDArray v) {
        return v.div(v.norm(new int[] { 1 }, true).maximum(Mlp.EPSILON));
    }

    /**
     * DQN's pairwise cosine loss: mean over ordered pairs i ≠ j of (s_ij − cos(u_i, u_j))², with
     * s_ij = 1 for a pair of one class and {@code dissimilar} otherwise. Fewer than 2 items: 0.
     * {@code balance}: the similar pairs' mean and the dissimilar pairs' mean weigh half each (a batch
     * with only one kind: that kind's mean). With C classes only about 1/C of the pairs are similar,
     * so unbalanced the loss mostly pushes classes apart and barely pulls a class together. On the
     * spoken-word collection with 10 % labels (docs/evaluation.md), balancing took DQN's PQ mAP from
     * 0.383 to 0.426 and Space-Shuttle's from 0.318 to 0.401 (one seed).
     */
    public static NDArray pairwiseCosine(NDArray u, int[] labels, float dissimilar, boolean balance) {
        int b = labels.length;
        NDManager nd = u.getManager();
        if (b < 2) {
            return nd.create(0f);
        }
        int similarPairs = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                similarPairs += i != j && labels[i] == labels[j] ? 1 : 0;
            }
        }
        int dissimilarPairs = b * (b - 1) - similarPairs;
        float similarWeight = 1f / (b * (b - 1)), dissimilarWeight = similarWeight;
        if (balance && similarPairs > 0 && dissimilarPairs > 0) {
            similarWeight = 0.5f / similarPairs;
            dissimilarWeight = 0.5f / dissimilarPairs;
        } else if (balance) {
            similarWeight = dissimilarWeight = 1f / Math.max(similarPairs, dissimilarPairs);
        }
        float[] s = new float[b * b], weight = new float[b * b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                boolean similar = labels[i] == labels[j];
                s[i * b + j] = similar ? 1f : dissimilar;
                weight[i * b + j] = i == j ? 0f : similar ? similarWeight : dissimilarWeight;
            }
        }
        NDArray cos = u.matMul(u.transpose());
        NDArray diff = nd.create(s, new ai.djl.ndarray.types.Shape(b, b)).sub(cos);
        return diff.mul(diff).mul(nd.create(weight, new ai.djl.ndarray.types.Shape(b, b))).sum();
    }

    /** Quantisation loss: mean over items of ‖u_i − q_i‖², q_i the (constant) PQ reconstruction of u_i. */
    public static NDArray quantization(NDArray u, NDArray reconstructions) {
        NDArray diff = u.sub(reconstructions);
        return diff.mul(diff).sum().div((float) u.getShape().get(0));
    }

    /**
     * Triplet hinge loss on squared distances between unit vectors, max(0, m + ‖a−p‖² − ‖a−n‖²)
     * (p of the anchor's class, n of another), with the batch mining of Kak &amp; Bouman's notes:
     * <ul>
     *   <li>ALL: every valid triplet; the mean over the triplets with a positive loss (easy ones
     *       would otherwise dilute the mean toward 0 as training goes on);</li>
     *   <li>HARD: per anchor, its farthest positive and nearest negative;</li>
     *   <li>SEMIHARD: per (anchor, positive), the nearest negative farther than the positive (a
     *       semi-hard one), or the farthest negative when there is none.</li>
     * </ul>
     * Batches without a valid triplet give 0.
     */
    public static NDArray triplet(NDArray u, int[] labels, float margin, TrainConfig.Mining mining) {
        int b = labels.length;
        NDManager nd = u.getManager();
        float[] pos = new float[b * b], neg = new float[b * b];
        boolean anyPos = false, anyNeg = false;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                if (i != j && labels[i] == labels[j]) {
                    pos[i * b + j] = 1;
                    anyPos = true;
                } else if (labels[i] != labels[j]) {
                    neg[i * b + j] = 1;
                    anyNeg = true;
                }
            }
        }
        if (anyPos == false || anyNeg == false) {
            return nd.create(0f);
        }
        ai.djl.ndarray.types.Shape bb = new ai.djl.ndarray.types.Shape(b, b);
        NDArray posMask = nd.create(pos, bb), negMask = nd.create(neg, bb);
        // unit vectors: ‖a − b‖² = 2 − 2 a·b
        NDArray dist = u.matMul(u.transpose()).mul(-2f).add(2f).maximum(0f);
        switch (mining) {
            case ALL: {
                // loss[a, p, n] = m + d[a, p] − d[a, n], valid where p is a positive and n a negative of a
                NDArray l = dist.expandDims(2).sub(dist.expandDims(1)).add(margin).maximum(0f);
                NDArray valid = posMask.expandDims(2).mul(negMask.expandDims(1));
                NDArray losses = l.mul(valid);
                NDArray positive = losses.gt(1e-9f).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                return losses.sum().div(positive.sum().maximum(1f));
            }
            case HARD: {
                NDArray hardestPos = dist.mul(posMask).max(new int[] { 1 });
                // push non-negatives out of the min with a large offset
                NDArray hardestNeg = dist.add(negMask.mul(-1f).add(1f).mul(8f)).min(new int[] { 1 });
                NDArray hasPos = posMask.sum(new int[] { 1 }).gt(0f).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                NDArray l = hardestPos.sub(hardestNeg).add(margin).maximum(0f).mul(hasPos);
                return l.sum().div(hasPos.sum().maximum(1f));
            }
            case SEMIHARD: {
                NDArray dap = dist.expandDims(2);            // [a, p, 1]
                NDArray dan = dist.expandDims(1);            // [a, 1, n]
                NDArray negs = negMask.expandDims(1);        // [a, 1, n]
                NDArray semi = dan.gt(dap).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(negs); // [a, p, n]
                // nearest semi-hard negative: min over n of d[a,n] where semi, else +8 (beyond any distance)
                NDArray nearestSemi = dan.add(semi.mul(-1f).add(1f).mul(8f)).min(new int[] { 2 });    // [a, p]
                NDArray hasSemi = semi.sum(new int[] { 2 }).gt(0f);
                NDArray farthestNeg = dist.mul(negMask).max(new int[] { 1 }, true).broadcast(new ai.djl.ndarray.types.Shape(b, b)); // [a, p]
                NDArray chosen = NDArrays.where(hasSemi, nearestSemi, farthestNeg);
                NDArray l = dist.sub(chosen).add(margin).maximum(0f).mul(posMask);
                return l.sum().div(posMask.sum());
            }
            default:
                throw new AssertionError(mining);
        }
    }
}
