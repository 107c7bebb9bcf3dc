package io.audiopq.train;

import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.VectorMath;
import io.audiopq.tools.RetrievalMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation protocol: query-by-example retrieval (every query ranks the whole database) for
 * the float backbone, unsupervised PQ and trained heads (float and quantised), over bit rates, label
 * fractions and repeats. Two protocols:
 * <ul>
 *   <li><b>all items</b> (the seed study's): the labelled items are a class-stratified fraction of
 *       the whole collection, the rest are unlabelled (they feed the codebook); every item queries
 *       all the others. Unsupervised PQ is shown trained on the searched items themselves and
 *       trained on <em>other data</em>: each fold's items are encoded with a codebook fitted on the
 *       other folds only.</li>
 *   <li><b>held-out fold</b> (generalisation): per fold, head and codebooks are trained on the other
 *       folds only (a fraction of them labelled); the held-out fold's items query each other. One
 *       repeat per fold.</li>
 * </ul>
 * Codes are 8 bits per sub-quantiser (256 codewords), so B bits means M = B / 8. Quantised
 * retrieval ranks the float query against the database items' PQ reconstructions by squared L2
 * distance, exactly what the plugin's L2 ADC table computes for a cosine field.
 */
public final class Evaluation {

    /**
     * One configuration's metrics over its repeats.
     *
     * @param selection per run of a trained head: the model selection's summary and any collapse criteria; empty for baselines
     */
    public record Cell(String protocol, String system, int bits, double fraction, List<RetrievalMetrics> runs, List<ModelSelection.Selected> selection) {

        public Cell(String protocol, String system, int bits, double fraction, List<RetrievalMetrics> runs) {
            this(protocol, system, bits, fraction, runs, List.of());
        }

        public double mean(java.util.function.ToDoubleFunction<RetrievalMetrics> f) {
            return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
        }

        public double std(java.util.function.ToDoubleFunction<RetrievalMetrics> f) {
            double m = mean(f);
            return runs.size() < 2 ? 0 : Math.sqrt(runs.stream().mapToDouble(r -> Math.pow(f.applyAsDouble(r) - m, 2)).sum() / (runs.size() - 1));
        }
    }

    /**
     * @param bits       code sizes in bits (multiples of 8)
     * @param fractions  labelled fractions
     * @param repeats    repeats (seeds) of the all-items protocol
     * @param methods    methods trained at every bit rate
     * @param extraMethods methods trained only at {@code extraBits}
     * @param heldOut    also run the held-out-fold protocol
     * @param select     choose each head's epoch on an inner validation split of its training labels ({@link ModelSelection});
     *                   false: train for the configured epochs (the collapse criteria that need no validation still run)
     */
    public record Config(int[] bits, double[] fractions, int repeats, List<TrainConfig.Method> methods, List<TrainConfig.Method> extraMethods,
        int extraBits, boolean heldOut, TrainConfig train, boolean select) {

        public Config(int[] bits, double[] fractions, int repeats, List<TrainConfig.Method> methods, List<TrainConfig.Method> extraMethods,
            int extraBits, boolean heldOut, TrainConfig train) {
            this(bits, fractions, repeats, methods, extraMethods, extraBits, heldOut, train, true);
        }
    }

    /** Seed of every held-out fold's label choice and training: the same for every fold, so renaming or renumbering folds changes nothing. */
    static final long HELD_OUT_SEED = 7922L;

    static ModelSelection.Selected trainHead(float[][] x, int[] labels, TrainConfig cfg, boolean select, Progress progress) {
        if (select) {
            return ModelSelection.train(x, labels, new int[0], null, cfg, progress);
        }
        HeadTrainer.Result r = HeadTrainer.train(x, labels, new int[0], null, cfg, progress);
        return new ModelSelection.Selected(r, cfg.epochs(), cfg.epochs(), 0, Double.NaN, Double.NaN, Double.NaN, r.collapse());
    }

    private Evaluation() {}

    public static List<Cell> run(Dataset ds, Config cfg, Progress progress) {
        List<Cell> cells = new ArrayList<>();
        int n = ds.size();
        float[][] unit = unit(ds.vectors());
        int[] labels = ds.labels();
        List<String> foldIds = ds.foldValues();
        cells.add(new Cell("all items", "backbone (float)", 0, 0, List.of(RetrievalMetrics.leaveOneOutCosine(unit, labels))));
        for (int bits : cfg.bits()) {
            int m = bits / 8;
            cells.add(new Cell("all items", "PQ, trained on the searched items", bits, 0,
                List.of(RetrievalMetrics.leaveOneOutAdc(unit, reconstruct(trainPq(unit, m, 42), unit), labels))));
            if (foldIds.size() > 1) {
                float[][] rec = new float[n][];
                for (String f : foldIds) {
                    int[] in = ds.foldIndices(f, true), out = ds.foldIndices(f, false);
                    ProductQuantizer pq = trainPq(pick(unit, out), m, 42);
                    for (int i : in) {
                        rec[i] = pq.decode(pq.encode(unit[i]));
                    }
                }
                cells.add(new Cell("all items", "PQ, trained on other data (other folds)", bits, 0,
                    List.of(RetrievalMetrics.leaveOneOutAdc(unit, rec, labels))));
            }
        }
        // held-out fold baselines
        if (cfg.heldOut() && foldIds.size() > 1) {
            List<RetrievalMetrics> backbone = new ArrayList<>();
            for (String f : foldIds) {
                int[] in = ds.foldIndices(f, true);
                backbone.add(RetrievalMetrics.leaveOneOutCosine(pick(unit, in), pickLabels(labels, in)));
            }
            cells.add(new Cell("held-out fold", "backbone (float)", 0, 0, backbone));
            for (int bits : cfg.bits()) {
                List<RetrievalMetrics> runs = new ArrayList<>();
                for (String f : foldIds) {
                    int[] in = ds.foldIndices(f, true), out = ds.foldIndices(f, false);
                    ProductQuantizer pq = trainPq(pick(unit, out), bits / 8, 42);
                    runs.add(RetrievalMetrics.leaveOneOutAdc(pick(unit, in), reconstruct(pq, pick(unit, in)), pickLabels(labels, in)));
                }
                cells.add(new Cell("held-out fold", "PQ, trained on other data (other folds)", bits, 0, runs));
            }
        }
        // trained heads
        List<Object[]> jobs = new ArrayList<>();
        for (TrainConfig.Method method : cfg.methods()) {
            for (int bits : cfg.bits()) {
                jobs.add(new Object[] { method, bits });
            }
        }
        for (TrainConfig.Method method : cfg.extraMethods()) {
            if (cfg.methods().contains(method) == false) {
                jobs.add(new Object[] { method, cfg.extraBits() });
            }
        }
        int perJob = cfg.fractions().length * (cfg.repeats() + (cfg.heldOut() ? foldIds.size() : 0));
        Progress.Bar bar = progress.bar("evaluation trainings", jobs.size() * perJob);
        Progress quiet = Progress.silent();
        for (Object[] job : jobs) {
            TrainConfig.Method method = (TrainConfig.Method) job[0];
            int bits = (Integer) job[1];
            TrainConfig base = cfg.train().withMethod(method).withM(bits / 8);
            for (double fraction : cfg.fractions()) {
                List<RetrievalMetrics> fl = new ArrayList<>(), ql = new ArrayList<>();
                List<ModelSelection.Selected> sel = new ArrayList<>();
                int[] all = java.util.stream.IntStream.range(0, n).toArray();
                for (int r = 0; r < cfg.repeats(); r++) {
                    long seed = 1000L * (r + 1) + 17;
                    int[] lab = Splits.labelFraction(labels, all, fraction, seed);
                    ModelSelection.Selected selected = trainHead(ds.vectors(), lab, base.withSeed(seed), cfg.select(), quiet);
                    warn(progress, "all items, repeat " + (r + 1), method, selected);
                    sel.add(selected);
                    HeadTrainer.Result res = selected.result();
                    fl.add(RetrievalMetrics.leaveOneOutCosine(res.outputs(), labels));
                    ql.add(RetrievalMetrics.leaveOneOutAdc(res.outputs(), reconstruct(res.codebook(), res.outputs()), labels));
                    bar.step();
                }
                cells.add(new Cell("all items", method.label() + " (float)", bits, fraction, fl, sel));
                cells.add(new Cell("all items", method.label() + " (PQ)", bits, fraction, ql));
                progress.message(String.format(Locale.ROOT, "all items, %s, %d bits, %.0f %% labels: float mAP %.4f, PQ mAP %.4f", method.label(), bits,
                    100 * fraction, cells.get(cells.size() - 2).mean(RetrievalMetrics::map), cells.get(cells.size() - 1).mean(RetrievalMetrics::map)));
                if (cfg.heldOut() && foldIds.size() > 1) {
                    List<RetrievalMetrics> hf = new ArrayList<>(), hq = new ArrayList<>();
                    List<ModelSelection.Selected> hsel = new ArrayList<>();
                    for (String f : foldIds) {
                        long seed = HELD_OUT_SEED;
                        int[] in = ds.foldIndices(f, true), out = ds.foldIndices(f, false);
                        int[] lab = Splits.labelFraction(labels, out, fraction, seed);
                        ModelSelection.Selected selected = trainHead(pick(ds.vectors(), out), pickLabels(lab, out), base.withSeed(seed), cfg.select(), quiet);
                        warn(progress, "held-out fold " + f, method, selected);
                        hsel.add(selected);
                        HeadTrainer.Result res = selected.result();
                        float[][] z = new float[in.length][];
                        for (int i = 0; i < in.length; i++) {
                            z[i] = res.mlp().forward(ds.vectors()[in[i]]);
                        }
                        int[] y = pickLabels(labels, in);
                        hf.add(RetrievalMetrics.leaveOneOutCosine(z, y));
                        hq.add(RetrievalMetrics.leaveOneOutAdc(z, reconstruct(res.codebook(), z), y));
                        bar.step();
                    }
                    cells.add(new Cell("held-out fold", method.label() + " (float)", bits, fraction, hf, hsel));
                    cells.add(new Cell("held-out fold", method.label() + " (PQ)", bits, fraction, hq));
                    progress.message(String.format(Locale.ROOT, "held-out fold, %s, %d bits, %.0f %% labels: float mAP %.4f, PQ mAP %.4f", method.label(),
                        bits, 100 * fraction, cells.get(cells.size() - 2).mean(RetrievalMetrics::map), cells.get(cells.size() - 1).mean(RetrievalMetrics::map)));
                }
            }
        }
        bar.done();
        return cells;
    }

    private static void warn(Progress progress, String where, TrainConfig.Method method, ModelSelection.Selected s) {
        if (s.collapse().collapsed()) {
            progress.message("warning: " + where + ", " + method.label() + ": collapse detected:\n" + s.collapse().describe());
        }
    }

    /** mAP of unsupervised PQ (trained on {@code trainUnit}, M sub-quantisers) when {@code dbUnit} query each other. */
    public static double pqMap(float[][] trainUnit, float[][] dbUnit, int[] labels, int m, long seed) {
        return RetrievalMetrics.leaveOneOutAdc(dbUnit, reconstruct(trainPq(trainUnit, m, seed), dbUnit), labels).map();
    }

    /** mAP when unit vectors query each other's reconstructions by {@code pq}. */
    public static double adcMap(ProductQuantizer pq, float[][] unitVectors, int[] labels) {
        return RetrievalMetrics.leaveOneOutAdc(unitVectors, reconstruct(pq, unitVectors), labels).map();
    }

    static ProductQuantizer trainPq(float[][] unitVectors, int m, long seed) {
        int d = unitVectors[0].length;
        return ProductQuantizer.train(HeadTrainer.flatten(unitVectors), unitVectors.length, d, m, 8, new KMeans.Params(25, seed, 65_536, true));
    }

    static float[][] reconstruct(ProductQuantizer pq, float[][] v) {
        float[][] out = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = pq.decode(pq.encode(v[i]));
        }
        return out;
    }

    public static float[][] unit(float[][] v) {
        float[][] out = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = VectorMath.normalize(v[i].clone());
        }
        return out;
    }

    static float[][] pick(float[][] v, int[] idx) {
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = v[idx[i]];
        }
        return out;
    }

    static int[] pickLabels(int[] labels, int[] idx) {
        return Arrays.stream(idx).map(i -> labels[i]).toArray();
    }

    /** Cells by (protocol, system) in insertion order, then bits. */
    static Map<String, List<Cell>> bySystem(List<Cell> cells, String protocol) {
        Map<String, List<Cell>> out = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (c.protocol().equals(protocol)) {
                out.computeIfAbsent(c.system(), k -> new ArrayList<>()).add(c);
            }
        }
        return out;
    }
}
