package io.audiopq.integ;

import io.audiopq.audio.DecodeLimits;
import io.audiopq.testing.RealNode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The README's main job, run against the node that integTest/node.sh started with the plugin and
 * the default bundle: creates an ingest pipeline and an index, ingests a folder of audio (or clips
 * it generates itself) in bounded bulk requests, then searches by sound and by sound plus text and
 * prints a table of the ranked clips with where in each clip the sound is.
 *
 * <p>Ranking compares the query's clip vector with the clips' vectors; the segments (nested, with
 * their times) only say where in a ranked clip the query sounds most alike: see {@link #where}.
 *
 * <pre>MainJob [FOLDER] [--query FILE] [--text WORDS]</pre>
 */
public final class MainJob {

    static final String BUNDLE = "audiopq-default";
    static final String INDEX = "audiopq-sounds";
    /** Request body per bulk: well under http.max_content_length (100 MB), and a progress line every few seconds. */
    static final long MAX_BULK_BYTES = 10L * 1024 * 1024;
    /** Encoded audio the processor accepts per file (its max_bytes, left at the default). */
    static final long MAX_FILE_BYTES = DecodeLimits.DEFAULT_MAX_BYTES;
    /** Segment hop for the "where" (the default bundle's is 0.5 s): four segment starts per second. */
    static final double SEGMENT_HOP = 0.25;
    static final int HITS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> AUDIO_EXTENSIONS = List.of(".wav", ".flac", ".ogg", ".mp3");
    private static final String USAGE = "usage: main-job.sh [AUDIO_FOLDER] [--query FILE] [--text WORDS] [--keep]";

    private final RealNode node;
    private final PrintStream out;
    private final String index;
    private final Double segmentHop;

    /** The main job's index, pipeline and segment hop. */
    MainJob(RealNode node, PrintStream out) {
        this(node, out, INDEX, SEGMENT_HOP);
    }

    /**
     * @param index      the index to (re)create, and the name of its pipeline
     * @param segmentHop the processor's segment_hop, or null for the bundle's
     */
    MainJob(RealNode node, PrintStream out, String index, Double segmentHop) {
        this.node = node;
        this.out = out;
        this.index = index;
        this.segmentHop = segmentHop;
    }

    /** The command line: a folder (default: generated clips), the query clip and the hybrid step's words. */
    record Options(Path folder, Path query, String text) {

        static Options parse(String[] args) {
            Path folder = null, query = null;
            String text = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--query" -> query = Path.of(value(args, ++i, "--query"));
                    case "--text" -> text = value(args, ++i, "--text");
                    default -> {
                        if (args[i].startsWith("--") || folder != null) {
                            throw new IllegalArgumentException("unexpected argument [" + args[i] + "]; " + USAGE);
                        }
                        folder = Path.of(args[i]);
                    }
                }
            }
            if (folder != null && Files.isDirectory(folder) == false) {
                throw new IllegalArgumentException("[" + folder + "] is not a folder; " + USAGE);
            }
            if (query != null && Files.isRegularFile(query) == false) {
                throw new IllegalArgumentException("--query [" + query + "] is not a file");
            }
            return new Options(folder, query, text);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length || args[i].isBlank()) {
                throw new IllegalArgumentException(option + " needs a value; " + USAGE);
            }
            return args[i];
        }
    }

    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        RealNode node = RealNode.fromBuild();
        System.out.println("AudioPQ main job: Elasticsearch " + node.version() + " at " + node.baseUri() + ", model bundle " + BUNDLE);
        try {
            new MainJob(node, System.out).run(options);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("main job failed: " + e.getMessage());
            System.exit(1);
        }
    }

    void run(Options options) throws IOException {
        List<Source> sources = options.folder() == null ? generatedClips() : filesIn(options.folder());
        out.println(
            options.folder() == null
                ? "No folder given: indexing " + sources.size() + " clips generated by the project (see DemoClips)."
                : "Indexing " + sources.size() + " audio files (" + megabytes(sources.stream().mapToLong(Source::size).sum())
                    + ") from " + options.folder() + "."
        );
        createPipelineAndIndex();
        List<String> indexed = index(sources);

        Source query;
        if (options.query() != null) {
            query = Source.file(options.query(), options.query().getFileName().toString().replaceAll("\\.[^.]+$", ""));
        } else if (options.folder() == null) {
            query = Source.of(DemoClips.query("two-tone siren"));
        } else {
            query = sources.stream().filter(s -> indexed.contains(s.id())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no file was indexed, nothing to search"));
        }
        float[] vector = embed(query.bytes());
        out.println();
        out.println("1) Search by sound: the clips most like '" + query.title() + "' (clip vectors), and where in each the sound is most alike");
        printHits(search(soundQuery(vector), vector));

        String text = options.text() != null ? options.text() : options.folder() == null ? "clock" : wordsOf(query.title());
        out.println();
        if (text.isEmpty()) {
            out.println("2) Hybrid: skipped (the query's name has no words; give some with --text WORDS)");
            return;
        }
        out.println("2) Hybrid: title matches '" + text + "' (BM25) plus the same sound (clip vectors), summed");
        printHits(search("""
            {"bool": {"should": [{"match": {"title": %s}}, %s]}}""".formatted(quote(text), soundQuery(vector)), vector));
    }

    /**
     * One clip to index: id (its path under the folder), a title (searchable text), its size, where
     * its sound is for generated clips (else NaN), and either its file or, for generated clips, its bytes.
     */
    record Source(String id, String title, long size, double soundStart, Path file, byte[] audio) {

        static Source file(Path file, String id) {
            try {
                return new Source(id, id.replace('/', ' '), Files.size(file), Double.NaN, file, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Source of(DemoClips.Clip clip) {
            return new Source(clip.id(), clip.title(), clip.wav().length, clip.eventStart(), null, clip.wav());
        }

        byte[] bytes() {
            try {
                return audio != null ? audio : Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }

        /** Bytes of this clip's bulk lines: base64 grows the audio by 4/3; 512 for the action line and the other fields. */
        long bulkBytes() {
            return (size + 2) / 3 * 4 + 512 + title.length() * 2L;
        }
    }

    static List<Source> generatedClips() {
        return DemoClips.catalogue().stream().map(Source::of).toList();
    }

    /** Every audio file under {@code folder} (sorted by path), its id the path relative to the folder without extension. */
    static List<Source> filesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            List<Source> sources = new ArrayList<>();
            for (Path file : files.filter(Files::isRegularFile).filter(MainJob::isAudioFile).sorted().toList()) {
                String id = folder.relativize(file).toString().replace('\\', '/').replaceAll("\\.[^.]+$", "");
                sources.add(Source.file(file, id));
            }
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("no audio files (" + AUDIO_EXTENSIONS + ") under " + folder);
            }
            return sources;
        }
    }

    private static boolean isAudioFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return AUDIO_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    void createPipelineAndIndex() {
        check(node.put("/_ingest/pipeline/" + index, """
            {"description": "AudioPQ main job: audio to clip and segment embeddings",
             "processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true%s}}]}
            """.formatted(BUNDLE, segmentHop == null ? "" : ", \"segment_hop\": " + segmentHop)), "create pipeline");
        node.delete("/" + index);
        check(node.put("/" + index, """
            {"mappings": {"properties": {
              "title": {"type": "text"},
              "sound_at": {"type": "keyword"},
              "audio_embedding": {"properties": {
                "embedding": {"type": "pq_vector", "model": "%1$s"},
                "segments": {"type": "nested", "properties": {
                  "start": {"type": "float"},
                  "end": {"type": "float"},
                  "embedding": {"type": "pq_vector", "model": "%1$s"}
                }}
              }}
            }}}
            """.formatted(BUNDLE)), "create index");
    }

    /**
     * Indexes {@code sources} through the pipeline in bulk requests of at most {@link #MAX_BULK_BYTES}
     * (a file larger than that goes alone), printing a line per request; files over the processor's
     * max_bytes are skipped with a message. Returns the ids indexed.
     */
    @SuppressWarnings("unchecked")
    List<String> index(List<Source> sources) {
        List<List<Source>> batches = new ArrayList<>();
        List<Source> batch = new ArrayList<>();
        long batchBytes = 0;
        for (Source source : sources) {
            if (source.size() > MAX_FILE_BYTES) {
                out.printf(Locale.ROOT, "  skipped %s: %s, more than the processor's max_bytes (%s)%n", source.id(), megabytes(source.size()),
                    megabytes(MAX_FILE_BYTES));
                continue;
            }
            if (batch.isEmpty() == false && batchBytes + source.bulkBytes() > MAX_BULK_BYTES) {
                batches.add(batch);
                batch = new ArrayList<>();
                batchBytes = 0;
            }
            batch.add(source);
            batchBytes += source.bulkBytes();
        }
        if (batch.isEmpty() == false) {
            batches.add(batch);
        }
        int toSend = batches.stream().mapToInt(List::size).sum();
        List<String> indexed = new ArrayList<>();
        int failed = 0, done = 0;
        long start = System.nanoTime();
        for (int b = 0; b < batches.size(); b++) {
            StringBuilder bulk = new StringBuilder();
            for (Source source : batches.get(b)) {
                bulk.append("{\"index\": {\"_id\": ").append(quote(source.id())).append("}}\n");
                bulk.append("{\"title\": ").append(quote(source.title()));
                if (Double.isNaN(source.soundStart()) == false) {
                    // Where the generated sound really is, to compare with where the search says it is.
                    bulk.append(String.format(Locale.ROOT, ", \"sound_at\": \"%.2f–%.2f s\"", source.soundStart(),
                        source.soundStart() + DemoClips.EVENT_SECONDS));
                }
                bulk.append(", \"audio\": \"").append(Base64.getEncoder().encodeToString(source.bytes())).append("\"}\n");
            }
            int requestBytes = bulk.length();
            RealNode.Response response = node.bulk("/" + index + "/_bulk?pipeline=" + index
                + "&filter_path=items.*._id,items.*.status,items.*.error.reason", bulk.toString());
            check(response, "bulk request " + (b + 1));
            for (Map<String, Object> item : (List<Map<String, Object>>) response.json().get("items")) {
                Map<String, Object> result = (Map<String, Object>) item.get("index");
                Map<String, Object> error = (Map<String, Object>) result.get("error");
                if (error != null) {
                    failed++;
                    out.println("  not indexed: " + result.get("_id") + ": " + error.get("reason"));
                } else {
                    indexed.add((String) result.get("_id"));
                }
            }
            done += batches.get(b).size();
            out.printf(Locale.ROOT, "  bulk %d/%d: %d files, %s request; %d of %d files done, %.1f s%n", b + 1, batches.size(),
                batches.get(b).size(), megabytes(requestBytes), done, toSend, (System.nanoTime() - start) / 1e9);
        }
        check(node.post("/" + index + "/_refresh", ""), "refresh");
        out.printf(Locale.ROOT, "Indexed %d of %d files through the '%s' pipeline in %.1f s (%d failed, %d skipped).%n", indexed.size(),
            sources.size(), index, (System.nanoTime() - start) / 1e9, failed, sources.size() - toSend);
        return indexed;
    }

    /** The clip-level embedding of {@code audio}, computed by the node exactly as the processor computes it. */
    @SuppressWarnings("unchecked")
    float[] embed(byte[] audio) {
        RealNode.Response response = node.post("/_audio_pq/models/" + BUNDLE + "/_embed",
            "{\"audio\": \"" + Base64.getEncoder().encodeToString(audio) + "\"}");
        check(response, "embedding the query clip");
        List<Number> values = (List<Number>) response.json().get("embedding");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    /**
     * Clips ranked by their clip vector's likeness to {@code vector}, with {@link #segments} as a
     * filter (every clip has segments, so it drops none and adds no score) for its inner hits.
     */
    static String soundQuery(float[] vector) {
        return """
            {"bool": {
              "must": {"pq_knn": {"field": "audio_embedding.embedding", "query_vector": %s, "k": %d, "num_candidates": %d}},
              "filter": %s}}""".formatted(Arrays.toString(vector), HITS, HITS * 10, segments(vector));
    }

    /**
     * A nested query whose inner hits are a clip's segments that score best against {@code vector}
     * (with their times), from which {@link #where} takes the time; pq_knn in scoring mode scores
     * every segment of the clips the search returns.
     */
    static String segments(float[] vector) {
        return """
            {"nested": {"path": "audio_embedding.segments",
              "query": {"pq_knn": {"field": "audio_embedding.segments.embedding", "query_vector": %s}},
              "inner_hits": {"size": 100, "_source": ["audio_embedding.segments.start", "audio_embedding.segments.end",
                "audio_embedding.segments.embedding"]}}}"""
            .formatted(Arrays.toString(vector));
    }

    /** One ranked clip: its id, title, score, where its sound is most like the query's, and where the generated sound really is. */
    record Hit(String id, String title, double score, Window where, String soundAt, List<ScoredSegment> segments) {}

    /** A time window in a clip, in seconds. */
    record Window(double start, double end) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f–%.2f s", start, end);
        }
    }

    /**
     * A segment of a ranked clip as its inner hit returned it.
     *
     * @param score    exact cosine of its embedding with the query's
     * @param adcScore the score pq_knn gave it (from its PQ code)
     */
    record ScoredSegment(double start, double end, double score, double adcScore) {
        double center() {
            return (start + end) / 2;
        }
    }

    /** Hits for {@code query}; their segments scored against {@code vector} (exact cosine of the float embeddings). */
    @SuppressWarnings("unchecked")
    List<Hit> search(String query, float[] vector) {
        RealNode.Response response = node.post("/" + index + "/_search", """
            {"size": %d, "_source": {"includes": ["title", "sound_at"], "exclude_vectors": false}, "query": %s}""".formatted(HITS, query));
        check(response, "search");
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) response.json().get("hits")).get("hits");
        List<Hit> out = new ArrayList<>();
        for (Map<String, Object> hit : hits) {
            Map<String, Object> source = (Map<String, Object>) hit.get("_source");
            List<ScoredSegment> segments = new ArrayList<>();
            Map<String, Object> innerHits = (Map<String, Object>) hit.get("inner_hits");
            if (innerHits != null) {
                Map<String, Object> nested = (Map<String, Object>) innerHits.get("audio_embedding.segments");
                for (Map<String, Object> s : (List<Map<String, Object>>) ((Map<String, Object>) nested.get("hits")).get("hits")) {
                    Map<String, Object> times = (Map<String, Object>) s.get("_source");
                    segments.add(new ScoredSegment(toDouble(times.get("start")), toDouble(times.get("end")),
                        cosine(vector, (List<Number>) times.get("embedding")), toDouble(s.get("_score"))));
                }
            }
            out.add(new Hit((String) hit.get("_id"), (String) source.get("title"), toDouble(hit.get("_score")), where(segments),
                (String) source.get("sound_at"), segments));
        }
        return out;
    }

    /**
     * Where in a clip the query sounds most alike, from its segments' exact scores: the run of
     * segments around the best one that score above half-way between the lowest and the best, and
     * within it, the times where the score curve (over segment centres) crosses that half-way mark.
     * Why centres: a segment's score grows with how much of the sound it holds, so over segment
     * starts it traces the sound convolved with the window; its half-height points, taken at the
     * segments' centres, are the sound's edges (for a sound shorter than a window, a window-long
     * span centred on it). A run reaching the clip's first or last segment extends to that edge.
     * One best segment, the job's answer before, is off by up to half a window. Each crossing is
     * widened by half the hop it was interpolated over (see below).
     */
    static Window where(List<ScoredSegment> segments) {
        if (segments.isEmpty()) {
            return null;
        }
        List<ScoredSegment> byTime = segments.stream().sorted(Comparator.comparingDouble(ScoredSegment::start)).toList();
        int peak = 0;
        double low = Double.POSITIVE_INFINITY;
        for (int i = 0; i < byTime.size(); i++) {
            peak = byTime.get(i).score() > byTime.get(peak).score() ? i : peak;
            low = Math.min(low, byTime.get(i).score());
        }
        double half = (byTime.get(peak).score() + low) / 2;
        int first = peak, last = peak;
        while (first > 0 && byTime.get(first - 1).score() >= half && adjacent(byTime.get(first - 1), byTime.get(first))) {
            first--;
        }
        while (last < byTime.size() - 1 && byTime.get(last + 1).score() >= half && adjacent(byTime.get(last), byTime.get(last + 1))) {
            last++;
        }
        // A crossing interpolated between two segment centres is known to within half their distance (the hop):
        // the window takes that margin outwards, so that it errs towards covering the sound. (Measured: without
        // it, the learned default's steeper score edges left 1.0 s windows on 1.5 s hiss, 64-67 % held.)
        double start = first == 0 ? byTime.get(0).start()
            : adjacent(byTime.get(first - 1), byTime.get(first))
                ? crossing(byTime.get(first - 1), byTime.get(first), half) - (byTime.get(first).center() - byTime.get(first - 1).center()) / 2
            : byTime.get(first).center();
        double end = last == byTime.size() - 1 ? byTime.get(last).end()
            : adjacent(byTime.get(last), byTime.get(last + 1))
                ? crossing(byTime.get(last), byTime.get(last + 1), half) + (byTime.get(last + 1).center() - byTime.get(last).center()) / 2
            : byTime.get(last).center();
        start = Math.max(byTime.get(0).start(), start);
        end = Math.min(byTime.get(byTime.size() - 1).end(), end);
        return new Window(Math.round(start * 100) / 100.0, Math.round(end * 100) / 100.0);
    }

    /** Overlapping in time: inner hits may leave out low-scoring segments in between. */
    private static boolean adjacent(ScoredSegment earlier, ScoredSegment later) {
        return later.start() < earlier.end();
    }

    /** Where the score, linear between the two segments' centres, equals {@code level}. */
    private static double crossing(ScoredSegment a, ScoredSegment b, double level) {
        double t = (level - a.score()) / (b.score() - a.score());
        return a.center() + Math.max(0, Math.min(1, t)) * (b.center() - a.center());
    }

    private void printHits(List<Hit> hits) {
        if (hits.isEmpty()) {
            out.println("  (no hits)");
            return;
        }
        boolean generated = hits.stream().anyMatch(h -> h.soundAt() != null);
        int width = Math.max(4, Math.min(60, hits.stream().mapToInt(h -> h.title().length()).max().orElse(4)));
        String format = "  %4s  %-7s  %-" + width + "s  %-15s  %s";
        out.println(String.format(Locale.ROOT, format, "rank", "score", "clip", "where", generated ? "sound really at" : "").stripTrailing());
        int rank = 1;
        for (Hit hit : hits) {
            String title = hit.title().length() > width ? hit.title().substring(0, width - 1) + "…" : hit.title();
            out.println(String.format(Locale.ROOT, format, rank++, String.format(Locale.ROOT, "%.4f", hit.score()), title,
                hit.where() == null ? "-" : hit.where().toString(), hit.soundAt() == null ? "" : hit.soundAt()).stripTrailing());
        }
    }

    /** The words of a title worth searching for: tokens with a letter and at least two characters (not "010", "1-100032-A"). */
    static String wordsOf(String title) {
        return Arrays.stream(title.split("[^\\p{L}\\p{N}]+"))
            .filter(w -> w.length() >= 2 && w.chars().anyMatch(Character::isLetter))
            .collect(Collectors.joining(" "));
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    private static double cosine(float[] a, List<Number> b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            double y = b.get(i).doubleValue();
            dot += a[i] * y;
            na += a[i] * a[i];
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }

    private static double toDouble(Object value) {
        return value instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    private static void check(RealNode.Response response, String what) {
        if (response.status() / 100 != 2) {
            throw new IllegalStateException(what + " failed with HTTP " + response.status() + ": " + response.body());
        }
    }

    /** {@code s} as a JSON string literal (quotes included). */
    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
