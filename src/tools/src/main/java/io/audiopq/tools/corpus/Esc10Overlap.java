package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.model.AudioSpec;
import io.audiopq.quantization.VectorMath;
import io.audiopq.tools.AudioBundleTool;
import io.audiopq.tools.Esc10Evaluation;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Looks for ESC-10 recordings in the corpus by sound rather than by bytes: the byte check in
 * {@link CorpusBuilder} misses the same Freesound recording re-encoded or cut differently. Every
 * audible 1 s segment of every corpus clip (mn04 embeddings from {@link TeacherTargets}' file, which sits beside the corpus's {@code clips/}) is compared
 * with every audible ({@link #QUIET_RMS}) 1 s segment of ESC-10 (embedded here the same way); a corpus clip whose best segment
 * match reaches {@link #THRESHOLD} cosine is listed in the report with its best ESC-10 file, to be
 * looked at (and listened to) before training. Nothing is dropped automatically: sounds of one
 * kind (two dog barks) can come close without being one recording.
 *
 * <p>Usage: {@code Esc10Overlap --targets FILE --esc10 DIR --mn04 DIR --out TSV}.
 */
public final class Esc10Overlap {

    /** Segment cosine at which a corpus clip is reported. */
    static final double THRESHOLD = 0.95;

    /**
     * Segments quieter than this (-40 dBFS RMS) are left out on both sides: ESC-10 pads short
     * recordings with digital silence, clips end in pauses, and quiet sounds alike everywhere
     * (without this rule, 70 corpus clips "matched" one quiet ESC-10 second at cosine > 0.99).
     */
    static final double QUIET_RMS = 0.01;

    /**
     * ESC-10's segments: 1 s like the targets' but a hop of 0.25 s, so a corpus segment is at most
     * 0.125 s off the nearest one (a dog bark cut 0.2 s off the grid scored 0.945, under the threshold).
     */
    static final SegmentSpec ESC10_SEGMENTS = new SegmentSpec(1.0, 0.25);

    private Esc10Overlap() {}

    static boolean quiet(float[] x, int rate, double start, double end) {
        int from = (int) Math.min(x.length, start * rate), to = (int) Math.min(x.length, end * rate);
        return to - from < rate / 4 || ClipRules.rms(x, from, to) < QUIET_RMS;
    }

    /** A corpus clip's closest ESC-10 segment. */
    record Match(String clipId, double cosine, String esc10File, double esc10Start) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        for (String required : List.of("targets", "esc10", "mn04", "out")) {
            if (options.containsKey(required) == false) {
                throw new IllegalArgumentException("usage: Esc10Overlap --targets FILE --esc10 DIR --mn04 DIR --out TSV; --" + required + " is missing");
            }
        }
        run(Path.of(options.get("targets")), Path.of(options.get("esc10")), Path.of(options.get("mn04")), Path.of(options.get("out")), System.err);
    }

    /** Writes the report and returns every corpus clip's best match, highest first. */
    static List<Match> run(Path targets, Path esc10, Path mn04, Path out, PrintStream log) throws IOException {
        long start = System.nanoTime();
        Path clips = targets.toAbsolutePath().getParent().resolve("clips");
        List<float[]> escSegments = new ArrayList<>();
        List<String> escFiles = new ArrayList<>();
        List<Double> escStarts = new ArrayList<>();
        AudioSpec spec = AudioBundleTool.mn04Spec();
        AudioDecoder decoder = new AudioDecoder();
        try (OnnxModel model = OnnxModel.load(mn04.resolve(spec.backbone().model()), 1)) {
            AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), ESC10_SEGMENTS, model, spec.backbone().call(), null, null);
            for (String[] row : Esc10Evaluation.readMeta(esc10.resolve("esc10_meta.csv"))) {
                DecodedAudio audio = decoder.decode(Files.readAllBytes(esc10.resolve(row[0])), DecodeLimits.DEFAULTS);
                AudioEmbeddings e = embedder.embed(audio);
                for (SegmentEmbedding s : e.segments()) {
                    if (quiet(audio.samples(), audio.sampleRate(), s.start(), s.end())) {
                        continue;
                    }
                    escSegments.add(VectorMath.normalized(s.embedding()));
                    escFiles.add(row[0]);
                    escStarts.add(s.start());
                }
            }
        }
        int d = escSegments.get(0).length;
        float[] esc = new float[escSegments.size() * d];
        for (int i = 0; i < escSegments.size(); i++) {
            System.arraycopy(escSegments.get(i), 0, esc, i * d, d);
        }
        List<Match> matches = new ArrayList<>();
        for (TeacherTargets.Record r : TeacherTargets.read(targets)) {
            double best = -2;
            int bestAt = -1;
            DecodedAudio clip = decoder.decode(Files.readAllBytes(clips.resolve(r.clipId() + ".wav")), DecodeLimits.DEFAULTS);
            List<float[]> segments = new ArrayList<>();
            for (TeacherTargets.Segment s : r.segments()) {
                if (quiet(clip.samples(), clip.sampleRate(), s.start(), s.end()) == false) {
                    segments.add(s.embedding());
                }
            }
            for (float[] v : segments) {
                float[] q = VectorMath.normalized(v);
                for (int j = 0; j < escSegments.size(); j++) {
                    double c = VectorMath.dot(q, 0, esc, j * d, d);
                    if (c > best) {
                        best = c;
                        bestAt = j;
                    }
                }
            }
            matches.add(bestAt < 0 ? new Match(r.clipId(), -1, "", 0) : new Match(r.clipId(), best, escFiles.get(bestAt), escStarts.get(bestAt)));
        }
        matches.sort((a, b) -> Double.compare(b.cosine(), a.cosine()));
        long flagged = matches.stream().filter(m -> m.cosine() >= THRESHOLD).count();
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write("clip\tcosine\tesc10_file\tesc10_start\n");
            for (Match m : matches) {
                if (m.cosine() >= THRESHOLD) {
                    w.write(String.format(Locale.ROOT, "%s\t%.4f\t%s\t%.1f%n", m.clipId(), m.cosine(), m.esc10File(), m.esc10Start()));
                }
            }
        }
        double[] quantiles = { 0.5, 0.9, 0.99 };
        StringBuilder q = new StringBuilder();
        for (double p : quantiles) {
            q.append(String.format(Locale.ROOT, " %.0f%%: %.3f", p * 100, matches.get((int) Math.min(matches.size() - 1, (1 - p) * matches.size())).cosine()));
        }
        log.printf(Locale.ROOT, "make-corpus: ESC-10 overlap: %d corpus clips against %d ESC-10 segments; best segment cosine per clip:%s, max %.3f (%s ~ %s);"
            + " %d clips at >= %.2f listed in %s (%.1f s)%n", matches.size(), escSegments.size(), q, matches.get(0).cosine(), matches.get(0).clipId(),
            matches.get(0).esc10File(), flagged, THRESHOLD, out, (System.nanoTime() - start) / 1e9);
        return matches;
    }
}
