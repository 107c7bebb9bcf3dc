package io.audiopq.train;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.model.BundleChecksums;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Embeds audio files with a backbone through the project's own audio pipeline ({@link AudioDecoder},
 * {@link AudioEmbedder}: decode, resample, log-mel, ONNX backbone; the whole clip, as the plugin
 * embeds a document) and caches the clip embeddings on disk.
 *
 * <p>The cache is one file per backbone under {@code cacheDir}, named by the <em>model key</em>: the
 * SHA-256 of the ONNX file, of its external-data files ({@code <model>.onnx.data}), of the front-end
 * configuration and of the backbone spec. Inside, entries are keyed by the SHA-256 of each audio
 * file's bytes, so renamed files hit the cache and edited ones are embedded again. Embeddings are
 * stored raw (not normalised), exactly as the backbone returned them.
 */
public final class EmbeddingCache {

    private static final int MAGIC = 0x41504543; // "APEC"
    private static final int VERSION = 1;

    private final Path modelFile;
    private final LogMelConfig frontEnd;
    private final BackboneSpec backboneSpec;
    private final Path cacheFile;
    private final String modelKey;

    public EmbeddingCache(Path modelFile, LogMelConfig frontEnd, BackboneSpec backboneSpec, Path cacheDir) throws IOException {
        this.modelFile = modelFile;
        this.frontEnd = frontEnd;
        this.backboneSpec = backboneSpec;
        this.modelKey = modelKey(modelFile, frontEnd, backboneSpec);
        this.cacheFile = cacheDir.resolve("embeddings-" + modelKey.substring(0, 16) + ".bin");
    }

    public String modelKey() {
        return modelKey;
    }

    public Path cacheFile() {
        return cacheFile;
    }

    /** SHA-256 over the model file, its external data, the front end and the backbone spec. */
    static String modelKey(Path modelFile, LogMelConfig frontEnd, BackboneSpec spec) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("model ").append(BundleChecksums.sha256(Files.readAllBytes(modelFile))).append('\n');
        String base = modelFile.getFileName().toString();
        List<Path> siblings;
        try (Stream<Path> files = Files.list(modelFile.toAbsolutePath().getParent())) {
            siblings = files.filter(p -> p.getFileName().toString().startsWith(base + ".")).sorted().toList();
        }
        for (Path p : siblings) {
            s.append("data ").append(p.getFileName()).append(' ').append(BundleChecksums.sha256(Files.readAllBytes(p))).append('\n');
        }
        s.append(frontEnd).append('\n').append(spec).append('\n');
        return BundleChecksums.sha256(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The embedding of every file, embedding (and caching) only the ones not cached yet.
     *
     * @param files   audio files
     * @param threads inference threads (files are embedded in parallel, one intra-op thread each)
     */
    public float[][] embed(List<Path> files, int threads, Progress progress) throws IOException {
        Map<String, float[]> cache = load();
        String[] keys = new String[files.size()];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            keys[i] = BundleChecksums.sha256(Files.readAllBytes(files.get(i)));
            if (cache.containsKey(keys[i]) == false) {
                missing.add(i);
            }
        }
        progress.message(String.format(java.util.Locale.ROOT, "embeddings: %d of %d files cached in %s", files.size() - missing.size(),
            files.size(), cacheFile));
        if (missing.isEmpty() == false) {
            embedMissing(files, keys, missing, threads, cache, progress);
            save(cache);
        }
        float[][] out = new float[files.size()][];
        for (int i = 0; i < files.size(); i++) {
            out[i] = cache.get(keys[i]).clone();
        }
        return out;
    }

    private void embedMissing(List<Path> files, String[] keys, List<Integer> missing, int threads, Map<String, float[]> cache, Progress progress)
        throws IOException {
        AudioDecoder decoder = new AudioDecoder();
        DecodeLimits limits = new DecodeLimits(200_000_000, 600);
        Progress.Bar bar = progress.bar("embedding " + missing.size() + " files with " + modelFile.getFileName(), missing.size());
        try (OnnxModel backbone = OnnxModel.load(modelFile, 1)) {
            AudioEmbedder embedder = new AudioEmbedder(frontEnd, new SegmentSpec(1, 0.5), backbone, backboneSpec, null, null);
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(Math.max(1, threads));
            try {
                Map<String, float[]> fresh = pool.submit(() -> missing.parallelStream().collect(java.util.stream.Collectors.toConcurrentMap(i -> keys[i], i -> {
                    try {
                        float[] e = embedder.embedClip(decoder.decode(Files.readAllBytes(files.get(i)), limits)).embedding();
                        bar.step();
                        return e;
                    } catch (IOException | RuntimeException e) {
                        throw new IllegalStateException("cannot embed [" + files.get(i) + "]: " + e.getMessage(), e);
                    }
                }, (a, b) -> a))).get();
                cache.putAll(fresh);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause().getMessage(), e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        bar.done();
    }

    private Map<String, float[]> load() throws IOException {
        Map<String, float[]> map = new HashMap<>();
        if (Files.isRegularFile(cacheFile) == false) {
            return map;
        }
        try (InputStream raw = Files.newInputStream(cacheFile); DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                return map; // not ours or an older layout: embed again
            }
            int count = in.readInt(), dim = in.readInt();
            byte[] key = new byte[32];
            for (int i = 0; i < count; i++) {
                in.readFully(key);
                float[] v = new float[dim];
                for (int j = 0; j < dim; j++) {
                    v[j] = in.readFloat();
                }
                map.put(HexFormat.of().formatHex(key), v);
            }
        } catch (java.io.EOFException e) {
            map.clear(); // truncated (a run was killed while writing): embed again
        }
        return map;
    }

    private void save(Map<String, float[]> map) throws IOException {
        Files.createDirectories(cacheFile.getParent());
        Path tmp = cacheFile.resolveSibling(cacheFile.getFileName() + ".tmp");
        int dim = map.values().iterator().next().length;
        try (OutputStream raw = Files.newOutputStream(tmp); DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(map.size());
            out.writeInt(dim);
            for (Map.Entry<String, float[]> e : new java.util.TreeMap<>(map).entrySet()) {
                out.write(HexFormat.of().parseHex(e.getKey()));
                for (float f : e.getValue()) {
                    out.writeFloat(f);
                }
            }
        }
        Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a folder of audio and its label file and embeds every listed file (cached). Items are
     * ordered by their file name, not by the label file's row order, so that shuffling or sorting
     * the rows changes nothing downstream (label choice, batches, tie-breaking).
     *
     * @param dataDir folder the label file's paths are relative to
     */
    public Dataset dataset(Path dataDir, Path labels, String fileColumn, String labelColumn, String foldColumn, int threads, Progress progress)
        throws IOException {
        List<LabelledClips.Entry> entries = new ArrayList<>(LabelledClips.read(labels, fileColumn, labelColumn, foldColumn));
        entries.sort(java.util.Comparator.comparing(LabelledClips.Entry::file)); // stable: repeated names keep their row order
        Map<String, Integer> classes = LabelledClips.classIndex(entries);
        List<Path> files = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int[] y = new int[entries.size()];
        String[] folds = new String[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            LabelledClips.Entry e = entries.get(i);
            Path f = dataDir.resolve(e.file());
            if (Files.isRegularFile(f) == false) {
                throw new IOException(labels + " names [" + e.file() + "], but " + f + " is not a file");
            }
            files.add(f);
            ids.add(e.file());
            y[i] = classes.get(e.label());
            folds[i] = e.fold();
        }
        return new Dataset(ids, embed(files, threads, progress), y, folds, List.copyOf(classes.keySet()));
    }
}
