package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.BundleChecksums;
import io.audiopq.tools.AudioBundleTool;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The teacher's targets for distillation: EfficientAT mn04 (read in place from {@code ../shared},
 * never copied) run over every corpus clip through the project's own pipeline ({@link AudioEmbedder}
 * with {@link AudioBundleTool#mn04Spec()}'s front end and backbone spec, as the plugin embeds a
 * document), keeping the 384-d embedding and the 527 AudioSet logits of the whole clip and of each
 * 1 s segment (hop 0.5 s, the bundles' segmenting). Raw outputs, not normalised.
 *
 * <p>File layout (big-endian, {@link DataOutputStream}): header = int magic {@code APTT}, int
 * version, UTF model key (SHA-256 over the model file, its external data, the front end, the
 * backbone spec and the segmenting), int D (384), int L (527), double window, double hop; then one
 * record per clip = UTF clip id, int S (segments), float[D] clip embedding, float[L] clip logits,
 * S × (float start, float end, float[D], float[L]). Records are appended as clips are done, so a
 * run that stops midway resumes: complete records are kept, a torn last one is cut off, and only
 * missing clips are computed. A file made with another model key is refused.
 */
public final class TeacherTargets {

    static final int MAGIC = 0x41505454; // "APTT"
    static final int VERSION = 1;
    public static final SegmentSpec SEGMENTS = new SegmentSpec(1.0, 0.5);
    /** The targets file's name in a corpus folder. */
    public static final String FILE_NAME = "teacher-mn04.bin";

    /** One segment's targets. */
    public record Segment(float start, float end, float[] embedding, float[] logits) {}

    /** One clip's targets. */
    public record Record(String clipId, float[] embedding, float[] logits, List<Segment> segments) {}

    /** What a file's header says. */
    public record Header(String modelKey, int dimension, int logits, double window, double hop) {}

    private TeacherTargets() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (options.containsKey("corpus") == false || options.containsKey("mn04") == false) {
            throw new IllegalArgumentException("usage: TeacherTargets --corpus DIR --mn04 DIR [--out FILE]");
        }
        Path corpus = Path.of(options.get("corpus"));
        Path out = Path.of(options.getOrDefault("out", corpus.resolve(FILE_NAME).toString()));
        long start = System.nanoTime();
        int[] counts = compute(corpus, Path.of(options.get("mn04")), out, System.err);
        System.err.printf(Locale.ROOT, "make-corpus: teacher targets of %d clips in %s (%d computed now) in %.1f s%n", counts[0], out, counts[1],
            (System.nanoTime() - start) / 1e9);
    }

    /** SHA-256 over what decides the targets: the model and its external data, front end, backbone spec and segmenting. */
    static String modelKey(Path mn04Dir, AudioSpec spec) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String file : List.of(spec.backbone().model(), spec.backbone().externalData().get(0))) {
            s.append(file).append(' ').append(BundleChecksums.sha256(Files.readAllBytes(mn04Dir.resolve(file)))).append('\n');
        }
        s.append(spec.frontEnd()).append('\n').append(spec.backbone().call()).append('\n').append(SEGMENTS).append('\n');
        return BundleChecksums.sha256(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Computes the targets of every clip the corpus manifest lists that {@code out} does not hold yet.
     *
     * @return {clips in the file, clips computed in this call}
     */
    public static int[] compute(Path corpus, Path mn04Dir, Path out, PrintStream log) throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        for (CorpusManifest.Entry e : CorpusManifest.read(corpus.resolve("manifest.tsv"))) {
            e.clips().forEach(c -> ids.add(c.toString()));
        }
        AudioSpec spec = AudioBundleTool.mn04Spec();
        String key = modelKey(mn04Dir, spec);
        Set<String> done = resume(out, key);
        List<String> missing = ids.stream().filter(id -> done.contains(id) == false).toList();
        log.printf(Locale.ROOT, "make-corpus: teacher targets: %d of %d clips already in %s%n", ids.size() - missing.size(), ids.size(), out);
        if (missing.isEmpty()) {
            return new int[] { done.size(), 0 };
        }
        AudioDecoder decoder = new AudioDecoder();
        long start = System.nanoTime();
        try (OnnxModel model = OnnxModel.load(mn04Dir.resolve(spec.backbone().model()), 1);
             DataOutputStream data = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE,
                 StandardOpenOption.APPEND), 1 << 16))) {
            if (done.isEmpty() && Files.size(out) == 0) {
                writeHeader(data, new Header(key, 384, 527, SEGMENTS.windowSeconds(), SEGMENTS.hopSeconds()));
            }
            AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), SEGMENTS, model, spec.backbone().call(), null, null);
            for (int i = 0; i < missing.size(); i++) {
                String id = missing.get(i);
                byte[] wav = Files.readAllBytes(corpus.resolve("clips").resolve(id + ".wav"));
                AudioEmbeddings e = embedder.embed(decoder.decode(wav, DecodeLimits.DEFAULTS));
                List<Segment> segments = new ArrayList<>();
                for (SegmentEmbedding s : e.segments()) {
                    segments.add(new Segment((float) s.start(), (float) s.end(), s.embedding(), s.logits()));
                }
                writeRecord(data, new Record(id, e.embedding(), e.logits(), segments));
                if ((i + 1) % 500 == 0 || i + 1 == missing.size()) {
                    data.flush();
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    log.printf(Locale.ROOT, "make-corpus: teacher targets %d/%d (%.1f clips/s, about %.0f s left)%n", i + 1, missing.size(),
                        (i + 1) / elapsed, (missing.size() - i - 1) / ((i + 1) / elapsed));
                }
            }
        }
        return new int[] { done.size() + missing.size(), missing.size() };
    }

    /**
     * The clip ids {@code out} already holds (empty when it does not exist, and then it is created
     * empty); a torn last record is cut off.
     */
    static Set<String> resume(Path out, String key) throws IOException {
        Set<String> done = new LinkedHashSet<>();
        if (Files.exists(out) == false || Files.size(out) == 0) {
            Files.write(out, new byte[0]);
            return done;
        }
        long complete;
        try (CountingInput in = new CountingInput(out)) {
            Header h;
            try {
                h = readHeader(in.data, out);
            } catch (EOFException torn) {
                h = null; // a header cut short: start over
            }
            if (h == null) {
                complete = 0;
            } else if (h.modelKey().equals(key) == false) {
                throw new IOException(out + " holds targets of another model or front end (key " + h.modelKey() + ", expected " + key
                    + "); delete it or choose another --out");
            } else {
                complete = in.position();
                while (true) {
                    try {
                        Record r = readRecord(in.data, h);
                        done.add(r.clipId());
                        complete = in.position();
                    } catch (EOFException torn) {
                        break;
                    }
                }
            }
        }
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            ch.truncate(complete);
        }
        return done;
    }

    /** Every record of a targets file, in file order. */
    public static List<Record> read(Path file) throws IOException {
        List<Record> records = new ArrayList<>();
        try (CountingInput in = new CountingInput(file)) {
            Header h = readHeader(in.data, file);
            while (in.position() < Files.size(file)) {
                records.add(readRecord(in.data, h));
            }
        }
        return records;
    }

    /** The header of a targets file (its model key says which teacher and pipeline made it). */
    public static Header header(Path file) throws IOException {
        try (CountingInput in = new CountingInput(file)) {
            return readHeader(in.data, file);
        }
    }

    static void writeHeader(DataOutputStream out, Header h) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(h.modelKey());
        out.writeInt(h.dimension());
        out.writeInt(h.logits());
        out.writeDouble(h.window());
        out.writeDouble(h.hop());
    }

    static Header readHeader(DataInputStream in, Path file) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException(file + " is not a teacher-targets file (bad magic)");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException(file + ": teacher-targets version " + version + ", this code reads " + VERSION);
        }
        return new Header(in.readUTF(), in.readInt(), in.readInt(), in.readDouble(), in.readDouble());
    }

    static void writeRecord(DataOutputStream out, Record r) throws IOException {
        out.writeUTF(r.clipId());
        out.writeInt(r.segments().size());
        writeFloats(out, r.embedding());
        writeFloats(out, r.logits());
        for (Segment s : r.segments()) {
            out.writeFloat(s.start());
            out.writeFloat(s.end());
            writeFloats(out, s.embedding());
            writeFloats(out, s.logits());
        }
    }

    static Record readRecord(DataInputStream in, Header h) throws IOException {
        String id = in.readUTF();
        int n = in.readInt();
        float[] embedding = readFloats(in, h.dimension()), logits = readFloats(in, h.logits());
        List<Segment> segments = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            segments.add(new Segment(in.readFloat(), in.readFloat(), readFloats(in, h.dimension()), readFloats(in, h.logits())));
        }
        return new Record(id, embedding, logits, segments);
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    private static float[] readFloats(DataInputStream in, int n) throws IOException {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    /** A data stream over a file that knows how many bytes it has handed out. */
    private static final class CountingInput implements AutoCloseable {
        private final java.io.InputStream raw;
        private long count;
        final DataInputStream data;

        CountingInput(Path file) throws IOException {
            raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            data = new DataInputStream(new java.io.FilterInputStream(raw) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        count++;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        count += n;
                    }
                    return n;
                }
            });
        }

        long position() {
            return count;
        }

        @Override
        public void close() throws IOException {
            data.close();
        }
    }
}
