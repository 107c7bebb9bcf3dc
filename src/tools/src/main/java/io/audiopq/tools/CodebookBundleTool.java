package io.audiopq.tools;

import io.audiopq.model.CodebookTraining;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.Similarity;
import io.audiopq.model.TrainingSample;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Makes a vectors bundle from vectors a user already has: samples the input files, trains the PQ
 * codebook and the IVF coarse centroids ({@link CodebookTraining}, the same code as the cluster's {@code _train}) with the quantisation core's k-means, writes {@code <out>/<name>/} and loads it back
 * with the same loader the node uses, printing its checksum. README "Making a codebook bundle"
 * shows the command; {@code src/scripts/make-bundle.sh} runs it.
 */
public final class CodebookBundleTool {

    static final String USAGE = """
        Usage: make-bundle.sh --input FILE [--input FILE ...] --name NAME --m M --out DIR [options]

        Trains a product-quantisation codebook on vectors you already have and writes the
        model bundle DIR/NAME/ (model.json, codebook.pq and IVF centroids.ivf) for
        <es config>/audio-pq/models/.

          --input FILE              vectors: JSON lines (.jsonl/.json/anything else: one array of numbers
                                    per line, or an object holding one) or .fvecs; repeatable
          --format auto|jsonl|fvecs input format (default auto: by file extension)
          --field KEY               key holding the vector in JSON-object lines (default vector)
          --name NAME               bundle name: a-z, 0-9, '.', '_', '-' (the folder name)
          --m M                     number of sub-quantisers; must divide the dimension
          --bits 4|8                bits per sub-quantiser code (default 8)
          --similarity S            l2_norm | cosine | dot_product (default l2_norm); cosine
                                    trains on unit-normalised vectors
          --seed N                  random seed for sampling and k-means (default 42)
          --iterations N            k-means iterations (default 25)
          --max-training-vectors N  train on a uniform sample of at most N vectors (default 65536)
          --nlist auto|N            IVF coarse centroids (default auto: min(4*sqrt(n), n/39) for n
                                    training vectors, none below 2); 0 for none. Used by fields
                                    mapped with "ivf", in every segment
          --ivf-encoding E          direct (default: the codebook is trained on the vectors, usable
                                    with and without IVF) or residual (trained on the residuals
                                    from the centroids: more accurate, IVF fields only)
          --description TEXT        free text stored in model.json
          --out DIR                 where the bundle folder is written
          --force                   replace an existing DIR/NAME
        """;

    /** Parsed command line. */
    record Options(
        List<Path> inputs,
        String format,
        String field,
        String name,
        int m,
        int bits,
        Similarity similarity,
        long seed,
        int iterations,
        int maxTrainingVectors,
        int nlist,
        IvfPqQuantizer.Encoding ivfEncoding,
        String description,
        Path out,
        boolean force
    ) {}

    /** A command line the tool cannot run; the message says which option and why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private CodebookBundleTool() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the tool; returns the process exit status (0 ok, 1 failed, 2 bad usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        try {
            ModelBundle bundle = build(options, out);
            out.println("bundle checksum: " + bundle.checksum());
            return 0;
        } catch (IOException | InvalidBundleException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** Reads, samples, trains, writes and reloads the bundle. */
    static ModelBundle build(Options options, PrintStream out) throws IOException, InvalidBundleException {
        TrainingSample sample = new TrainingSample(options.maxTrainingVectors(), options.similarity(), options.seed());
        for (Path input : options.inputs()) {
            VectorFileReader.Format format = switch (options.format()) {
                case "jsonl" -> VectorFileReader.Format.JSONL;
                case "fvecs" -> VectorFileReader.Format.FVECS;
                default -> VectorFileReader.Format.detect(input);
            };
            VectorFileReader.read(input, format, options.field(), sample::accept);
        }
        if (sample.size() == 0) {
            throw new IOException("no vectors found in " + options.inputs());
        }
        int d = sample.dimension();
        out.printf(Locale.ROOT, "read %d vectors of dimension %d; training on %d%n", sample.seen(), d, sample.size());
        // Shape errors name the option rather than the core's parameter names.
        if (d % options.m() != 0 || options.m() > d) {
            throw new IllegalArgumentException("--m " + options.m() + " must divide the vectors' dimension " + d);
        }
        KMeans.Params params = new KMeans.Params(options.iterations(), options.seed(), options.maxTrainingVectors(), false);
        float[] data = sample.toArray();
        CodebookTraining.Trained trained = train(data, sample.size(), d, options.m(), options.bits(), options.nlist(), options.ivfEncoding(),
            params, out);
        ProductQuantizer quantizer = trained.pq();
        if (trained.encoding() == IvfPqQuantizer.Encoding.RESIDUAL) {
            out.printf(Locale.ROOT, "trained %s on residuals%n", quantizer);
        } else {
            out.printf(Locale.ROOT, "trained %s; mean squared quantisation error %.6g%n", quantizer, quantizer.quantizationError(data, sample.size()));
        }

        ModelDescriptor descriptor = CodebookTraining.descriptor(options.name(), options.description(), options.similarity(), trained,
            new ModelDescriptor.Training(
                (long) sample.size(),
                options.seed(),
                (long) options.iterations(),
                options.inputs().stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "))
            ));
        Path folder = ModelBundleWriter.write(options.out(), descriptor, quantizer, trained.centroids(), java.util.Map.of(), options.force());
        // Read back with the node's loader: what is printed is what a node will report.
        ModelBundle bundle = ModelBundleLoader.load(folder);
        out.println("wrote " + folder);
        return bundle;
    }

    /**
     * {@link CodebookTraining#train} for the bundle tools: resolves {@code --nlist auto}, checks it
     * against the sample and prints the rule and the choice.
     */
    static CodebookTraining.Trained train(float[] data, int n, int d, int m, int bits, int nlist, IvfPqQuantizer.Encoding encoding,
        KMeans.Params params, PrintStream log) {
        int lists = nlist;
        if (nlist == CodebookTraining.AUTO_NLIST) {
            lists = CodebookTraining.autoNlist(n);
            log.println("IVF: " + CodebookTraining.autoNlistRule(n) + "; --nlist N to choose, --nlist 0 for none");
        }
        CodebookTraining.checkNlist(lists, n, encoding, "--nlist", "--ivf-encoding");
        CodebookTraining.Trained trained = CodebookTraining.train(data, n, d, m, bits, lists, encoding, params, KMeans.Progress.NONE);
        if (lists > 0) {
            log.printf(Locale.ROOT, "trained %d IVF centroids (%s codes)%n", lists, ModelDescriptor.Ivf.jsonName(encoding));
        }
        return trained;
    }

    /** Parses the command line; null means --help was asked for. */
    static Options parse(String[] args) throws UsageException {
        List<Path> inputs = new ArrayList<>();
        String format = "auto", field = "vector", name = null, description = null;
        Integer m = null;
        int bits = 8, iterations = KMeans.Params.DEFAULT.iterations(), maxTraining = KMeans.Params.DEFAULT.maxTrainingPoints();
        Similarity similarity = Similarity.L2_NORM;
        long seed = KMeans.Params.DEFAULT.seed();
        Path out = null;
        boolean force = false;
        int nlist = -1;
        IvfPqQuantizer.Encoding ivfEncoding = IvfPqQuantizer.Encoding.DIRECT;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--force" -> force = true;
                default -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException(option.startsWith("--") ? option + " needs a value" : "unknown argument [" + option + "]");
                    }
                    String value = args[++i];
                    switch (option) {
                        case "--input" -> inputs.add(Path.of(value));
                        case "--format" -> {
                            if (List.of("auto", "jsonl", "fvecs").contains(value) == false) {
                                throw new UsageException("--format must be auto, jsonl or fvecs, got [" + value + "]");
                            }
                            format = value;
                        }
                        case "--field" -> field = value;
                        case "--name" -> name = value;
                        case "--m" -> m = intOption(option, value, 1);
                        case "--bits" -> {
                            bits = intOption(option, value, 1);
                            if (bits != 4 && bits != 8) {
                                throw new UsageException("--bits must be 4 or 8, got " + bits);
                            }
                        }
                        case "--similarity" -> similarity = Similarity.fromJsonName(value)
                            .orElseThrow(() -> new UsageException("--similarity must be one of " + Similarity.jsonNames() + ", got [" + value + "]"));
                        case "--seed" -> seed = longOption(option, value);
                        case "--iterations" -> iterations = intOption(option, value, 0);
                        case "--max-training-vectors" -> maxTraining = intOption(option, value, 1);
                        case "--nlist" -> nlist = value.equals("auto") ? -1 : intOption(option, value, 0);
                        case "--ivf-encoding" -> {
                            if (List.of("direct", "residual").contains(value) == false) {
                                throw new UsageException("--ivf-encoding must be direct or residual, got [" + value + "]");
                            }
                            ivfEncoding = value.equals("residual") ? IvfPqQuantizer.Encoding.RESIDUAL : IvfPqQuantizer.Encoding.DIRECT;
                        }
                        case "--description" -> description = value;
                        case "--out" -> out = Path.of(value);
                        default -> throw new UsageException("unknown option [" + option + "]");
                    }
                }
            }
        }
        if (inputs.isEmpty()) {
            throw new UsageException("--input is required");
        }
        if (name == null) {
            throw new UsageException("--name is required");
        }
        if (ModelDescriptor.NAME_PATTERN.matcher(name).matches() == false) {
            throw new UsageException("--name [" + name + "] is not a valid bundle name: use 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
        if (m == null) {
            throw new UsageException("--m is required");
        }
        if (out == null) {
            throw new UsageException("--out is required");
        }
        return new Options(inputs, format, field, name, m, bits, similarity, seed, iterations, maxTraining, nlist, ivfEncoding, description, out, force);
    }

    private static int intOption(String option, String value, int min) throws UsageException {
        long parsed = longOption(option, value);
        if (parsed < min || parsed > Integer.MAX_VALUE) {
            throw new UsageException(option + " must be an integer >= " + min + ", got " + value);
        }
        return (int) parsed;
    }

    private static long longOption(String option, String value) throws UsageException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be an integer, got [" + value + "]");
        }
    }
}
