package io.audiopq.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code --key value} and {@code --flag} options; unknown options are errors that list the known ones. */
final class Args {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> known;

    Args(String[] args, Set<String> options, Set<String> flags) {
        this.known = new java.util.TreeSet<>(options);
        known.addAll(flags);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") == false || known.contains(a.substring(2)) == false) {
                throw new IllegalArgumentException("unknown argument [" + a + "]; options: --" + String.join(", --", known));
            }
            String key = a.substring(2);
            if (flags.contains(key)) {
                values.put(key, "true");
            } else if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option --" + key + " needs a value");
            } else {
                values.put(key, args[++i]);
            }
        }
    }

    boolean flag(String key) {
        return values.containsKey(key);
    }

    String string(String key, String def) {
        return values.getOrDefault(key, def);
    }

    Path path(String key, Path def) {
        return values.containsKey(key) ? Path.of(values.get(key)) : def;
    }

    int integer(String key, int def) {
        try {
            return values.containsKey(key) ? Integer.parseInt(values.get(key)) : def;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got [" + values.get(key) + "]");
        }
    }

    boolean bool(String key, boolean def) {
        if (values.containsKey(key) == false) {
            return def;
        }
        return switch (values.get(key)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--" + key + " must be true or false, got [" + values.get(key) + "]");
        };
    }

    float number(String key, float def) {
        try {
            return values.containsKey(key) ? Float.parseFloat(values.get(key)) : def;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got [" + values.get(key) + "]");
        }
    }

    int[] integers(String key, int[] def) {
        return values.containsKey(key) ? Arrays.stream(values.get(key).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray() : def;
    }

    double[] numbers(String key, double[] def) {
        return values.containsKey(key) ? Arrays.stream(values.get(key).split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray() : def;
    }

    List<TrainConfig.Method> methods(String key, List<TrainConfig.Method> def) {
        if (values.containsKey(key) == false) {
            return def;
        }
        List<TrainConfig.Method> out = new ArrayList<>();
        for (String s : values.get(key).split(",")) {
            if (s.isBlank() == false) {
                out.add(TrainConfig.Method.valueOf(s.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("SPACESHUTTLE", "SHUTTLE")));
            }
        }
        return out;
    }

    /** Training options shared by the train and evaluate commands. */
    static final Set<String> TRAIN_OPTIONS = Set.of("method", "hidden", "d", "activation", "m", "lambda", "epochs", "warmup", "batch", "lr",
        "weight-decay", "dissimilar", "balance-pairs", "margin", "mining", "momentum", "propulsion", "gravity", "codebook-every", "seed", "input");

    TrainConfig trainConfig(TrainConfig def) {
        TrainConfig c = def;
        if (values.containsKey("method")) {
            c = c.withMethod(methods("method", List.of()).get(0));
        }
        c = c.withShape(integer("hidden", c.hidden()), integer("d", c.d()),
            TrainConfig.Activation.valueOf(string("activation", c.activation().name()).toUpperCase(Locale.ROOT)));
        c = c.withM(integer("m", c.m())).withLambda(number("lambda", c.lambda())).withEpochs(integer("epochs", c.epochs()), integer("warmup", c.warmupEpochs()))
            .withOptimizer(integer("batch", c.batchSize()), number("lr", c.learningRate()), number("weight-decay", c.weightDecay()))
            .withDissimilar(number("dissimilar", c.dissimilar()))
            .withBalancePairs(bool("balance-pairs", c.balancePairs()))
            .withTriplet(number("margin", c.margin()), TrainConfig.Mining.valueOf(string("mining", c.mining().name()).toUpperCase(Locale.ROOT).replace("-", "")))
            .withShuttle(number("momentum", c.momentum()), number("propulsion", c.propulsion()), number("gravity", c.gravity()))
            .withSeed(integer("seed", (int) c.seed()))
            .withInput(TrainConfig.Input.valueOf(string("input", c.input().name()).toUpperCase(Locale.ROOT).replace("-", "_")));
        if (values.containsKey("codebook-every")) {
            c = new TrainConfig(c.method(), c.hidden(), c.d(), c.activation(), c.m(), c.nbits(), c.lambda(), c.epochs(), c.warmupEpochs(), c.batchSize(),
                c.learningRate(), c.weightDecay(), c.dissimilar(), c.balancePairs(), c.margin(), c.mining(), c.momentum(), c.propulsion(), c.gravity(),
                integer("codebook-every", 1), c.kmeansIterations(), c.seed(), c.input());
        }
        return c;
    }

    /** The data options: a folder and its label file, defaulting to ESC-10 and mn04 beside the checkout. */
    static final Set<String> DATA_OPTIONS = Set.of("data", "labels", "file-column", "label-column", "fold-column", "backbone", "base-bundle", "cache",
        "threads");

    static Path shared() {
        return Path.of("").toAbsolutePath().getParent().resolve("shared");
    }

    /** {@code --base-bundle DIR} (an audio bundle's front end and backbone) or else {@code --backbone FILE} (EfficientAT mn04, the default). */
    BackboneSource backboneSource() throws java.io.IOException {
        if (values.containsKey("base-bundle")) {
            if (values.containsKey("backbone")) {
                throw new IllegalArgumentException("--backbone and --base-bundle exclude each other");
            }
            try {
                return BackboneSource.bundle(path("base-bundle", null));
            } catch (io.audiopq.model.InvalidBundleException e) {
                throw new IllegalArgumentException("--base-bundle: " + e.getMessage(), e);
            }
        }
        Path backbone = path("backbone", shared().resolve("models/efficientat-mn04/mn04_as.onnx"));
        if (java.nio.file.Files.exists(backbone) == false) {
            throw new IllegalArgumentException(backbone + " does not exist (pass --backbone or --base-bundle, or put ../shared beside the checkout)");
        }
        return BackboneSource.mn04(backbone);
    }

    /** The folder the label file's paths are relative to. */
    Path dataDir() {
        return path("data", shared().resolve("data/esc10"));
    }

    Dataset dataset(BackboneSource source, Progress progress) throws java.io.IOException {
        Path data = dataDir();
        Path labels = path("labels", data.resolve("esc10_meta.csv"));
        for (Path p : List.of(data, labels)) {
            if (java.nio.file.Files.exists(p) == false) {
                throw new IllegalArgumentException(p + " does not exist (pass --data and --labels, or put ../shared beside the checkout)");
            }
        }
        EmbeddingCache cache = source.cache(path("cache", Path.of("target/train-cache")));
        Dataset ds = cache.dataset(data, labels, values.get("file-column"), values.get("label-column"), values.get("fold-column"),
            integer("threads", Math.max(1, Runtime.getRuntime().availableProcessors())), progress);
        progress.message(String.format(Locale.ROOT, "%d items, %d classes, %d folds, D=%d (backbone %s, model key %s)", ds.size(), ds.classNames().size(),
            ds.foldValues().size(), ds.dimension(), source.modelFile().getFileName(), cache.modelKey().substring(0, 16)));
        return ds;
    }
}
