package io.audiopq.train;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code evaluate.sh}: embeds a labelled collection (cached), then runs {@link Evaluation} and writes
 * {@code report.md} and PNG plots to {@code --out} (default {@code target/evaluation}).
 */
public final class EvaluateCommand {

    private EvaluateCommand() {}

    public static void main(String[] argv) throws Exception {
        Set<String> options = new HashSet<>(Args.TRAIN_OPTIONS);
        options.addAll(Args.DATA_OPTIONS);
        options.addAll(Set.of("out", "bits", "fractions", "repeats", "methods", "extra-methods", "extra-bits"));
        Args args;
        try {
            args = new Args(argv, options, Set.of("no-held-out", "quick", "no-select"));
        } catch (IllegalArgumentException e) {
            System.err.println("evaluate: " + e.getMessage());
            System.exit(2);
            return;
        }
        Progress progress = Progress.stderr();
        boolean quick = args.flag("quick");
        Evaluation.Config cfg = new Evaluation.Config(
            args.integers("bits", quick ? new int[] { 8, 32 } : new int[] { 8, 16, 24, 32, 64 }),
            args.numbers("fractions", quick ? new double[] { 0.1 } : new double[] { 0.1, 0.25, 0.5, 1.0 }),
            args.integer("repeats", quick ? 1 : 3),
            args.methods("methods", List.of(TrainConfig.Method.DQN)),
            args.methods("extra-methods", List.of(TrainConfig.Method.DTQ, TrainConfig.Method.SHUTTLE)),
            args.integer("extra-bits", 32),
            args.flag("no-held-out") == false,
            args.trainConfig(TrainConfig.defaults()),
            args.flag("no-select") == false);
        for (int b : cfg.bits()) {
            if (b % 8 != 0 || cfg.train().d() % (b / 8) != 0) {
                throw new IllegalArgumentException("bits must be multiples of 8 whose M = bits/8 divides d=" + cfg.train().d() + ", got " + b);
            }
        }
        Dataset ds = args.dataset(args.backboneSource(), progress);
        long start = System.nanoTime();
        progress.message("training settings: " + cfg.train().summary());
        List<Evaluation.Cell> cells = Evaluation.run(ds, cfg, progress);
        double minutes = (System.nanoTime() - start) / 60e9;
        Path out = args.path("out", Path.of("target/evaluation"));
        String header = String.format(Locale.ROOT,
            "## Evaluation: %d items, %d classes, %d folds, backbone D=%d%n%nHeads: %s (M = bits/8, 8-bit codes).%n"
                + "Quantised retrieval: float query vs PQ reconstructions, squared L2 (the plugin's ADC for cosine fields).%n"
                + "Run time: %.1f min on %d cores (one PyTorch thread).%n",
            ds.size(), ds.classNames().size(), ds.foldValues().size(), ds.dimension(), cfg.train().summary().replaceFirst("^DQN ", "").replace(", seed 42", ""),
            minutes, Runtime.getRuntime().availableProcessors());
        String md = Report.markdown(cells, cfg, header);
        Report.write(out.resolve("report.md"), md);
        List<Path> plots = Report.plots(cells, cfg, out);
        System.out.println(md);
        progress.message("wrote " + out.resolve("report.md") + " and " + plots.size() + " plots in " + out);
    }
}
