package io.audiopq.tools;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.quantization.VectorMath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Query-by-example evaluation of the audio pipeline on ESC-10 with the EfficientAT mn04 model:
 * every clip (whole, as decoded from its Ogg Vorbis file) is embedded with the backbone's
 * {@code features} output, L2-normalised, and queries all others by cosine similarity
 * (leave-one-out). The reference for a correct decode → resample → front end → inference chain is
 * mAP 0.936, top-1 0.993, P@5 0.981, P@10 0.977 (../shared/models/efficientat-mn04/MODEL.md).
 *
 * <p>Usage: {@code Esc10Evaluation [ESC10_DIR] [MN04_ONNX]}, defaulting to the folders in
 * {@code ../shared}. Runs on one thread with one intra-op thread, so the reported throughput is
 * seconds of audio per second per core.
 */
public final class Esc10Evaluation {

    /** Metrics, plus the clip count, total audio and the single-core wall time of the embedding. */
    public record Result(RetrievalMetrics metrics, int clips, double audioSeconds, double wallSeconds) {

        /** Seconds of audio processed per second on one core (decode, resample, front end, inference). */
        public double realtimeFactor() {
            return audioSeconds / wallSeconds;
        }

        @Override
        public String toString() {
            RetrievalMetrics m = metrics;
            return String.format(Locale.ROOT,
                "ESC-10 leave-one-out, %d clips: mAP %.4f, top-1 %.4f, P@5 %.4f, P@10 %.4f; %.1f s of audio in %.2f s on one core"
                    + " = %.0f s of audio per second per core (%.1f ms per clip)",
                clips, m.map(), m.top1(), m.precisionAt(5), m.precisionAt(10), audioSeconds, wallSeconds,
                realtimeFactor(), 1000 * wallSeconds / clips);
        }
    }

    /** AudioSet counterparts of the ESC-10 classes, as {@link io.audiopq.audio.ClassifierLabels} names them (the tag check of issue 14). */
    private static final Map<String, List<String>> AUDIOSET_COUNTERPARTS = new LinkedHashMap<>();

    static {
        AUDIOSET_COUNTERPARTS.put("001 - Dog bark", List.of("Dog", "Bark"));
        AUDIOSET_COUNTERPARTS.put("002 - Rain", List.of("Rain", "Raindrop", "Rain on surface"));
        AUDIOSET_COUNTERPARTS.put("003 - Sea waves", List.of("Waves, surf", "Ocean"));
        AUDIOSET_COUNTERPARTS.put("004 - Baby cry", List.of("Baby cry, infant cry", "Crying, sobbing"));
        AUDIOSET_COUNTERPARTS.put("005 - Clock tick", List.of("Tick", "Tick-tock", "Clock"));
        AUDIOSET_COUNTERPARTS.put("006 - Person sneeze", List.of("Sneeze"));
        AUDIOSET_COUNTERPARTS.put("007 - Helicopter", List.of("Helicopter"));
        AUDIOSET_COUNTERPARTS.put("008 - Chainsaw", List.of("Chainsaw"));
        AUDIOSET_COUNTERPARTS.put("009 - Rooster", List.of("Chicken, rooster", "Crowing, cock-a-doodle-doo"));
        AUDIOSET_COUNTERPARTS.put("010 - Fire crackling", List.of("Fire", "Crackle"));
    }

    private Esc10Evaluation() {}

    /** The AudioSet labels that count as a correct tag for an ESC-10 class. */
    public static List<String> audioSetCounterparts(String esc10Class) {
        List<String> labels = AUDIOSET_COUNTERPARTS.get(esc10Class);
        if (labels == null) {
            throw new IllegalArgumentException("no AudioSet counterpart known for ESC-10 class [" + esc10Class + "]");
        }
        return labels;
    }

    /** Whether {@code esc10Class} is an ESC-10 class with known AudioSet counterparts. */
    public static boolean knowsCounterparts(String esc10Class) {
        return AUDIOSET_COUNTERPARTS.containsKey(esc10Class);
    }

    /** Whether {@code tags} (label names, '_' read as ' ') hold one of the class's counterparts. */
    public static boolean hasCounterpart(String esc10Class, List<String> tags) {
        List<String> want = audioSetCounterparts(esc10Class);
        return tags.stream().map(t -> t.replace('_', ' ').trim()).anyMatch(want::contains);
    }

    public static void main(String[] args) throws IOException {
        Path shared = Path.of("").toAbsolutePath().getParent().resolve("shared");
        Path esc10 = args.length > 0 ? Path.of(args[0]) : shared.resolve("data/esc10");
        Path model = args.length > 1 ? Path.of(args[1]) : shared.resolve("models/efficientat-mn04/mn04_as.onnx");
        System.out.println(run(esc10, model));
    }

    /** Embeds every clip listed in {@code esc10_meta.csv} and computes the leave-one-out metrics. */
    public static Result run(Path esc10Dir, Path mn04Model) throws IOException {
        List<String[]> rows = readMeta(esc10Dir.resolve("esc10_meta.csv"));
        AudioDecoder decoder = new AudioDecoder();
        DecodeLimits limits = new DecodeLimits(50_000_000, 60);
        Map<String, Integer> classIds = new HashMap<>();
        float[][] vectors = new float[rows.size()][];
        int[] labels = new int[rows.size()];
        double audioSeconds = 0;
        long nanos = 0;
        try (OnnxModel backbone = OnnxModel.load(mn04Model, 1)) {
            AudioEmbedder embedder = new AudioEmbedder(LogMelConfig.efficientAt(), new SegmentSpec(1, 0.5), backbone, BackboneSpec.efficientAt(),
                null, null);
            // Warm-up: the first inference calls pay for ONNX Runtime's lazy initialisation.
            embedder.embedClip(new DecodedAudio(new float[32000], 32000, 1, io.audiopq.audio.AudioFormat.WAV));
            for (int i = 0; i < rows.size(); i++) {
                String[] row = rows.get(i);
                byte[] bytes = Files.readAllBytes(esc10Dir.resolve(row[0]));
                long start = System.nanoTime();
                DecodedAudio audio = decoder.decode(bytes, limits);
                vectors[i] = VectorMath.normalize(embedder.embedClip(audio).embedding());
                nanos += System.nanoTime() - start;
                audioSeconds += audio.durationSeconds();
                labels[i] = classIds.computeIfAbsent(row[1], k -> classIds.size());
            }
        }
        return new Result(RetrievalMetrics.leaveOneOutCosine(vectors, labels), rows.size(), audioSeconds, nanos / 1e9);
    }

    /** (filename, class) per row of esc10_meta.csv (columns: filename, fold, esc10_class, ...). */
    public static List<String[]> readMeta(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",");
        int file = indexOf(header, "filename", csv), label = indexOf(header, "esc10_class", csv);
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank() == false) {
                String[] f = line.split(",");
                rows.add(new String[] { f[file], f[label] });
            }
        }
        return rows;
    }

    private static int indexOf(String[] header, String column, Path csv) throws IOException {
        for (int i = 0; i < header.length; i++) {
            if (header[i].trim().equals(column)) {
                return i;
            }
        }
        throw new IOException(csv + " has no column [" + column + "]");
    }
}
