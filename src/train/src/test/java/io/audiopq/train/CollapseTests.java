package io.audiopq.train;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.Arrays;
import java.util.List;

/** The collapse detector, the refusal to write a collapsed bundle, and model selection on an inner split of the training labels. */
public class CollapseTests extends LuceneTestCase {

    public void testCollapsingShuttleIsDetectedAndRefused() throws Exception {
        // Space-Shuttle with gravity ≫ propulsion (none at all): the outputs are pulled onto the codewords and
        // the head ends far below the untrained backbone on the inner validation split (measured: mAP 0.45 vs 0.77).
        // Before the tangent projection the similarity loss also stayed flat; now it can fall a little as the
        // outputs cluster, so that criterion is not required here. On the unit input: on the default LDA input
        // the head's input already separates these clusters in 5 dimensions, and pulling the outputs onto
        // the codewords no longer collapses them (no criterion fired), so this configuration stopped collapsing.
        // 60 % labels: an inner split of 24 items, enough for the criterion (Collapse.MIN_VALIDATION_ITEMS).
        Dataset ds = HeadTrainerTests.clusters(4);
        int[] labels = Splits.labelFraction(ds.labels(), HeadTrainerTests.all(ds), 0.6, 5);
        TrainConfig collapsing = HeadTrainerTests.small(TrainConfig.Method.SHUTTLE).withShuttle(0.9f, 0f, 0.9f).withInput(TrainConfig.Input.UNIT);
        ModelSelection.Selected s = ModelSelection.train(ds.vectors(), labels, new int[0], null, collapsing, Progress.silent());
        assertTrue(s.collapse().describe(), s.collapse().collapsed());
        assertTrue(s.collapse().describe(), s.collapse().criteria().stream().anyMatch(c -> c.startsWith("trained head below the untrained backbone")));
        TrainCommand.CollapseException refused = assertThrows(TrainCommand.CollapseException.class,
            () -> TrainCommand.refuseCollapse(s.collapse(), false, Progress.silent()));
        assertTrue(refused.getMessage(), refused.getMessage().contains("below the untrained backbone") && refused.getMessage().contains("--force"));
        TrainCommand.refuseCollapse(s.collapse(), true, Progress.silent()); // --force: warns, writes
    }

    public void testHealthyTrainingPasses() throws Exception {
        Dataset ds = HeadTrainerTests.clusters(4);
        int[] labels = Splits.labelFraction(ds.labels(), HeadTrainerTests.all(ds), 0.3, 5);
        ModelSelection.Selected s = ModelSelection.train(ds.vectors(), labels, new int[0], null, HeadTrainerTests.small(TrainConfig.Method.DQN),
            Progress.silent());
        assertFalse(s.collapse().describe(), s.collapse().collapsed());
        TrainCommand.refuseCollapse(s.collapse(), false, Progress.silent());
        assertTrue(s.validationItems() > 0);
        assertTrue(s.chosenEpoch() >= 1 && s.chosenEpoch() <= 30);
        assertEquals(s.chosenEpoch(), s.result().history().size());
        assertTrue(s.summary(), s.summary().contains("epoch " + s.chosenEpoch() + " of 30"));
    }

    public void testDegenerateOutputsAndCodesAreDetected() {
        // constant outputs: near-constant and a single code, whatever the losses did
        float[][] constant = new float[50][];
        for (int i = 0; i < constant.length; i++) {
            constant[i] = new float[] { 0.6f, 0.8f, 0, 0 };
        }
        var pq = io.audiopq.quantization.ProductQuantizer.train(HeadTrainer.flatten(constant), 50, 4, 2, 8,
            new io.audiopq.quantization.KMeans.Params(5, 1, 65_536, true));
        List<HeadTrainer.EpochStat> falling = List.of(new HeadTrainer.EpochStat(1, 0.5, 0, Double.NaN, Double.NaN),
            new HeadTrainer.EpochStat(2, 0.1, 0, Double.NaN, Double.NaN));
        Collapse c = Collapse.detect(falling, constant, pq, 0, 3);
        assertEquals(c.describe(), 2, c.criteria().size());
        assertTrue(c.criteria().get(0).startsWith("near-constant outputs"));
        assertTrue(c.criteria().get(1).startsWith("few distinct PQ codes: 1 over 50 items"));
        // a loss that did fall and spread outputs: nothing
        float[][] spread = new float[50][];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < spread.length; i++) {
            spread[i] = io.audiopq.quantization.VectorMath.normalize(new float[] { (float) r.nextGaussian(), (float) r.nextGaussian(),
                (float) r.nextGaussian(), (float) r.nextGaussian() });
        }
        var pq2 = io.audiopq.quantization.ProductQuantizer.train(HeadTrainer.flatten(spread), 50, 4, 2, 8,
            new io.audiopq.quantization.KMeans.Params(5, 1, 65_536, true));
        assertFalse(Collapse.detect(falling, spread, pq2, 0, 3).collapsed());
        // the spoken-digit case: similarity loss 0.90 → 0.88 and quantisation error 0 → flat + vanishing error
        List<HeadTrainer.EpochStat> flat = java.util.stream.IntStream.rangeClosed(1, 80)
            .mapToObj(e -> new HeadTrainer.EpochStat(e, 0.90 - 0.02 * e / 80, 0, Double.NaN, Double.NaN)).toList();
        Collapse d = Collapse.detect(flat, spread, pq2, 0, 3);
        assertEquals(d.describe(), 2, d.criteria().size());
        assertTrue(d.criteria().get(0).startsWith("flat similarity loss"));
        assertTrue(d.criteria().get(1).startsWith("quantisation error"));
        assertEquals(1, Collapse.belowBackbone(0.111, 0.154, 20).size());
        assertEquals(0, Collapse.belowBackbone(0.95, 0.96, 20).size());
        assertEquals("too few validation items to tell", 0, Collapse.belowBackbone(0.90, 0.93, Collapse.MIN_VALIDATION_ITEMS - 1).size());
        assertEquals(1, Collapse.belowBackbone(0.90, 0.93, Collapse.MIN_VALIDATION_ITEMS).size());
    }

    public void testInnerValidationComesFromTheTrainingLabelsOnly() {
        int[] labels = new int[100];
        Arrays.fill(labels, -1);
        for (int i = 0; i < 40; i++) {
            labels[i] = i % 4; // 10 labelled per class
        }
        labels[50] = 4;
        labels[51] = 4; // a class with 2 labels keeps both
        int[] inner = Splits.innerValidation(labels, 0.25, 3);
        assertEquals(4 * 3, inner.length); // round(0.25 × 10) = 3 per class with ≥ 3 labels
        for (int i : inner) {
            assertTrue(labels[i] >= 0 && labels[i] < 4);
        }
        assertTrue(Arrays.equals(inner, Splits.innerValidation(labels, 0.25, 3)));
    }
}
