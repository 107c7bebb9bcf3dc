package io.audiopq.train;

import io.audiopq.audio.HeadSpec;
import io.audiopq.audio.OnnxModel;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelKind;
import io.audiopq.model.Similarity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code train.sh}: trains a head on a labelled collection embedded by a backbone (mn04 or an audio bundle's) and writes
 * an audio bundle the plugin loads unchanged: the backbone (copied from its folder), the head as
 * ONNX ({@code head.onnx}), the PQ codebook of the head's outputs, {@code model.json} and a model
 * card ({@code MODEL_CARD.md}) with the data, the labels used and the measured figures. The bundle
 * is read back with the node's loader (which runs its models once) before the command succeeds.
 *
 * <p>The number of epochs is chosen on an inner validation split of the training labels
 * ({@link ModelSelection}; {@code --no-select} trains for {@code --epochs}), and no bundle is
 * written when a collapse is detected ({@link Collapse}) unless {@code --force}: the command then
 * prints which criterion fired, with its figures, and exits with status 3.
 */
public final class TrainCommand {

    private TrainCommand() {}

    public static void main(String[] argv) throws Exception {
        Set<String> options = new HashSet<>(Args.TRAIN_OPTIONS);
        options.addAll(Args.DATA_OPTIONS);
        options.addAll(Set.of("out", "name", "labelled-fraction", "validation-fold", "label-seed", "figures", "description"));
        Args args;
        try {
            args = new Args(argv, options, Set.of("codebook-segments", "force", "no-select"));
        } catch (IllegalArgumentException e) {
            System.err.println("train: " + e.getMessage());
            System.exit(2);
            return;
        }
        Progress progress = Progress.stderr();
        TrainConfig cfg = args.trainConfig(TrainConfig.defaults());
        BackboneSource source = args.backboneSource();
        Dataset ds = args.dataset(source, progress);
        String validationFold = args.string("validation-fold", null);
        double fraction = args.number("labelled-fraction", 1f);
        int[] pool = validationFold == null ? java.util.stream.IntStream.range(0, ds.size()).toArray() : ds.foldIndices(validationFold, false);
        int[] validation = validationFold == null ? new int[0] : ds.foldIndices(validationFold, true);
        if (validationFold != null && validation.length == 0) {
            throw new IllegalArgumentException("--validation-fold " + validationFold + ": no item is in that fold; folds: " + ds.foldValues());
        }
        int[] labels = Splits.labelFraction(ds.labels(), pool, fraction, args.integer("label-seed", 1));
        int labelled = Splits.labelled(labels).length;
        progress.message(String.format(Locale.ROOT, "%d labelled items (%.0f %% of %d), %d unlabelled, %d validation items (fold %s)", labelled, 100 * fraction,
            pool.length, ds.size() - labelled - validation.length, validation.length, validationFold));
        progress.message("training: " + cfg.summary());
        float[][] x = ds.vectors();
        int[] trueLabels = ds.labels();
        if (args.flag("codebook-segments")) {
            // Segment vectors join as unlabelled items: they shape the codebook (and the quantisation loss), not the similarity loss.
            List<float[]> segments = source.segmentEmbeddings(ds.ids().stream().map(args.dataDir()::resolve).toList(), progress);
            x = java.util.stream.Stream.concat(Arrays.stream(x), segments.stream()).toArray(float[][]::new);
            labels = Arrays.copyOf(labels, x.length);
            trueLabels = Arrays.copyOf(trueLabels, x.length);
            Arrays.fill(labels, ds.size(), x.length, -1);
            Arrays.fill(trueLabels, ds.size(), x.length, -1);
            progress.message(segments.size() + " segment embeddings added as unlabelled items for the codebook");
        }
        ModelSelection.Selected selected;
        if (args.flag("no-select")) {
            HeadTrainer.Result r = HeadTrainer.train(x, labels, validation, trueLabels, cfg, progress);
            selected = new ModelSelection.Selected(r, cfg.epochs(), cfg.epochs(), 0, Double.NaN, Double.NaN, Double.NaN, r.collapse());
        } else {
            selected = ModelSelection.train(x, labels, validation, trueLabels, cfg, progress);
        }
        try {
            refuseCollapse(selected.collapse(), args.flag("force"), progress);
        } catch (CollapseException e) {
            System.err.println("train: " + e.getMessage());
            System.exit(3);
            return;
        }
        HeadTrainer.Result result = selected.result();
        TrainConfig trained = cfg.withEpochs(selected.chosenEpoch(), Math.min(cfg.warmupEpochs(), selected.chosenEpoch() - 1));

        float[][] z = Arrays.copyOf(result.outputs(), ds.size());

        String name = args.string("name", "mn04-" + cfg.method().name().toLowerCase(Locale.ROOT));
        Path out = args.path("out", Path.of("target/bundles"));
        Path work = Files.createTempDirectory("audiopq-train");
        try {
            Path head = work.resolve("head.onnx");
            Files.write(head, OnnxHeadExporter.export(result.mlp(), trained.summary()));
            double parity = onnxParity(head, x, result.outputs());
            progress.message(String.format(Locale.ROOT, "head.onnx under ONNX Runtime vs DJL: max |difference| %.2e over %d items", parity, ds.size()));
            if (parity > 1e-5) {
                throw new IllegalStateException("exported head differs from DJL's forward pass by " + parity + " (> 1e-5)");
            }
            AudioSpec spec = source.withHead(new AudioSpec.Head("head.onnx", List.of(), new HeadSpec(OnnxHeadExporter.INPUT, OnnxHeadExporter.OUTPUT)));
            String description = args.string("description", String.format(Locale.ROOT,
                "%s backbone %s with a %s head trained by AudioPQ on %d labelled items; see MODEL_CARD.md", name, source.modelFile().getFileName(),
                cfg.method().label(), labelled));
            ModelDescriptor descriptor = new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, name, ModelKind.AUDIO, description, cfg.d(),
                Similarity.COSINE, new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, cfg.m(), cfg.nbits()), null,
                new ModelDescriptor.Training((long) x.length, cfg.seed(), (long) selected.chosenEpoch(), "labelled audio: " + ds.size() + " items, "
                    + labelled + " labelled" + (x.length > ds.size() ? ", " + (x.length - ds.size()) + " segments" : "")), spec);
            Path card = work.resolve("MODEL_CARD.md");
            Figures figures = Figures.measure(ds, validation, z, Evaluation.reconstruct(result.codebook(), z));
            Files.writeString(card, modelCard(name, source, trained, ds, x.length - ds.size(), labelled, fraction, validationFold, selected, figures, parity));
            Map<String, Path> files = new LinkedHashMap<>(source.files());
            files.put("head.onnx", head);
            files.put("MODEL_CARD.md", card);
            Path folder = ModelBundleWriter.write(out, descriptor, result.codebook(), files, true);
            ModelBundle bundle = ModelBundleLoader.load(folder);
            progress.message("wrote " + folder + " (checksum " + bundle.checksum() + "), loaded back with the node's loader");
            if (args.string("figures", null) != null) {
                Path figuresFile = args.path("figures", null);
                Files.createDirectories(figuresFile.toAbsolutePath().getParent());
                Files.writeString(figuresFile, figures.toJson(name, bundle.checksum(), cfg.codeBits()));
                progress.message("figures for the through-the-node check: " + figuresFile);
            }
            System.out.println(Files.readString(folder.resolve("MODEL_CARD.md")));
        } finally {
            try (var walk = Files.walk(work)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A detected collapse, refused without {@code --force}. */
    static final class CollapseException extends Exception {
        CollapseException(String message) {
            super(message);
        }
    }

    /**
     * Refuses (throws) when {@code collapse} fired and {@code force} is not set; with {@code force}
     * it only warns. Called before anything is written.
     */
    static void refuseCollapse(Collapse collapse, boolean force, Progress progress) throws CollapseException {
        if (collapse.collapsed() == false) {
            return;
        }
        String what = "collapse detected, criteria that fired:\n" + collapse.describe();
        if (force == false) {
            throw new CollapseException(what + "\nno bundle written; pass --force to write it anyway");
        }
        progress.message("warning: " + what + "\n--force: writing the bundle anyway");
    }

    /** Largest absolute difference between ONNX Runtime's output of the exported head and DJL's outputs. */
    static double onnxParity(Path headFile, float[][] inputs, float[][] djlOutputs) throws Exception {
        try (OnnxModel onnx = OnnxModel.load(headFile, 1)) {
            float[][] got = onnx.run(OnnxHeadExporter.INPUT, HeadTrainer.flatten(inputs), new long[] { inputs.length, inputs[0].length },
                Set.of(OnnxHeadExporter.OUTPUT)).get(OnnxHeadExporter.OUTPUT);
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                for (int j = 0; j < got[i].length; j++) {
                    worst = Math.max(worst, Math.abs(got[i][j] - djlOutputs[i][j]));
                }
            }
            return worst;
        }
    }

    private static String modelCard(String name, BackboneSource source, TrainConfig cfg, Dataset ds, int segments, int labelled, double fraction,
        String validationFold,
        ModelSelection.Selected sel, Figures f, double parity) {
        HeadTrainer.Result r = sel.result();
        StringBuilder s = new StringBuilder();
        s.append("# ").append(name).append(" — model card\n\n");
        s.append("**What**: ").append(source.description()).append(" as the backbone, followed by a head trained\n")
            .append("by AudioPQ's training toolkit (`src/scripts/train.sh`, DJL with the PyTorch engine) and exported to ONNX (`head.onnx`).\n\n");
        s.append("**Head**: ").append(cfg.summary()).append(".\n\n");
        s.append(String.format(Locale.ROOT, "**Data**: %d items, %d classes (%s), %d folds. Labels used: %d items (%.0f %% of the training folds, class-stratified)",
            ds.size(), ds.classNames().size(), String.join(", ", ds.classNames()), ds.foldValues().size(), labelled, 100 * fraction));
        s.append(validationFold != null ? "; fold " + validationFold + " held out for validation (its labels only reported, never trained on).\n\n" : ".\n\n");
        s.append("**Codebook** (`codebook.pq`): PQ M=").append(cfg.m()).append(" × ").append(cfg.nbits())
            .append(" bits, k-means (25 iterations) on the L2-normalised head outputs of all ").append(ds.size())
            .append(" items, labelled or not").append(segments > 0 ? " (clip level), and of their " + segments + " segments ("
                + source.spec().segments().windowSeconds() + " s windows, " + source.spec().segments().hopSeconds() + " s hop; unlabelled)" : "").append(".\n\n");
        s.append("**Model selection**: ").append(sel.summary()).append(".\n\n");
        s.append("**Collapse check**: ").append(sel.collapse().collapsed() ? "collapse detected (bundle written with --force):\n\n" + sel.collapse().describe()
            : "no criterion fired (flat similarity loss, vanishing quantisation error, near-constant outputs, few distinct codes, below the untrained backbone)")
            .append("\n\n");
        s.append("**Training log**:\n\n```\n").append(String.join("\n", r.log())).append("\n```\n\n");
        s.append(f.markdown(cfg.codeBits(), validationFold));
        s.append(String.format(Locale.ROOT, "%n**Export check**: `head.onnx` under ONNX Runtime reproduces DJL's forward pass to %.1e (max absolute difference over all items).%n",
            parity));
        return s.toString();
    }
}
