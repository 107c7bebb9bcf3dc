package io.audiopq.train;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.InputLayout;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentEmbedding;
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

/**
 * {@code train.sh distill}: distils EfficientAT mn04 into a {@link Student} on the training corpus
 * ({@code make-corpus.sh}: its clips and {@code teacher-mn04.bin}, mn04's embedding and logits of
 * every clip and 1 s segment), writes the student as an ONNX backbone, checks that ONNX Runtime
 * reproduces DJL's outputs, and measures it on ESC-10 (evaluation only: nothing is fitted on it)
 * beside the statistics it starts from and, with {@code --mn04}, the teacher.
 *
 * <p>The student's input, the default bundle's log-mel statistics of every clip and segment, is
 * computed once through the plugin's pipeline ({@link AudioEmbedder}, the default bundle's front end
 * and segmenting) and cached in {@code OUT/features.bin}, keyed by the teacher file's model key.
 */
public final class DistillCommand {

    /** AudioSet counterparts of the ESC-10 classes (display names of class_labels_indices.csv, '_' for ' '). */
    static final Map<String, List<String>> ESC10_TAGS = new LinkedHashMap<>();

    static {
        ESC10_TAGS.put("001 - Dog bark", List.of("Dog", "Bark"));
        ESC10_TAGS.put("002 - Rain", List.of("Rain", "Raindrop", "Rain_on_surface"));
        ESC10_TAGS.put("003 - Sea waves", List.of("Waves,_surf", "Ocean"));
        ESC10_TAGS.put("004 - Baby cry", List.of("Baby_cry,_infant_cry", "Crying,_sobbing"));
        ESC10_TAGS.put("005 - Clock tick", List.of("Tick", "Tick-tock", "Clock"));
        ESC10_TAGS.put("006 - Person sneeze", List.of("Sneeze"));
        ESC10_TAGS.put("007 - Helicopter", List.of("Helicopter"));
        ESC10_TAGS.put("008 - Chainsaw", List.of("Chainsaw"));
        ESC10_TAGS.put("009 - Rooster", List.of("Chicken,_rooster", "Crowing,_cock-a-doodle-doo"));
        ESC10_TAGS.put("010 - Fire crackling", List.of("Fire", "Crackle"));
    }

    /** Items (clips and segments) whose DJL outputs the exported model must reproduce. */
    static final int CHECK_ITEMS = 64;
    /** Largest accepted |ONNX − DJL| on an output, relative to the largest |output| of the checked items. */
    static final double PARITY_TOLERANCE = 1e-4;

    private DistillCommand() {}

    /** The student's input per corpus item: clip then its segments, in teacher-file order. */
    record Items(List<float[]> features, List<float[]> embeddings, List<float[]> logits, List<Integer> clipOf, List<Float> starts, List<String> clipIds,
        int droppedSegments) {}

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = new Args(argv, Set.of("corpus", "out", "esc10", "mn04", "hidden", "epochs", "batch", "lr", "logit-weight", "seed", "held-out"),
                Set.of("no-segments"));
        } catch (IllegalArgumentException e) {
            System.err.println("distill: " + e.getMessage());
            System.exit(2);
            return;
        }
        Progress progress = Progress.stderr();
        Path corpus = args.path("corpus", Path.of("target/corpus"));
        Path out = Files.createDirectories(args.path("out", Path.of("target/distill")));
        DistillTrainer.Config cfg = new DistillTrainer.Config(args.integer("hidden", 512), args.integer("epochs", 20), args.integer("batch", 256),
            (float) args.number("lr", 1e-3f), (float) args.number("logit-weight", 1f), args.integer("seed", 42));
        Items items = features(corpus.resolve("teacher-mn04.bin"), corpus.resolve("clips"), out.resolve("features.bin"), args.flag("no-segments") == false,
            progress);
        int n = items.features().size();
        progress.message(String.format(Locale.ROOT, "%d items: %d clips and %d segments (%d of the teacher's segments left out: no segment of the student starts there)", n,
            items.clipIds().size(), n - items.clipIds().size(), items.droppedSegments()));
        int[] heldOut = heldOut(items, args.number("held-out", 0.05f), cfg.seed());
        progress.message("distilling: " + cfg.summary());
        DistillTrainer.Result r = DistillTrainer.train(items.features().toArray(float[][]::new), items.embeddings().toArray(float[][]::new),
            items.logits().toArray(float[][]::new), heldOut, AudioBundleTool.defaultFrontEnd().nMels(), cfg, CHECK_ITEMS, progress);
        Student student = r.student();
        Path model = out.resolve("student.onnx");
        Files.write(model, student.export("AudioPQ student distilled from EfficientAT mn04 on the Debian corpus: " + cfg.summary()));
        double parity = parity(model, items, corpus.resolve("clips"), r.djlOutputs());
        progress.message(String.format(Locale.ROOT, "student.onnx under ONNX Runtime vs DJL: max |difference| %.2e of the outputs' scale over %d items",
            parity, r.djlOutputs().length));
        if (parity > PARITY_TOLERANCE) {
            throw new IllegalStateException("exported student differs from DJL's forward pass by " + parity + " (relative, > " + PARITY_TOLERANCE + ")");
        }
        StringBuilder report = new StringBuilder("# Distilled student (mn04 → log-mel statistics + MLP)\n\n");
        report.append("Training: ").append(cfg.summary()).append("; ").append(n).append(" corpus items (").append(heldOut.length)
            .append(" held out).\n\n```\n").append(String.join("\n", r.log())).append("\n```\n\n");
        report.append(String.format(Locale.ROOT, "Export check: ONNX Runtime vs DJL, max |difference| %.2e relative.%n%n", parity));
        Path esc10 = args.path("esc10", Path.of("").toAbsolutePath().getParent().resolve("shared/data/esc10"));
        if (Files.isRegularFile(esc10.resolve("esc10_meta.csv"))) {
            Path labels = args.path("mn04", Path.of("").toAbsolutePath().getParent().resolve("shared/models/efficientat-mn04"))
                .resolve("class_labels_indices.csv");
            report.append(evaluate(student, model, items, esc10, labels, args.string("mn04", null) == null ? null : Path.of(args.string("mn04", null)), progress));
        } else {
            report.append("Not evaluated: no ESC-10 at ").append(esc10).append('\n');
        }
        Files.writeString(out.resolve("report.md"), report);
        System.out.println(report);
    }

    /** Every 1/fraction-th clip, drawn from the seed, with its segments. */
    static int[] heldOut(Items items, double fraction, long seed) {
        int clips = items.clipIds().size();
        int[] order = HeadTrainer.permutation(clips, new SplittableRandom(seed));
        boolean[] held = new boolean[clips];
        for (int i = 0; i < Math.round(fraction * clips); i++) {
            held[order[i]] = true;
        }
        return java.util.stream.IntStream.range(0, items.features().size()).filter(i -> held[items.clipOf().get(i)]).toArray();
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
    static Items features(Path teacherFile, Path clips, Path cache, boolean segments, Progress progress) throws IOException {
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
        List<float[]> x = new ArrayList<>(), emb = new ArrayList<>(), logits = new ArrayList<>();
        List<Integer> clipOf = new ArrayList<>();
        List<Float> starts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int dropped = 0;
        for (TeacherTargets.Record rec : records) {
            float[][] f = cached.get(rec.clipId());
            int clip = ids.size();
            ids.add(rec.clipId());
            x.add(f[0]);
            emb.add(rec.embedding());
            logits.add(rec.logits());
            clipOf.add(clip);
            starts.add(Float.NaN);
            if (segments == false) {
                continue;
            }
            // Both front ends run at 100 frames/s, so the regular segments start at the same times; the last one,
            // aligned to the clip's end, can differ (other frame counts) and is then left out.
            Map<Float, float[]> byStart = new HashMap<>();
            for (int s = 1; s < f.length; s++) {
                byStart.put(Math.round(f[s][f[s].length - 1] * 1000) / 1000f, f[s]);
            }
            for (TeacherTargets.Segment seg : rec.segments()) {
                float[] mine = byStart.get(Math.round(seg.start() * 1000) / 1000f);
                if (mine == null) {
                    dropped++;
                    continue;
                }
                x.add(Arrays.copyOf(mine, mine.length - 1));
                emb.add(seg.embedding());
                logits.add(seg.logits());
                clipOf.add(clip);
                starts.add(seg.start());
            }
        }
        return new Items(x, emb, logits, clipOf, starts, ids, dropped);
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

    static BackboneSpec studentCall() {
        return new BackboneSpec(Student.INPUT, InputLayout.BATCH_MELS_FRAMES, Student.EMBEDDING, Student.LOGITS, 2, 64);
    }

    /** Largest |ONNX − DJL| over the first clips' items that DJL's outputs cover, relative to their largest |output|. */
    static double parity(Path model, Items items, Path clips, float[][][] djl) throws IOException {
        double worst = 0, scale = 0;
        try (OnnxModel onnx = OnnxModel.load(model, 1)) {
            AudioEmbedder embedder = new AudioEmbedder(AudioBundleTool.defaultFrontEnd(), TeacherTargets.SEGMENTS, onnx, studentCall(), null, null);
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
    static String evaluate(Student student, Path model, Items items, Path esc10, Path labelsCsv, Path mn04, Progress progress) throws IOException {
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
            AudioEmbedder st = new AudioEmbedder(AudioBundleTool.defaultFrontEnd(), TeacherTargets.SEGMENTS, onnx, studentCall(), null, null);
            Progress.Bar bar = progress.bar("ESC-10 (evaluation only)", n);
            for (int i = 0; i < n; i++) {
                var audio = decoder.decode(Files.readAllBytes(esc10.resolve(rows.get(i)[0])), limits);
                stats[i] = DistillTrainer.unit(student.standardise(s.embedClip(audio).embedding()));
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
        ProductQuantizer pq = corpusCodebook(student, items, 8, progress);
        float[][] rec = new float[n][];
        for (int i = 0; i < n; i++) {
            rec[i] = pq.decode(pq.encode(studentE[i]));
        }
        StringBuilder s = new StringBuilder("## ESC-10 (evaluation only), 400 clips, leave-one-out, clip level\n\n| embedding | mAP | P@10 |\n| --- | ---: | ---: |\n");
        row(s, "log-mel statistics, standardised on the corpus, float", RetrievalMetrics.leaveOneOutCosine(stats, labels));
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
            Set<Integer> want = counterparts(rows.get(i)[1], names);
            count[labels[i]]++;
            hitS[labels[i]] += top3Hit(studentL[i], want) ? 1 : 0;
            hitT[labels[i]] += mn04 != null && top3Hit(teacherL[i], want) ? 1 : 0;
        }
        for (Map.Entry<String, Integer> c : classIds.entrySet()) {
            int k = c.getValue();
            s.append(String.format(Locale.ROOT, "| %s | %s | %d/%d |%s%n", c.getKey(), String.join(", ", ESC10_TAGS.get(c.getKey())), hitS[k], count[k],
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

    static Set<Integer> counterparts(String esc10Class, List<String> names) {
        List<String> want = ESC10_TAGS.get(esc10Class);
        if (want == null) {
            throw new IllegalArgumentException("no AudioSet counterpart known for ESC-10 class [" + esc10Class + "]");
        }
        Set<Integer> idx = new java.util.HashSet<>();
        for (String w : want) {
            int i = names.indexOf(w);
            if (i < 0) {
                throw new IllegalArgumentException("AudioSet label [" + w + "] is not in the label file");
            }
            idx.add(i);
        }
        return idx;
    }

    static boolean top3Hit(float[] logits, Set<Integer> want) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        for (int k = 0; k < 3; k++) {
            if (want.contains(order[k])) {
                return true;
            }
        }
        return false;
    }

    /** A PQ codebook (M × 256, cosine: unit vectors) on the student's embeddings of every corpus item (never ESC-10). */
    static ProductQuantizer corpusCodebook(Student student, List<float[]> features, int m) {
        int d = student.dimension();
        float[] flat = new float[features.size() * d];
        for (int i = 0; i < features.size(); i++) {
            System.arraycopy(DistillTrainer.unit(student.forward(features.get(i))[0]), 0, flat, i * d, d);
        }
        return ProductQuantizer.train(flat, features.size(), d, m, 8, new KMeans.Params(25, 42, 65_536, true));
    }

    private static ProductQuantizer corpusCodebook(Student student, Items items, int m, Progress progress) {
        long start = System.nanoTime();
        ProductQuantizer pq = corpusCodebook(student, items.features(), m);
        progress.message(String.format(Locale.ROOT, "PQ codebook (M=%d) on %d corpus embeddings in %.1f s", m, items.features().size(),
            (System.nanoTime() - start) / 1e9));
        return pq;
    }
}
