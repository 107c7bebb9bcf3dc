package io.audiopq.tools;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioFormat;
import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.InputLayout;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelKind;
import io.audiopq.model.Similarity;
import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.quantization.VectorMath;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Makes audio model bundles, their codebooks fitted on ESC-10 or on the user's own audio
 * ({@link ClipSource}), and measures them on those clips when they are labelled.
 *
 * <ul>
 *   <li>{@code default}: the project's default bundle. Its backbone has no learned weights: an
 *       ONNX graph written by {@link OnnxGraph} that summarises a YAMNet-style log-mel
 *       spectrogram (16 kHz, 64 bands) per band over time — mean, standard deviation, mean
 *       absolute frame-to-frame change and maximum (256 values) — and standardises each value
 *       with a mean and standard deviation measured on the training clips (no labels used).
 *       The PQ codebook (cosine, M=32, 8 bits) is trained on the standardised clip and segment
 *       embeddings of the same clips.</li>
 *   <li>{@code mn04}: a bundle around EfficientAT mn04 from {@code ../shared} (its files copied
 *       into the bundle folder, which must not be inside the repository's tracked tree), with
 *       its AudioSet classifier and a PQ codebook trained on its clip and segment embeddings.</li>
 *   <li>{@code student}: a bundle around a student distilled from mn04 ({@code train.sh distill}:
 *       {@code --model} its ONNX file, {@code --min-frames} the fewest log-mel frames it takes,
 *       optionally {@code --label-names} the AudioSet label list its logits follow, which makes its
 *       logits the bundle's tags) on the default front end, with a PQ codebook trained on its clip
 *       and segment embeddings.</li>
 *   <li>{@code evaluate}: only the measurement below, of an existing bundle ({@code --bundle DIR}).</li>
 * </ul>
 *
 * All then reload the written bundle with the node's loader and, when the clips are labelled,
 * report leave-one-out query-by-example mAP on them with float embeddings and with
 * PQ-reconstructed collection vectors (asymmetric distance), plus single-core throughput. Same
 * inputs and seed give byte-identical bundles on one machine.
 *
 * <p>Usage: {@code AudioBundleTool default|mn04|student (--esc10 DIR | --data DIR [--labels CSV]) --out DIR
 * [--mn04 DIR] [--name NAME] [--m M] [--bits B] [--seed N] [--nlist auto|N|0]}: {@code --data} fits on every audio
 * file under DIR (unlabelled: no evaluation) or on the files {@code --labels} lists (columns
 * {@code filename}/{@code file} and {@code label}/{@code class}); both train IVF centroids too (direct codes;
 * {@code auto}: {@link io.audiopq.model.CodebookTraining#autoNlist} of the training size; 0: none); mn04 and student also take {@code --max-clips N} (train on the first N
 * clips) and {@code --evaluate false} (skip the evaluation), for a quick bundle in tests, and a
 * comma-separated {@code --m} (e.g. {@code --m 8,16,32}): one embedding pass, one codebook and
 * bundle per M, named {@code NAME-mM} (for the real-node evaluation at several code sizes).
 */
public final class AudioBundleTool {

    public static final String DEFAULT_NAME = "audiopq-default";
    static final int DEFAULT_M = 32;
    static final int DEFAULT_BITS = 8;
    static final long DEFAULT_SEED = 42;
    /** Smallest standard deviation a feature is divided by (a constant feature must not blow up). */
    static final float MIN_STD = 1e-3f;

    private AudioBundleTool() {}

    /** What a run measured. */
    /** @param tagHits share of the clips whose top 3 tags hold their class's AudioSet counterpart (ESC-10 with a classifier), else NaN */
    public record Report(Path bundle, String checksum, RetrievalMetrics floatMetrics, RetrievalMetrics pqMetrics, int clips,
        double audioSeconds, double wallSeconds, double tagHits) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                "bundle %s (checksum %s)%nleave-one-out on the clips, %d clips: float mAP %.4f (top-1 %.4f, P@5 %.4f, P@10 %.4f); "
                    + "PQ mAP %.4f (top-1 %.4f)%nthroughput: %.1f s of audio in %.2f s on one core = %.0f s of audio per second per core "
                    + "(decode, resample, front end, clip + segment inference)",
                bundle, checksum, clips, floatMetrics.map(), floatMetrics.top1(), floatMetrics.precisionAt(5),
                floatMetrics.precisionAt(10), pqMetrics.map(), pqMetrics.top1(), audioSeconds, wallSeconds,
                audioSeconds / wallSeconds) + (Double.isNaN(tagHits) ? "" : String.format(Locale.ROOT,
                    "%ntags: %.1f %% of the clips have their class's AudioSet counterpart in their top 3 tags", 100 * tagHits));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: AudioBundleTool default|mn04|student (--esc10 DIR | --data DIR [--labels CSV]) --out DIR [--mn04 DIR]"
                + " [--model FILE [--label-names CSV] [--min-frames N]] [--name NAME] [--m M] [--bits B] [--seed N] [--nlist auto|N|0]\n"
                + "       AudioBundleTool evaluate --bundle DIR (--esc10 DIR | --data DIR --labels CSV)");
            System.exit(2);
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (args[i].startsWith("--") == false) {
                throw new IllegalArgumentException("expected an option, got [" + args[i] + "]");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        ClipSource data = clipSource(options);
        if ("evaluate".equals(args[0])) {
            System.out.println(evaluate(Path.of(require(options, "bundle")), data, System.out));
            return;
        }
        Path out = Path.of(require(options, "out"));
        String mOption = options.getOrDefault("m", Integer.toString(DEFAULT_M));
        int[] ms = java.util.Arrays.stream(mOption.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        if (ms.length > 1 && "default".equals(args[0])) {
            throw new IllegalArgumentException("several --m values [" + mOption + "] are only supported by mn04 and student");
        }
        int m = ms[0];
        int bits = Integer.parseInt(options.getOrDefault("bits", Integer.toString(DEFAULT_BITS)));
        long seed = Long.parseLong(options.getOrDefault("seed", Long.toString(DEFAULT_SEED)));
        String nlistOption = options.getOrDefault("nlist", "auto");
        int nlist = nlistOption.equals("auto") ? -1 : Integer.parseInt(nlistOption);
        Report report = switch (args[0]) {
            case "default" -> makeDefault(data, out, options.getOrDefault("name", DEFAULT_NAME), m, bits, seed, nlist, System.out);
            case "mn04", "student" -> {
                Backbone backbone = "mn04".equals(args[0]) ? new Backbone(mn04Spec(), mn04Files(Path.of(require(options, "mn04"))), MN04_DESCRIPTION)
                    : student(Path.of(require(options, "model")), options.containsKey("label-names") ? Path.of(options.get("label-names")) : null,
                        Integer.parseInt(options.getOrDefault("min-frames", "2")));
                List<Report> reports = makeWithBackbone(backbone, data, out, options.getOrDefault("name", args[0]), ms, bits, seed, nlist,
                    Integer.parseInt(options.getOrDefault("max-clips", "0")), Boolean.parseBoolean(options.getOrDefault("evaluate", "true")), System.out);
                for (int i = 0; i + 1 < reports.size(); i++) {
                    if (reports.get(i) != null) {
                        System.out.println(reports.get(i));
                    }
                }
                yield reports.get(reports.size() - 1);
            }
            default -> throw new IllegalArgumentException("unknown mode [" + args[0] + "], expected default, mn04 or student");
        };
        if (report != null) {
            System.out.println(report);
        }
    }

    /** {@code --esc10 DIR}, or {@code --data DIR} with an optional {@code --labels CSV}. */
    static ClipSource clipSource(Map<String, String> options) throws IOException {
        if (options.containsKey("data")) {
            if (options.containsKey("esc10")) {
                throw new IllegalArgumentException("--esc10 and --data exclude each other");
            }
            return ClipSource.folder(Path.of(options.get("data")), options.containsKey("labels") ? Path.of(options.get("labels")) : null);
        }
        if (options.containsKey("labels")) {
            throw new IllegalArgumentException("--labels needs --data (ESC-10's labels come from its esc10_meta.csv)");
        }
        if (options.containsKey("esc10") == false) {
            throw new IllegalArgumentException("--esc10 DIR or --data DIR is required");
        }
        return ClipSource.esc10(Path.of(options.get("esc10")));
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    // ---------------------------------------------------------------- default bundle

    /** The default bundle's front end: YAMNet's (16 kHz, 25 ms / 10 ms, 64 mel bands 125–7500 Hz, ln(x + 0.001)). */
    public static LogMelConfig defaultFrontEnd() {
        return LogMelConfig.yamnet();
    }

    /** Statistics per band over time: mean, std, mean |Δ|, max. */
    static final int STATISTICS = 4;
    /** The default backbone's embedding size: 4 statistics × 64 mel bands. */
    public static final int STATISTICS_DIMENSIONS = STATISTICS * 64;

    /**
     * The statistics backbone as ONNX: input {@code spec} [batch, mels, frames] (frames ≥ 2),
     * output {@code embedding} [batch, 4·mels] = ((mean, std, mean|Δ|, max) − shift) / scale.
     */
    public static byte[] statisticsBackbone(int mels, float[] shift, float[] scale) {
        int d = STATISTICS * mels;
        OnnxGraph g = new OnnxGraph("audiopq-log-mel-statistics");
        g.input("spec", "batch", (long) mels, "frames");
        String features = statistics(g, "spec");
        String shifted = g.node("Sub", "shifted", features, g.constant("shift", shift, d));
        g.node("Div", "embedding", shifted, g.constant("scale", scale, d));
        g.output("embedding", "batch", (long) d);
        return g.toBytes("audiopq AudioBundleTool");
    }

    /**
     * Adds the raw statistics of {@code spec} [batch, mels, frames] to {@code g}: the name of a
     * [batch, 4·mels] value (mean, std, mean|Δ|, max per band, in that order), not standardised.
     */
    public static String statistics(OnnxGraph g, String spec) {
        List<byte[]> overTime = List.of(OnnxGraph.intsAttr("axes", 2), OnnxGraph.intAttr("keepdims", 0));
        List<byte[]> overTimeKeep = List.of(OnnxGraph.intsAttr("axes", 2), OnnxGraph.intAttr("keepdims", 1));
        String mean = g.node("ReduceMean", "mean", overTime, spec);
        String meanKeep = g.node("ReduceMean", "mean_keep", overTimeKeep, spec);
        String centred = g.node("Sub", "centred", spec, meanKeep);
        String squared = g.node("Mul", "squared", centred, centred);
        String variance = g.node("ReduceMean", "variance", overTime, squared);
        String std = g.node("Sqrt", "std", variance);
        String axes = g.constantLongs("time_axis", 2);
        String later = g.node("Slice", "later", spec, g.constantLongs("from_1", 1), g.constantLongs("to_end", Long.MAX_VALUE), axes);
        String earlier = g.node("Slice", "earlier", spec, g.constantLongs("from_0", 0), g.constantLongs("to_last", -1), axes);
        String delta = g.node("Abs", "abs_delta", g.node("Sub", "delta", later, earlier));
        String deltaMean = g.node("ReduceMean", "delta_mean", overTime, delta);
        String max = g.node("ReduceMax", "max", overTime, spec);
        return g.node("Concat", "features", List.of(OnnxGraph.intAttr("axis", 1)), mean, std, deltaMean, max);
    }

    public static AudioSpec defaultSpec() {
        return new AudioSpec(defaultFrontEnd(),
            new AudioSpec.Backbone("backbone.onnx", List.of(), new BackboneSpec("spec", InputLayout.BATCH_MELS_FRAMES, "embedding", null, 2, 64)), null, null,
            new SegmentSpec(1.0, 0.5));
    }

    /** @param nlist IVF centroids to train (-1: {@link io.audiopq.model.CodebookTraining#autoNlist} of the training size; 0: none) */
    public static Report makeDefault(ClipSource data, Path out, String name, int m, int bits, long seed, int nlist, PrintStream log)
        throws IOException, InvalidBundleException {
        int mels = defaultFrontEnd().nMels();
        int d = STATISTICS * mels;
        Path work = Files.createDirectories(out.resolve("." + name + ".work"));
        try {
            // Pass 1: raw statistics (identity standardisation) of every clip and segment.
            float[] zeros = new float[d];
            float[] ones = new float[d];
            java.util.Arrays.fill(ones, 1f);
            Path raw = work.resolve("raw.onnx");
            Files.write(raw, statisticsBackbone(mels, zeros, ones));
            List<float[]> vectors = new ArrayList<>();
            try (OnnxModel model = OnnxModel.load(raw, 1)) {
                AudioSpec spec = defaultSpec();
                AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), spec.segments(), model, spec.backbone().call(), null, null);
                for (ClipSource.Clip clip : data.clips()) {
                    AudioEmbeddings e = embedder.embed(decode(data.dir().resolve(clip.file())));
                    vectors.add(e.embedding());
                    for (SegmentEmbedding s : e.segments()) {
                        vectors.add(s.embedding());
                    }
                }
            }
            // Standardisation: per-feature mean and standard deviation over all clip and segment vectors.
            double[] sum = new double[d], sumSq = new double[d];
            for (float[] v : vectors) {
                for (int i = 0; i < d; i++) {
                    sum[i] += v[i];
                    sumSq[i] += (double) v[i] * v[i];
                }
            }
            float[] shift = new float[d], scale = new float[d];
            for (int i = 0; i < d; i++) {
                double mu = sum[i] / vectors.size();
                shift[i] = (float) mu;
                scale[i] = (float) Math.max(MIN_STD, Math.sqrt(Math.max(0, sumSq[i] / vectors.size() - mu * mu)));
            }
            Path backbone = work.resolve("backbone.onnx");
            Files.write(backbone, statisticsBackbone(mels, shift, scale));
            // What the final graph computes, elementwise in float32 exactly as ONNX Runtime's Sub and Div do.
            float[] training = new float[vectors.size() * d];
            for (int n = 0; n < vectors.size(); n++) {
                float[] v = vectors.get(n);
                float[] z = new float[d];
                for (int i = 0; i < d; i++) {
                    z[i] = (v[i] - shift[i]) / scale[i];
                }
                System.arraycopy(VectorMath.normalize(z), 0, training, n * d, d);
            }
            KMeans.Params params = KMeans.Params.DEFAULT.withSeed(seed);
            io.audiopq.model.CodebookTraining.Trained trained = CodebookBundleTool.train(training, vectors.size(), d, m, bits, nlist, IvfPqQuantizer.Encoding.DIRECT, params, log);
            ProductQuantizer pq = trained.pq();
            log.printf(Locale.ROOT, "trained %s on %d clip and segment embeddings%n", pq, vectors.size());
            ModelDescriptor descriptor = new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, name, ModelKind.AUDIO,
                "AudioPQ default: log-mel statistics (no learned weights), YAMNet-style front end, PQ trained on " + data.name(), d,
                Similarity.COSINE, new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, m, bits), trained.descriptor(),
                new ModelDescriptor.Training((long) vectors.size(), seed, (long) params.iterations(),
                    data.trainingSource()),
                defaultSpec());
            Path folder = ModelBundleWriter.write(out, descriptor, pq, trained.centroids(), Map.of("backbone.onnx", backbone), true);
            return evaluate(folder, data, log);
        } finally {
            deleteRecursively(work);
        }
    }

    // ---------------------------------------------------------------- mn04

    /** The audio section for EfficientAT mn04 (front end per its MODEL.md, AudioSet classifier). */
    public static AudioSpec mn04Spec() {
        return new AudioSpec(LogMelConfig.efficientAt(),
            new AudioSpec.Backbone("mn04_as.onnx", List.of("mn04_as.onnx.data"), BackboneSpec.efficientAt()),
            null, new AudioSpec.Classifier("class_labels_indices.csv", 5, 0.1), new SegmentSpec(1.0, 0.5));
    }

    /** The files of a mn04 bundle, copied from {@code mn04Dir} (a bundle may only name files inside its own folder). */
    static Map<String, Path> mn04Files(Path mn04Dir) {
        return Map.of(
            "mn04_as.onnx", mn04Dir.resolve("mn04_as.onnx"),
            "mn04_as.onnx.data", mn04Dir.resolve("mn04_as.onnx.data"),
            "class_labels_indices.csv", mn04Dir.resolve("class_labels_indices.csv"));
    }

    static final String MN04_DESCRIPTION = "EfficientAT mn04_as (MIT) from ../shared, AudioSet classifier; PQ codebook trained by AudioPQ";

    /**
     * Writes a mn04 bundle folder {@code out/name/} with the given codebook: the model, its
     * external weights and the label list are copied from {@code mn04Dir} (a bundle may only name
     * files inside its own folder, which is also all that a node's entitlements let it read).
     */
    public static Path writeMn04Bundle(Path mn04Dir, Path out, String name, ProductQuantizer pq, CoarseQuantizer centroids,
        ModelDescriptor.Training training) throws IOException {
        return writeBundle(new Backbone(mn04Spec(), mn04Files(mn04Dir), MN04_DESCRIPTION), out, name, pq, centroids, training);
    }

    // ---------------------------------------------------------------- student

    /**
     * The audio section for a distilled student ({@code train.sh distill}): the default front end
     * and its embedding, with its AudioSet logits as tags when {@code tags}.
     */
    public static AudioSpec studentSpec(int minFrames, boolean tags) {
        return new AudioSpec(defaultFrontEnd(),
            new AudioSpec.Backbone("backbone.onnx", List.of(), new BackboneSpec("spec", InputLayout.BATCH_MELS_FRAMES, "embedding", tags ? "logits" : null,
                minFrames, 64)),
            null, tags ? new AudioSpec.Classifier("class_labels_indices.csv", 5, 0.1) : null, new SegmentSpec(1.0, 0.5));
    }

    /**
     * A student backbone ({@code model}: an ONNX file with outputs {@code embedding} and {@code logits}),
     * tagging with the label names of its logits when {@code labelNames} is not null.
     */
    static Backbone student(Path model, Path labelNames, int minFrames) {
        String what = "AudioPQ student backbone distilled from EfficientAT mn04 on the Debian corpus (train.sh distill)";
        if (labelNames == null) {
            return new Backbone(studentSpec(minFrames, false), Map.of("backbone.onnx", model), what + "; PQ codebook trained by AudioPQ");
        }
        return new Backbone(studentSpec(minFrames, true), Map.of("backbone.onnx", model, "class_labels_indices.csv", labelNames),
            what + ", AudioSet tags; PQ codebook trained by AudioPQ");
    }

    // ---------------------------------------------------------------- bundles around a fixed backbone

    /** A backbone a bundle is made around: its audio section, the files it copies in (bundle name → source) and the bundle's description. */
    record Backbone(AudioSpec spec, Map<String, Path> files, String description) {}

    static Path writeBundle(Backbone backbone, Path out, String name, ProductQuantizer pq, CoarseQuantizer centroids, ModelDescriptor.Training training)
        throws IOException {
        ModelDescriptor.Ivf ivf = centroids == null ? null : new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, IvfPqQuantizer.Encoding.DIRECT);
        ModelDescriptor descriptor = new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, name, ModelKind.AUDIO, backbone.description(), pq.dimension(),
            Similarity.COSINE, new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, pq.m(), pq.nbits()), ivf, training, backbone.spec());
        return ModelBundleWriter.write(out, descriptor, pq, centroids, backbone.files(), true);
    }

    /**
     * Embeds the clips with the backbone (clip and segment embeddings, normalised), trains one
     * codebook per M (and IVF centroids, see {@code nlist}) and writes one bundle per M: named
     * {@code name} with one M, {@code name-mM} each with several (one embedding pass for all).
     * Returns one report per M, in order ({@code null} entries when not evaluated).
     *
     * @param maxClips train on the first {@code maxClips} clips only (0 = all): a quick bundle for tests
     * @param evaluate run the evaluation on the written bundle (labelled clips only)
     */
    static List<Report> makeWithBackbone(Backbone backbone, ClipSource data, Path out, String name, int[] ms, int bits, long seed, int nlist, int maxClips,
        boolean evaluate, PrintStream log) throws IOException, InvalidBundleException {
        if (ms.length == 0) {
            throw new IllegalArgumentException("need at least one M");
        }
        ClipSource training0 = data.first(maxClips);
        List<float[]> vectors = new ArrayList<>();
        AudioSpec spec = backbone.spec();
        try (OnnxModel model = OnnxModel.load(backbone.files().get(spec.backbone().model()), 1)) {
            AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), spec.segments(), model, spec.backbone().call(), null, null);
            for (ClipSource.Clip clip : training0.clips()) {
                AudioEmbeddings e = embedder.embed(decode(data.dir().resolve(clip.file())));
                vectors.add(VectorMath.normalize(e.embedding()));
                for (SegmentEmbedding s : e.segments()) {
                    vectors.add(VectorMath.normalize(s.embedding()));
                }
            }
        }
        int d = vectors.get(0).length;
        float[] training = new float[vectors.size() * d];
        for (int n = 0; n < vectors.size(); n++) {
            System.arraycopy(vectors.get(n), 0, training, n * d, d);
        }
        KMeans.Params params = KMeans.Params.DEFAULT.withSeed(seed);
        List<Report> reports = new ArrayList<>();
        for (int m : ms) {
            io.audiopq.model.CodebookTraining.Trained trained = CodebookBundleTool.train(training, vectors.size(), d, m, bits, nlist, IvfPqQuantizer.Encoding.DIRECT, params, log);
            ProductQuantizer pq = trained.pq();
            log.printf(Locale.ROOT, "trained %s on %d clip and segment embeddings%n", pq, vectors.size());
            String bundleName = ms.length == 1 ? name : name + "-m" + m;
            Path folder = writeBundle(backbone, out, bundleName, pq, trained.centroids(), new ModelDescriptor.Training((long) vectors.size(), seed,
                (long) params.iterations(), training0.trainingSource()));
            if (evaluate == false || data.labelled() == false) {
                ModelBundle bundle = ModelBundleLoader.load(folder);
                log.println("wrote " + folder + " (checksum " + bundle.checksum() + "); not evaluated" + (evaluate ? " (the clips have no labels)" : ""));
                reports.add(null);
            } else {
                reports.add(evaluate(folder, data, log));
            }
        }
        return reports;
    }

    // ---------------------------------------------------------------- evaluation

    /**
     * Reloads the bundle as a node does and runs the leave-one-out evaluation through it on the
     * clips; {@code null} (only the reload) when they are not labelled.
     */
    static Report evaluate(Path folder, ClipSource data, PrintStream log) throws IOException, InvalidBundleException {
        ModelBundle bundle = ModelBundleLoader.load(folder);
        log.println("wrote " + folder + " (checksum " + bundle.checksum() + ")");
        if (data.labelled() == false) {
            log.println("not evaluated: the clips have no labels");
            return null;
        }
        List<ClipSource.Clip> clips = data.clips();
        float[][] queries = new float[clips.size()][];
        float[][] database = new float[clips.size()][];
        int[] labels = new int[clips.size()];
        Map<String, Integer> classIds = new HashMap<>();
        double audioSeconds = 0;
        long nanos = 0;
        int tagHits = 0;
        boolean tagged = false;
        try (AudioEmbedderCache models = new AudioEmbedderCache(1)) {
            AudioEmbedderCache.BundleEmbedder model = models.open(bundle);
            AudioEmbedder embedder = model.embedder();
            // tags are checked where the clips are ESC-10's classes (their AudioSet counterparts are known) and the bundle tags
            tagged = model.labels() != null && clips.stream().allMatch(c -> Esc10Evaluation.knowsCounterparts(c.label()));
            embedder.embed(new DecodedAudio(new float[32000], 32000, 1, AudioFormat.WAV)); // warm-up
            for (int i = 0; i < clips.size(); i++) {
                byte[] bytes = Files.readAllBytes(data.dir().resolve(clips.get(i).file()));
                long start = System.nanoTime();
                DecodedAudio audio = new AudioDecoder().decode(bytes, new DecodeLimits(50_000_000, 60));
                AudioEmbeddings e = embedder.embed(audio);
                nanos += System.nanoTime() - start;
                audioSeconds += audio.durationSeconds();
                queries[i] = VectorMath.normalize(e.embedding());
                database[i] = bundle.quantizer().decode(bundle.quantizer().encode(queries[i]));
                labels[i] = classIds.computeIfAbsent(clips.get(i).label(), k -> classIds.size());
                if (tagged) {
                    List<String> top = model.labels().top(e.logits(), 3, 0f).stream().map(io.audiopq.audio.ClassifierLabels.Tag::label).toList();
                    tagHits += Esc10Evaluation.hasCounterpart(clips.get(i).label(), top) ? 1 : 0;
                }
            }
        }
        return new Report(folder, bundle.checksum(), RetrievalMetrics.leaveOneOutCosine(queries, labels),
            RetrievalMetrics.leaveOneOutCosine(queries, database, labels), clips.size(), audioSeconds, nanos / 1e9,
            tagged ? (double) tagHits / clips.size() : Double.NaN);
    }

    private static DecodedAudio decode(Path file) throws IOException {
        return new AudioDecoder().decode(Files.readAllBytes(file), new DecodeLimits(50_000_000, 60));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir) == false) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
