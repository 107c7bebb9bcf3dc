package io.audiopq.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import org.apache.lucene.tests.util.LuceneTestCase;

/** The losses on inputs small enough to compute by hand (DJL, PyTorch engine). */
public class LossesTests extends LuceneTestCase {

    private static NDArray rows(NDManager nd, float[]... rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return nd.create(flat, new Shape(rows.length, rows[0].length));
    }

    public void testL2NormalizeScalesRowsToUnitLength() {
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            float[] out = Losses.l2Normalize(rows(nd, new float[] { 3, 4 }, new float[] { 0, -2 })).toFloatArray();
            assertArrayEquals(new float[] { 0.6f, 0.8f, 0f, -1f }, out, 1e-7f);
        }
    }

    public void testPairwiseCosineByHand() {
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            NDArray u = rows(nd, new float[] { 1, 0 }, new float[] { 0.6f, 0.8f });
            // cos = 0.6; similar pair: (1 - 0.6)² = 0.16 for each ordered pair
            assertEquals(0.16f, Losses.pairwiseCosine(u, new int[] { 0, 0 }, 0f, false).getFloat(), 1e-6f);
            // dissimilar pair, target 0: 0.36; target -1: (-1 - 0.6)² = 2.56
            assertEquals(0.36f, Losses.pairwiseCosine(u, new int[] { 0, 1 }, 0f, false).getFloat(), 1e-6f);
            assertEquals(2.56f, Losses.pairwiseCosine(u, new int[] { 0, 1 }, -1f, false).getFloat(), 1e-5f);
            // three items already where they should be: 0
            NDArray perfect = rows(nd, new float[] { 1, 0 }, new float[] { 0, 1 }, new float[] { 1, 0 });
            assertEquals(0f, Losses.pairwiseCosine(perfect, new int[] { 0, 1, 0 }, 0f, false).getFloat(), 1e-7f);
            // one wrong pair out of 3×2 ordered pairs: items 0 and 2 orthogonal but of one class: 2 × 1² / 6
            NDArray wrong = rows(nd, new float[] { 1, 0 }, new float[] { 0, 1 }, new float[] { 0, 1 });
            assertEquals(4f / 6f, Losses.pairwiseCosine(wrong, new int[] { 0, 1, 0 }, 0f, false).getFloat(), 1e-6f);
            // balanced: the 2 similar ordered pairs (error 1 each) weigh half, the 4 dissimilar ones (errors 0, 0, 1, 1) the other half
            assertEquals(0.5f * 2 / 2 + 0.5f * 2 / 4, Losses.pairwiseCosine(wrong, new int[] { 0, 1, 0 }, 0f, true).getFloat(), 1e-6f);
            // one kind of pair only: its plain mean
            assertEquals(0.16f, Losses.pairwiseCosine(u, new int[] { 0, 0 }, 0f, true).getFloat(), 1e-6f);
        }
    }

    public void testPairwiseCosineGradientByHand() {
        // L = (1 - u0·u1)² (both ordered pairs, mean over 2); dL/du0 = -2 (1 - c) u1
        try (NDManager nd = NDManager.newBaseManager("PyTorch");
             GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray u = rows(nd, new float[] { 1, 0 }, new float[] { 0.6f, 0.8f });
            u.setRequiresGradient(true);
            gc.backward(Losses.pairwiseCosine(u, new int[] { 3, 3 }, 0f, false));
            float[] g = u.getGradient().toFloatArray();
            assertArrayEquals(new float[] { -0.8f * 0.6f, -0.8f * 0.8f, -0.8f * 1f, -0.8f * 0f }, g, 1e-6f);
        }
    }

    public void testQuantizationLossIsMeanSquaredError() {
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            NDArray u = rows(nd, new float[] { 1, 0 }, new float[] { 0, 1 });
            NDArray q = rows(nd, new float[] { 0.8f, 0.6f }, new float[] { 0, 1 });
            assertEquals((0.04f + 0.36f) / 2, Losses.quantization(u, q).getFloat(), 1e-6f);
        }
    }

    public void testTripletLossesByHand() {
        // a=(1,0) and p=(0.6,0.8) of class 0, n=(0,1) of class 1; squared distances 2-2cos:
        // d(a,p)=0.8, d(a,n)=2, d(p,n)=0.4; margin 0.5.
        // triplets: (a,p,n): 0.5+0.8-2 < 0 → 0; (p,a,n): 0.5+0.8-0.4 = 0.9; n has no positive.
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            NDArray u = rows(nd, new float[] { 1, 0 }, new float[] { 0.6f, 0.8f }, new float[] { 0, 1 });
            int[] y = { 0, 0, 1 };
            // ALL: mean over the triplets with a positive loss: 0.9 / 1
            assertEquals(0.9f, Losses.triplet(u, y, 0.5f, TrainConfig.Mining.ALL).getFloat(), 1e-5f);
            // HARD: per anchor with a positive: a → 0, p → 0.9; mean 0.45
            assertEquals(0.45f, Losses.triplet(u, y, 0.5f, TrainConfig.Mining.HARD).getFloat(), 1e-5f);
            // SEMIHARD: (a,p): n is farther than p → 0; (p,a): no negative farther than 0.8 → the farthest (0.4) → 0.9; mean 0.45
            assertEquals(0.45f, Losses.triplet(u, y, 0.5f, TrainConfig.Mining.SEMIHARD).getFloat(), 1e-5f);
            // a larger margin makes (a,p,n) count too: margin 1.5 → (a,p,n) 0.3, (p,a,n) 1.9
            assertEquals((0.3f + 1.9f) / 2, Losses.triplet(u, y, 1.5f, TrainConfig.Mining.ALL).getFloat(), 1e-5f);
            // no negatives in the batch: 0
            assertEquals(0f, Losses.triplet(u, new int[] { 0, 0, 0 }, 0.5f, TrainConfig.Mining.ALL).getFloat(), 0f);
        }
    }
}
