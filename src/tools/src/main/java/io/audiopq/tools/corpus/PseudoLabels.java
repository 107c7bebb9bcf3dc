package io.audiopq.tools.corpus;

import io.audiopq.audio.ClassifierLabels;
import io.audiopq.quantization.KMeans;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Labels for the corpus that nobody wrote: clips are grouped by the teacher's (mn04's) tag profile,
 * the vector of its 527 AudioSet tag probabilities over the whole clip, with k-means under cosine
 * (the core's {@link KMeans} on normalised profiles); a clip's fold is the Debian package it came
 * from. They are what the default bundle's general-purpose head learns similarity from (issue 14):
 * two corpus clips are similar when mn04 hears much the same tags in them. A class is named after
 * its number and its members' most probable tag ({@code "07 Bell"}).
 *
 * <p>Why clusters and not the top tag: on this corpus the top tag is Speech or Music for 95 % of
 * the clips (measured: 2,646 Speech, 912 Music, 119 Speech synthesizer, then 4 classes under 30),
 * which says nothing about which voice, instrument or effect it is. Clusters smaller than
 * {@code minClips} are left out (they give few usable pairs), and so are their clips.
 *
 * <p>Writes {@code filename,label,fold} rows ({@code train.sh --labels}; filenames relative to the
 * corpus's {@code clips/}).
 *
 * <pre>PseudoLabels --corpus DIR --label-names CSV [--classes K] [--min-clips N] [--seed S] [--out FILE]</pre>
 */
public final class PseudoLabels {

    /** Fewest clips a pseudo-class needs to be kept, unless {@code --min-clips} says otherwise. */
    static final int DEFAULT_MIN_CLIPS = 10;
    /** Clusters, unless {@code --classes} says otherwise: a guess, ~80 clips each on the 3,912-clip corpus. */
    static final int DEFAULT_CLASSES = 48;

    /** One labelled clip. */
    public record Row(String file, String label, String fold) {}

    private PseudoLabels() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (options.containsKey("corpus") == false || options.containsKey("label-names") == false) {
            throw new IllegalArgumentException("usage: PseudoLabels --corpus DIR --label-names CSV [--classes K] [--min-clips N] [--seed S] [--out FILE]");
        }
        Path corpus = Path.of(options.get("corpus"));
        Path out = Path.of(options.getOrDefault("out", corpus.resolve("pseudo-labels.csv").toString()));
        List<Row> rows = label(CorpusClips.open(corpus).clips(), TeacherTargets.read(corpus.resolve(TeacherTargets.FILE_NAME)),
            ClassifierLabels.readCsv(Path.of(options.get("label-names"))), Integer.parseInt(options.getOrDefault("classes", "" + DEFAULT_CLASSES)),
            Integer.parseInt(options.getOrDefault("min-clips", "" + DEFAULT_MIN_CLIPS)), Long.parseLong(options.getOrDefault("seed", "42")));
        write(out, rows);
        summarise(rows, System.err);
        System.err.println("pseudo-labels: wrote " + out);
    }

    /** The kept clips with their cluster and package, in teacher-file order. */
    public static List<Row> label(List<CorpusClips.Clip> corpus, List<TeacherTargets.Record> targets, ClassifierLabels names, int classes, int minClips,
        long seed) {
        Map<String, CorpusClips.Clip> clips = new HashMap<>();
        for (CorpusClips.Clip clip : corpus) {
            clips.put(clip.id().toString(), clip);
        }
        int n = targets.size(), d = names.size();
        if (n < classes) {
            throw new IllegalArgumentException(n + " clips cannot make " + classes + " classes");
        }
        float[] profiles = new float[n * d];
        for (int i = 0; i < n; i++) {
            TeacherTargets.Record r = targets.get(i);
            if (clips.containsKey(r.clipId()) == false) {
                throw new IllegalArgumentException("teacher targets name clip " + r.clipId() + ", which the corpus manifest does not list");
            }
            if (r.logits().length != d) {
                throw new IllegalArgumentException("clip " + r.clipId() + " has " + r.logits().length + " logits but there are " + d + " label names");
            }
            double norm = 0;
            for (int t = 0; t < d; t++) {
                float p = (float) (1 / (1 + Math.exp(-r.logits()[t])));
                profiles[i * d + t] = p;
                norm += (double) p * p;
            }
            for (int t = 0; t < d; t++) {
                profiles[i * d + t] /= (float) Math.sqrt(norm);
            }
        }
        float[] centroids = KMeans.train(profiles, n, d, classes, KMeans.Params.DEFAULT.withSeed(seed).withIterations(50));
        int[] cluster = new int[n];
        int[] sizes = new int[classes];
        double[][] tagMass = new double[classes][d];
        for (int i = 0; i < n; i++) {
            cluster[i] = KMeans.nearest(centroids, classes, d, profiles, i * d);
            sizes[cluster[i]]++;
            for (int t = 0; t < d; t++) {
                tagMass[cluster[i]][t] += profiles[i * d + t];
            }
        }
        String[] label = new String[classes];
        for (int c = 0; c < classes; c++) {
            int best = 0;
            for (int t = 1; t < d; t++) {
                best = tagMass[c][t] > tagMass[c][best] ? t : best;
            }
            label[c] = String.format(Locale.ROOT, "%02d %s", c, names.name(best));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (sizes[cluster[i]] >= minClips) {
                CorpusClips.Clip clip = clips.get(targets.get(i).clipId());
                rows.add(new Row(clip.id().fileName(), label[cluster[i]], clip.pkg()));
            }
        }
        return rows;
    }

    static void write(Path out, List<Row> rows) throws IOException {
        StringBuilder csv = new StringBuilder("filename,label,fold\n");
        for (Row row : rows) {
            csv.append(row.file()).append(',').append(quote(row.label())).append(',').append(row.fold()).append('\n');
        }
        Files.writeString(out, csv, StandardCharsets.UTF_8);
    }

    /** AudioSet names may hold commas ("Waves, surf"). */
    static String quote(String field) {
        return field.indexOf(',') >= 0 || field.indexOf('"') >= 0 ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }

    static void summarise(List<Row> rows, PrintStream log) {
        Map<String, Integer> sizes = new TreeMap<>();
        rows.forEach(r -> sizes.merge(r.label(), 1, Integer::sum));
        log.printf(Locale.ROOT, "pseudo-labels: %d clips in %d classes (clusters of the teacher's tag profiles)%n", rows.size(), sizes.size());
        sizes.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
            .forEach(e -> log.printf(Locale.ROOT, "  %5d  %s%n", e.getValue(), e.getKey()));
    }
}
