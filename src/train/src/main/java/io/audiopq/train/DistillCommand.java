package io.audiopq.train;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioResampler;
import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.InputLayout;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.LogMelSpectrogram;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.Segment;
import io.audiopq.audio.Segmenter;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.audio.Spectrogram;
import io.audiopq.model.AudioSpec;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.tools.AudioBundleTool;
import io.audiopq.tools.Esc10Evaluation;
import io.audiopq.tools.RetrievalMetrics;
import io.audiopq.tools.corpus.TeacherTargets;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * {@code train.sh distill}: distils EfficientAT mn04 into a student backbone on the training corpus
 * ({@code make-corpus.sh}: its clips and {@code teacher-mn04.bin}, mn04's embedding and logits of
 * every clip and 1 s segment), writes the student as an ONNX backbone ({@code OUT/student.onnx}, and
 * {@code OUT/min-frames}, the fewest frames it takes),
 * checks that ONNX Runtime reproduces DJL's outputs, times it, and measures it on ESC-10 (evaluation
 * only: nothing is fitted on it) beside, with {@code --mn04}, the teacher.
 *
 * <p>Two students ({@code --arch}): {@code mlp} (default: the better one on ESC-10 so far), a
 * {@link Student} on the default bundle's log-mel statistics (below); {@code conv}, a {@link ConvStudent} on the log-mel
 * frames, whose input, the default front end's log-mel of every clip, is computed once and cached in
 * {@code OUT/logmel.bin}. The mlp student's input, the statistics of
 * every clip and segment, is computed once through the plugin's pipeline ({@link AudioEmbedder}) and
 * cached in {@code OUT/features.bin}. Both caches are keyed by the teacher file's model key.
 */
public final class DistillCommand {

    /** Items (clips and segments) whose DJL outputs the exported model must reproduce. */
    static final int CHECK_ITEMS = 64;
    /** Largest accepted |ONNX − DJL| on an output, relative to the largest |output| of the checked items. */
    static final double PARITY_TOLERANCE = 1e-4;

    /** Written beside {@code student.onnx}: the fewest log-mel frames the student takes. */
    static final String MIN_FRAMES_FILE = "min-frames";

    private DistillCommand() {}

    /** The student's input per corpus item (clip then its segments, in teacher-file order) and the teacher's outputs for it. */
    record Items<T>(List<T> inputs, List<float[]> embeddings, List<float[]> logits, List<Integer> clipOf, List<Float> starts, List<String> clipIds,
        int droppedSegments) {}

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = new Args(argv, Set.of("arch", "corpus", "out", "esc10", "mn04", "hidden", "epochs", "batch", "lr", "logit-weight", "seed", "held-out",
                "channels", "strides", "kernel", "max-frames"), Set.of("no-segments"));
        } catch (IllegalArgumentException e) {
            System.err.println("distill: " + e.getMessage());
            System.exit(2);
            return;
        }
        Progress progress = Progress.stderr();
        Path corpus = args.path("corpus", Path.of("target/corpus"));
        Path out = Files.createDirectories(args.path("out", Path.of("target/distill")));
        String arch = args.string("arch", "mlp");
        Path teacherFile = corpus.resolve(TeacherTargets.FILE_NAME), clips = corpus.resolve("clips");
        int mels = AudioBundleTool.defaultFrontEnd().nMels();
        boolean segments = args.flag("no-segments") == false;
        Items<?> items;
        String summary, title;
        Path model = out.resolve("student.onnx");
        float[][][] djlOutputs;
        float[][] corpusEmbeddings;
        UnaryOperator<float[]> statistics = null;
        int minFrames;
        List<String> log;
        int[] heldOut;
        if (arch.equals("conv")) {
            ConvDistillTrainer.Config cfg = new ConvDistillTrainer.Config(args.integer("kernel", 3), ints(args.string("channels", "128,128,192,256")),
                ints(args.string("strides", "2,1,2,2")), args.integer("hidden", 512), args.integer("max-frames", 500), args.integer("epochs", 10),
                args.integer("batch", 64), (float) args.number("lr", 2e-3f), (float) args.number("logit-weight", 1f), args.integer("seed", 42));
            LogMels spectra = logMels(teacherFile, clips, out.resolve("logmel.bin"), progress);
            Items<ConvDistillTrainer.Window> windows = windows(TeacherTargets.read(teacherFile), spectra, segments);
            items = windows;
            describe(items, progress);
            heldOut = heldOut(items, args.number("held-out", 0.05f), cfg.seed());
            progress.message("distilling: " + cfg.summary());
            ConvDistillTrainer.Result r = ConvDistillTrainer.train(spectra.spectrograms(), mels, windows.inputs(), windows.embeddings().toArray(float[][]::new),
                windows.logits().toArray(float[][]::new), heldOut, cfg, CHECK_ITEMS, progress);
            summary = cfg.summary() + String.format(Locale.ROOT, "; %,d weights", r.student().parameters());
            title = "log-mel frames + 1-D conv";
            Files.write(model, r.student().export("AudioPQ student distilled from EfficientAT mn04 on the Debian corpus: " + summary));
            djlOutputs = r.djlOutputs();
            corpusEmbeddings = r.embeddings();
            minFrames = ConvStudent.MIN_FRAMES;
            log = r.log();
        } else if (arch.equals("mlp")) {
            DistillTrainer.Config cfg = new DistillTrainer.Config(args.integer("hidden", 512), args.integer("epochs", 20), args.integer("batch", 256),
                (float) args.number("lr", 1e-3f), (float) args.number("logit-weight", 1f), args.integer("seed", 42));
            Items<float[]> features = features(teacherFile, clips, out.resolve("features.bin"), segments, progress);
            items = features;
            describe(items, progress);
            heldOut = heldOut(items, args.number("held-out", 0.05f), cfg.seed());
            progress.message("distilling: " + cfg.summary());
            DistillTrainer.Result r = DistillTrainer.train(features.inputs().toArray(float[][]::new), features.embeddings().toArray(float[][]::new),
                features.logits().toArray(float[][]::new), heldOut, mels, cfg, CHECK_ITEMS, progress);
            Student student = r.student();
            summary = cfg.summary();
            title = "log-mel statistics + MLP";
            Files.write(model, student.export("AudioPQ student distilled from EfficientAT mn04 on the Debian corpus: " + summary));
            djlOutputs = r.djlOutputs();
            corpusEmbeddings = features.inputs().stream().map(f -> student.forward(f)[0]).toArray(float[][]::new);
            statistics = student::standardise;
            minFrames = Student.MIN_FRAMES;
            log = r.log();
        } else {
            System.err.println("distill: --arch must be conv or mlp, got [" + arch + "]");
            System.exit(2);
            return;
        }
        int n = items.inputs().size();
        // The fewest log-mel frames the student takes, for the bundle that wraps it (audio-bundle.sh student --min-frames).
        Files.writeString(out.resolve(MIN_FRAMES_FILE), minFrames + "\n");
        double parity = parity(model, minFrames, items, clips, djlOutputs);
        progress.message(String.format(Locale.ROOT, "student.onnx under ONNX Runtime vs DJL: max |difference| %.2e of the outputs' scale over %d items",
            parity, djlOutputs.length));
        if (parity > PARITY_TOLERANCE) {
            throw new IllegalStateException("exported student differs from DJL's forward pass by " + parity + " (relative, > " + PARITY_TOLERANCE + ")");
        }
        StringBuilder report = new StringBuilder("# Distilled student (mn04 → ").append(title).append(")\n\n");
        report.append("Training: ").append(summary).append("; ").append(n).append(" corpus items (").append(heldOut.length)
            .append(" held out).\n\n```\n").append(String.join("\n", log)).append("\n```\n\n");
        report.append(String.format(Locale.ROOT, "Export check: ONNX Runtime vs DJL, max |difference| %.2e relative.%n%n", parity));
        report.append(speed(model, minFrames, mels));
        Path esc10 = args.path("esc10", Path.of("").toAbsolutePath().getParent().resolve("shared/data/esc10"));
        if (Files.isRegularFile(esc10.resolve("esc10_meta.csv"))) {
            Path labels = args.path("mn04", Path.of("").toAbsolutePath().getParent().resolve("shared/models/efficientat-mn04"))
                .resolve("class_labels_indices.csv");
            report.append(evaluate(statistics, corpusEmbeddings, model, minFrames, esc10, labels,
                args.string("mn04", null) == null ? null : Path.of(args.string("mn04", null)), progress));
        } else {
            report.append("Not evaluated: no ESC-10 at ").append(esc10).append('\n');
        }
        Files.writeString(out.resolve("report.md"), report);
        System.out.println(report);
    }

    private static void describe(Items<?> items, Progress progress) {
        int n = items.inputs().size();
        progress.message(String.format(Locale.ROOT, "%d items: %d clips and %d segments (%d of the teacher's segments left out: no segment of the student starts there)", n,
            items.clipIds().size(), n - items.clipIds().size(), items.droppedSegments()));
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    /** Clip length the inference time is measured on. */
    static final double SPEED_SECONDS = 5;
    static final int SPEED_REPEATS = 50;

    /** Median time of one backbone call on a 5 s clip, 1 thread: the student and the default bundle's statistics backbone. */
    static String speed(Path model, int minFrames, int mels) throws IOException {
        int frames = (int) Math.round(SPEED_SECONDS * AudioBundleTool.defaultFrontEnd().framesPerSecond());
        float[] input = new float[mels * frames];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (r.nextDouble() * 10 - 8);
        }
        Path tmp = Files.createTempFile("audiopq-statistics", ".onnx");
        try {
            double student = medianMillis(model, input, mels, frames), stats = medianMillis(Files.write(tmp, rawStatistics()), input, mels, frames);
            return String.format(Locale.ROOT, "Inference (ONNX Runtime, 1 thread, one %.0f s clip = %d frames, median of %d): student %.2f ms, the default "
                + "bundle's statistics backbone %.2f ms; student.onnx %,d bytes.%n%n", SPEED_SECONDS, frames, SPEED_REPEATS, student, stats, Files.size(model));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static double medianMillis(Path model, float[] input, int mels, int frames) throws IOException {
        try (OnnxModel onnx = OnnxModel.load(model, 1)) {
            String output = onnx.outputNames().iterator().next();
            double[] ms = new double[SPEED_REPEATS];
            for (int i = -5; i < SPEED_REPEATS; i++) { // 5 warm-up calls
                long start = System.nanoTime();
                onnx.run(Student.INPUT, input, new long[] { 1, mels, frames }, Set.of(output));
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - start) / 1e6;
                }
            }
            Arrays.sort(ms);
            return ms[SPEED_REPEATS / 2];
        }
    }

    /** Every 1/fraction-th clip, drawn from the seed, with its segments. */
    static int[] heldOut(Items<?> items, double fraction, long seed) {
        int clips = items.clipIds().size();
        int[] order = HeadTrainer.permutation(clips, new SplittableRandom(seed));
        boolean[] held = new boolean[clips];
        for (int i = 0; i < Math.round(fraction * clips); i++) {
            held[order[i]] = true;
        }
        return java.util.stream.IntStream.range(0, items.inputs().size()).filter(i -> held[items.clipOf().get(i)]).toArray();
    }

    /** The raw statistics backbone (no standardisation) of the default bundle, as the node would call it. */
    static AudioEmbedder statisticsEmbedder(OnnxModel raw) {
        AudioSpec spec = AudioBundleTool.defaultSpec();
        return new AudioEmbedder(spec.frontEnd(), TeacherTargets.SEGMENTS, raw, spec.backbone().call(), null, null);
    }

    static byte[] rawStatistics() {
        int mels = AudioBundleTool.defaultFrontEnd().nMels();
        float[] ones = new float[4 * mels];
        Arrays.fill(ones, 1f);
        return AudioBundleTool.statisticsBackbone(mels, new float[4 * mels], ones);
    }

    /** Student inputs and teacher targets of every corpus item, the inputs from {@code cache} when it was made for this teacher file. */
    static Items<float[]> features(Path teacherFile, Path clips, Path cache, boolean segments, Progress progress) throws IOException {
        List<TeacherTargets.Record> records = TeacherTargets.read(teacherFile);
        String key = TeacherTargets.header(teacherFile).modelKey() + "\n" + AudioBundleTool.defaultFrontEnd() + "\n" + TeacherTargets.SEGMENTS + "\n"
            + records.size();
        Map<String, float[][]> cached = readCache(cache, key);
        if (cached == null) {
            cached = new HashMap<>();
            Path tmp = Files.createTempFile("audiopq-statistics", ".onnx");
            long start = System.nanoTime();
            try (OnnxModel raw = OnnxModel.load(Files.write(tmp, rawStatistics()), 1);
                 DataOutputStream data = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(cache), 1 << 16))) {
                data.writeUTF(key);
                AudioEmbedder embedder = statisticsEmbedder(raw);
                AudioDecoder decoder = new AudioDecoder();
                Progress.Bar bar = progress.bar("log-mel statistics of " + records.size() + " clips", records.size());
                for (TeacherTargets.Record rec : records) {
                    AudioEmbeddings e = embedder.embed(decoder.decode(Files.readAllBytes(clips.resolve(rec.clipId() + ".wav")), DecodeLimits.DEFAULTS));
                    float[][] f = new float[1 + e.segments().size()][];
                    f[0] = e.embedding();
                    data.writeUTF(rec.clipId());
                    data.writeInt(f.length);
                    for (int s = 0; s < f.length; s++) {
                        if (s > 0) {
                            SegmentEmbedding seg = e.segments().get(s - 1);
                            f[s] = Arrays.copyOf(seg.embedding(), seg.embedding().length + 1);
                            f[s][f[s].length - 1] = (float) seg.start(); // the start, to align with the teacher's segments
                        }
                        data.writeInt(f[s].length);
                        for (float v : f[s]) {
                            data.writeFloat(v);
                        }
                    }
                    cached.put(rec.clipId(), f);
                    bar.step();
                }
                bar.done();
            } finally {
                Files.deleteIfExists(tmp);
            }
            progress.message(String.format(Locale.ROOT, "log-mel statistics of %d clips in %.1f s, cached in %s", records.size(), (System.nanoTime() - start) / 1e9,
                cache));
        }
        List<float[]> clipInputs = new ArrayList<>();
        List<Map<Float, float[]>> segmentInputs = new ArrayList<>();
        for (TeacherTargets.Record rec : records) {
            float[][] f = cached.get(rec.clipId());
            clipInputs.add(f[0]);
            Map<Float, float[]> byStart = new HashMap<>();
            for (int s = 1; s < f.length; s++) {
                byStart.put(startKey(f[s][f[s].length - 1]), Arrays.copyOf(f[s], f[s].length - 1));
            }
            segmentInputs.add(byStart);
        }
        return align(records, clipInputs, segmentInputs, segments);
    }

    /** A segment start in seconds, rounded to the millisecond: both front ends run at 100 frames/s, so regular segments start at the same times. */
    static float startKey(double start) {
        return Math.round(start * 1000) / 1000f;
    }

    /**
     * The corpus items: per teacher record its clip, then (with {@code segments}) each of the teacher's segments
     * that the student has an input for at the same start. The last segment, aligned to the clip's end, can differ
     * between the front ends (other frame counts) and is then left out.
     *
     * @param clipInputs    the student's input per record's clip
     * @param segmentInputs the student's segment inputs per record, by {@link #startKey}
     */
    static <T> Items<T> align(List<TeacherTargets.Record> records, List<T> clipInputs, List<Map<Float, T>> segmentInputs, boolean segments) {
        List<T> x = new ArrayList<>();
        List<float[]> emb = new ArrayList<>(), logits = new ArrayList<>();
        List<Integer> clipOf = new ArrayList<>();
        List<Float> starts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int dropped = 0;
        for (int clip = 0; clip < records.size(); clip++) {
            TeacherTargets.Record rec = records.get(clip);
            ids.add(rec.clipId());
            x.add(clipInputs.get(clip));
            emb.add(rec.embedding());
            logits.add(rec.logits());
            clipOf.add(clip);
            starts.add(Float.NaN);
            if (segments == false) {
                continue;
            }
            for (TeacherTargets.Segment seg : rec.segments()) {
                T mine = segmentInputs.get(clip).get(startKey(seg.start()));
                if (mine == null) {
                    dropped++;
                    continue;
                }
                x.add(mine);
                emb.add(seg.embedding());
                logits.add(seg.logits());
                clipOf.add(clip);
                starts.add(seg.start());
            }
        }
        return new Items<>(x, emb, logits, clipOf, starts, ids, dropped);
    }

    /**
     * The raw log-mel spectrogram (default front end, frame-major) of every corpus clip, in teacher-file order,
     * with each clip's duration.
     */
    record LogMels(List<float[]> spectrograms, double[] durations) {}

    /** The log-mels of the teacher file's clips, from {@code cache} when it was made for this teacher file and front end. */
    static LogMels logMels(Path teacherFile, Path clips, Path cache, Progress progress) throws IOException {
        List<TeacherTargets.Record> records = TeacherTargets.read(teacherFile);
        LogMelConfig frontEnd = AudioBundleTool.defaultFrontEnd();
        String key = "logmel\n" + TeacherTargets.header(teacherFile).modelKey() + "\n" + frontEnd + "\n" + records.size();
        int n = records.size(), mels = frontEnd.nMels();
        if (Files.isRegularFile(cache)) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache), 1 << 20))) {
                if (in.readUTF().equals(key)) {
                    List<float[]> specs = new ArrayList<>(n);
                    double[] durations = new double[n];
                    for (int c = 0; c < n; c++) {
                        durations[c] = in.readDouble();
                        byte[] raw = new byte[in.readInt() * mels * 4];
                        in.readFully(raw);
                        float[] v = new float[raw.length / 4];
                        java.nio.ByteBuffer.wrap(raw).asFloatBuffer().get(v);
                        specs.add(v);
                    }
                    return new LogMels(specs, durations);
                }
            } catch (java.io.EOFException e) {
                // a run that stopped while writing it: computed again
            }
        }
        long start = System.nanoTime();
        List<float[]> specs = new ArrayList<>(n);
        double[] durations = new double[n];
        LogMelSpectrogram logMel = new LogMelSpectrogram(frontEnd);
        AudioDecoder decoder = new AudioDecoder();
        Progress.Bar bar = progress.bar("log-mels of " + n + " clips", n);
        try (DataOutputStream data = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(cache), 1 << 20))) {
            data.writeUTF(key);
            for (int c = 0; c < n; c++) {
                DecodedAudio audio = decoder.decode(Files.readAllBytes(clips.resolve(records.get(c).clipId() + ".wav")), DecodeLimits.DEFAULTS);
                Spectrogram spec = logMel.compute(AudioResampler.resample(audio.samples(), audio.sampleRate(), frontEnd.sampleRate()));
                durations[c] = audio.durationSeconds();
                specs.add(spec.values());
                java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(spec.values().length * 4);
                raw.asFloatBuffer().put(spec.values());
                data.writeDouble(durations[c]);
                data.writeInt(spec.frames());
                data.write(raw.array());
                bar.step();
            }
        }
        bar.done();
        progress.message(String.format(Locale.ROOT, "log-mels of %d clips in %.1f s, cached in %s", n, (System.nanoTime() - start) / 1e9, cache));
        return new LogMels(specs, durations);
    }

    /** The conv student's items: each clip's whole spectrogram and its segments as the plugin cuts them ({@link Segmenter}, the teacher's segmenting). */
    static Items<ConvDistillTrainer.Window> windows(List<TeacherTargets.Record> records, LogMels logMels, boolean segments) {
        int mels = AudioBundleTool.defaultFrontEnd().nMels();
        double fps = AudioBundleTool.defaultFrontEnd().framesPerSecond();
        List<ConvDistillTrainer.Window> clipInputs = new ArrayList<>();
        List<Map<Float, ConvDistillTrainer.Window>> segmentInputs = new ArrayList<>();
        for (int c = 0; c < records.size(); c++) {
            int frames = logMels.spectrograms().get(c).length / mels;
            clipInputs.add(new ConvDistillTrainer.Window(c, 0, frames));
            Map<Float, ConvDistillTrainer.Window> byStart = new HashMap<>();
            for (Segment seg : Segmenter.segments(frames, fps, logMels.durations()[c], TeacherTargets.SEGMENTS)) {
                byStart.put(startKey(seg.startSeconds()), new ConvDistillTrainer.Window(c, seg.startFrame(), seg.frameCount()));
            }
            segmentInputs.add(byStart);
        }
        return align(records, clipInputs, segmentInputs, segments);
    }

    private static Map<String, float[][]> readCache(Path cache, String key) throws IOException {
        if (Files.isRegularFile(cache) == false) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache), 1 << 16))) {
            if (in.readUTF().equals(key) == false) {
                return null;
            }
            int clips = Integer.parseInt(key.substring(key.lastIndexOf('\n') + 1));
            Map<String, float[][]> out = new HashMap<>();
            for (int c = 0; c < clips; c++) {
                String id = in.readUTF();
                float[][] f = new float[in.readInt()][];
                for (int s = 0; s < f.length; s++) {
                    f[s] = new float[in.readInt()];
                    for (int j = 0; j < f[s].length; j++) {
                        f[s][j] = in.readFloat();
                    }
                }
                out.put(id, f);
            }
            return out;
        } catch (java.io.EOFException e) {
            return null; // a run that stopped while writing it: computed again
        }
    }

    static BackboneSpec studentCall(int minFrames) {
        return new BackboneSpec(Student.INPUT, InputLayout.BATCH_MELS_FRAMES, Student.EMBEDDING, Student.LOGITS, minFrames, 64);
    }

    /** Largest |ONNX − DJL| over the first clips' items that DJL's outputs cover, relative to their largest |output|. */
    static double parity(Path model, int minFrames, Items<?> items, Path clips, float[][][] djl) throws IOException {
        double worst = 0, scale = 0;
        try (OnnxModel onnx = OnnxModel.load(model, 1)) {
            AudioEmbedder embedder = new AudioEmbedder(AudioBundleTool.defaultFrontEnd(), TeacherTargets.SEGMENTS, onnx, studentCall(minFrames), null, null);
            AudioDecoder decoder = new AudioDecoder();
            int item = 0;
            for (int clip = 0; item < djl.length; clip++) {
                AudioEmbeddings e = embedder.embed(decoder.decode(Files.readAllBytes(clips.resolve(items.clipIds().get(clip) + ".wav")), DecodeLimits.DEFAULTS));
                Map<Float, float[][]> got = new HashMap<>();
                for (SegmentEmbedding seg : e.segments()) {
                    got.put(Math.round(seg.start() * 1000) / 1000f, new float[][] { seg.embedding(), seg.logits() });
                }
                for (; item < djl.length && items.clipOf().get(item) == clip; item++) {
                    float start = items.starts().get(item);
                    float[][] y = Float.isNaN(start) ? new float[][] { e.embedding(), e.logits() } : got.get(Math.round(start * 1000) / 1000f);
                    for (int o = 0; o < 2; o++) {
                        for (int j = 0; j < djl[item][o].length; j++) {
                            worst = Math.max(worst, Math.abs(y[o][j] - djl[item][o][j]));
                            scale = Math.max(scale, Math.abs(djl[item][o][j]));
                        }
                    }
                }
            }
        }
        return worst / Math.max(scale, Mlp.EPSILON);
    }

    /** ESC-10 (evaluation only): leave-one-out mAP of the statistics, the student (float and PQ fitted on the corpus) and mn04; tags. */
    static String evaluate(UnaryOperator<float[]> statistics, float[][] corpusEmbeddings, Path model, int minFrames, Path esc10, Path labelsCsv, Path mn04, Progress progress) throws IOException {
        List<String[]> rows = Esc10Evaluation.readMeta(esc10.resolve("esc10_meta.csv"));
        List<String> names = Files.readAllLines(labelsCsv, StandardCharsets.UTF_8).stream().skip(1).map(l -> l.split(",", 3)[2]).toList();
        int n = rows.size();
        int[] labels = new int[n];
        Map<String, Integer> classIds = new LinkedHashMap<>();
        float[][] stats = new float[n][], studentE = new float[n][], studentL = new float[n][], teacherE = new float[n][], teacherL = new float[n][];
        AudioDecoder decoder = new AudioDecoder();
        DecodeLimits limits = new DecodeLimits(50_000_000, 60);
        Path tmp = Files.createTempFile("audiopq-statistics", ".onnx");
        try (OnnxModel raw = OnnxModel.load(Files.write(tmp, rawStatistics()), 1); OnnxModel onnx = OnnxModel.load(model, 1)) {
            AudioEmbedder s = statisticsEmbedder(raw);
            AudioEmbedder st = new AudioEmbedder(AudioBundleTool.defaultFrontEnd(), TeacherTargets.SEGMENTS, onnx, studentCall(minFrames), null, null);
            Progress.Bar bar = progress.bar("ESC-10 (evaluation only)", n);
            for (int i = 0; i < n; i++) {
                var audio = decoder.decode(Files.readAllBytes(esc10.resolve(rows.get(i)[0])), limits);
                if (statistics != null) {
                    stats[i] = DistillTrainer.unit(statistics.apply(s.embedClip(audio).embedding()));
                }
                AudioEmbeddings e = st.embedClip(audio);
                studentE[i] = DistillTrainer.unit(e.embedding());
                studentL[i] = e.logits();
                labels[i] = classIds.computeIfAbsent(rows.get(i)[1], k -> classIds.size());
                bar.step();
            }
            bar.done();
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (mn04 != null) {
            AudioSpec spec = AudioBundleTool.mn04Spec();
            try (OnnxModel teacher = OnnxModel.load(mn04.resolve(spec.backbone().model()), 1)) {
                AudioEmbedder t = new AudioEmbedder(spec.frontEnd(), TeacherTargets.SEGMENTS, teacher, spec.backbone().call(), null, null);
                Progress.Bar bar = progress.bar("ESC-10 through mn04", n);
                for (int i = 0; i < n; i++) {
                    AudioEmbeddings e = t.embedClip(decoder.decode(Files.readAllBytes(esc10.resolve(rows.get(i)[0])), limits));
                    teacherE[i] = DistillTrainer.unit(e.embedding());
                    teacherL[i] = e.logits();
                    bar.step();
                }
                bar.done();
            }
        }
        ProductQuantizer pq = corpusCodebook(corpusEmbeddings, 8, progress);
        float[][] rec = new float[n][];
        for (int i = 0; i < n; i++) {
            rec[i] = pq.decode(pq.encode(studentE[i]));
        }
        StringBuilder s = new StringBuilder("## ESC-10 (evaluation only), 400 clips, leave-one-out, clip level\n\n| embedding | mAP | P@10 |\n| --- | ---: | ---: |\n");
        if (statistics != null) {
            row(s, "log-mel statistics, standardised on the corpus, float", RetrievalMetrics.leaveOneOutCosine(stats, labels));
        }
        row(s, "student, float", RetrievalMetrics.leaveOneOutCosine(studentE, labels));
        row(s, "student, PQ 64 bits (M=8, codebook on the corpus; float query, L2 ADC)", RetrievalMetrics.leaveOneOutAdc(studentE, rec, labels));
        if (mn04 != null) {
            row(s, "mn04 (teacher), float", RetrievalMetrics.leaveOneOutCosine(teacherE, labels));
            double agreement = 0;
            for (int i = 0; i < n; i++) {
                agreement += RetrievalMetrics.dot(studentE[i], teacherE[i]) / n;
            }
            s.append(String.format(Locale.ROOT, "%nMean cosine of the student's and mn04's embedding of the same ESC-10 clip: %.4f.%n", agreement));
        }
        s.append("\n## Tags: top 3 AudioSet labels include the class's counterpart\n\n| class | counterparts | student | ")
            .append(mn04 != null ? "mn04 |\n| --- | --- | ---: | ---: |\n" : "\n| --- | --- | ---: |\n");
        int[] hitS = new int[classIds.size()], hitT = new int[classIds.size()], count = new int[classIds.size()];
        for (int i = 0; i < n; i++) {
            String cls = rows.get(i)[1];
            count[labels[i]]++;
            hitS[labels[i]] += Esc10Evaluation.hasCounterpart(cls, top3(studentL[i], names)) ? 1 : 0;
            hitT[labels[i]] += mn04 != null && Esc10Evaluation.hasCounterpart(cls, top3(teacherL[i], names)) ? 1 : 0;
        }
        for (Map.Entry<String, Integer> c : classIds.entrySet()) {
            int k = c.getValue();
            s.append(String.format(Locale.ROOT, "| %s | %s | %d/%d |%s%n", c.getKey(), String.join(", ", Esc10Evaluation.audioSetCounterparts(c.getKey())), hitS[k], count[k],
                mn04 != null ? String.format(Locale.ROOT, " %d/%d |", hitT[k], count[k]) : ""));
        }
        s.append(String.format(Locale.ROOT, "| **all** | | **%.1f %%** |%s%n", 100.0 * Arrays.stream(hitS).sum() / n,
            mn04 != null ? String.format(Locale.ROOT, " **%.1f %%** |", 100.0 * Arrays.stream(hitT).sum() / n) : ""));
        Map<String, Integer> top1 = new HashMap<>();
        for (float[] l : studentL) {
            top1.merge(names.get(argmax(l)), 1, Integer::sum);
        }
        s.append("\nThe student's most frequent top-1 tags on ESC-10: ").append(top1.entrySet().stream()
            .sorted((a, b) -> b.getValue() - a.getValue()).limit(5).map(e -> e.getKey() + " (" + e.getValue() + ")").collect(java.util.stream.Collectors.joining(", ")))
            .append(".\n");
        return s.toString();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void row(StringBuilder s, String what, RetrievalMetrics m) {
        s.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", what, m.map(), m.precisionAt(10)));
    }

    /** The names of the 3 highest logits, best first. */
    static List<String> top3(float[] logits, List<String> names) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        return List.of(names.get(order[0]), names.get(order[1]), names.get(order[2]));
    }

    /** A PQ codebook (M × 256, cosine: unit vectors) on the student's embeddings of every corpus item (never ESC-10). */
    static ProductQuantizer corpusCodebook(float[][] embeddings, int m, Progress progress) {
        long start = System.nanoTime();
        int d = embeddings[0].length;
        float[] flat = new float[embeddings.length * d];
        for (int i = 0; i < embeddings.length; i++) {
            System.arraycopy(DistillTrainer.unit(embeddings[i]), 0, flat, i * d, d);
        }
        ProductQuantizer pq = ProductQuantizer.train(flat, embeddings.length, d, m, 8, new KMeans.Params(25, 42, 65_536, true));
        progress.message(String.format(Locale.ROOT, "PQ codebook (M=%d) on %d corpus embeddings in %.1f s", m, embeddings.length, (System.nanoTime() - start) / 1e9));
        return pq;
    }
}
