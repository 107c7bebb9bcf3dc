package io.audiopq.tools.corpus;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The training corpus's manifest: one tab-separated row per audio file found in a Debian package
 * (kept or not), with its provenance, licence, checksum and the clips cut from it. Clip ids say
 * where in the source they come from ({@link ClipId}), so the clips need no table of their own;
 * each clip is {@code clips/<id>.wav} beside the manifest.
 */
public final class CorpusManifest {

    /** The header, which is also the column order. */
    static final List<String> COLUMNS = List.of("package", "version", "path", "licence", "package_licences", "sha256", "seconds", "sample_rate",
        "channels", "clips", "note");

    /**
     * One source file.
     *
     * @param pkg             the Debian package
     * @param version         its version
     * @param path            the file's path inside the package ({@code usr/share/...})
     * @param licence         the licence of the copyright stanza covering the file ({@link DebianCopyright#licenceFor})
     * @param packageLicences every licence the package's copyright file names, joined by {@code " | "}
     * @param sha256          SHA-256 of the file's bytes
     * @param seconds         its duration (0 when it could not be decoded)
     * @param sampleRate      its sample rate (0 when it could not be decoded)
     * @param channels        its channel count (0 when it could not be decoded)
     * @param clips           the ids of the clips cut from it (empty: none kept, {@code note} says why)
     * @param note            why it was dropped or how it was shortened; empty when all of it was kept
     */
    public record Entry(String pkg, String version, String path, String licence, String packageLicences, String sha256, double seconds,
        int sampleRate, int channels, List<ClipId> clips, String note) {

        public Entry {
            clips = List.copyOf(clips);
            for (String field : new String[] { pkg, version, path, licence, packageLicences, sha256, note }) {
                if (field == null || field.indexOf('\t') >= 0 || field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
                    throw new IllegalArgumentException("manifest fields must be set and hold no tab or line break: [" + field + "] in " + path);
                }
            }
        }
    }

    /**
     * A clip: {@code <first 16 hex digits of the source's SHA-256>-<start ms>-<end ms>}.
     *
     * @param source  the source's SHA-256 prefix
     * @param startMs start in the source, milliseconds
     * @param endMs   end in the source, milliseconds
     */
    public record ClipId(String source, long startMs, long endMs) {

        static final int PREFIX = 16;

        public ClipId {
            if (source.length() != PREFIX || source.chars().anyMatch(c -> Character.digit(c, 16) < 0)) {
                throw new IllegalArgumentException("clip id source must be " + PREFIX + " hex digits, got [" + source + "]");
            }
            if (startMs < 0 || endMs <= startMs) {
                throw new IllegalArgumentException("clip id needs 0 <= start < end, got " + startMs + "-" + endMs);
            }
        }

        static ClipId of(String sha256, long startMs, long endMs) {
            return new ClipId(sha256.substring(0, PREFIX), startMs, endMs);
        }

        public static ClipId parse(String id) {
            String[] f = id.split("-");
            if (f.length != 3) {
                throw new IllegalArgumentException("clip id [" + id + "] is not <sha>-<start ms>-<end ms>");
            }
            try {
                return new ClipId(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("clip id [" + id + "] is not <sha>-<start ms>-<end ms>", e);
            }
        }

        public double seconds() {
            return (endMs - startMs) / 1000.0;
        }

        /** The clip's file name under {@code clips/}. */
        public String fileName() {
            return this + ".wav";
        }

        @Override
        public String toString() {
            return source + "-" + startMs + "-" + endMs;
        }
    }

    private CorpusManifest() {}

    /** Writes the manifest (atomically: a partial file never replaces a complete one). */
    public static void write(Path file, List<Entry> entries) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (Writer w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            w.write(String.join("\t", COLUMNS));
            w.write('\n');
            for (Entry e : entries) {
                w.write(String.join("\t", e.pkg(), e.version(), e.path(), e.licence(), e.packageLicences(), e.sha256(),
                    String.format(Locale.ROOT, "%.3f", e.seconds()), Integer.toString(e.sampleRate()), Integer.toString(e.channels()),
                    String.join(",", e.clips().stream().map(ClipId::toString).toList()), e.note()));
                w.write('\n');
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a manifest written by {@link #write}; a malformed row fails with its line number. */
    public static List<Entry> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.get(0).equals(String.join("\t", COLUMNS)) == false) {
            throw new IOException(file + ": not a corpus manifest (expected the header " + String.join(",", COLUMNS) + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (f.length != COLUMNS.size()) {
                throw new IOException(file + " line " + (i + 1) + ": " + f.length + " fields, expected " + COLUMNS.size());
            }
            try {
                List<ClipId> clips = f[9].isEmpty() ? List.of() : Arrays.stream(f[9].split(",")).map(ClipId::parse).toList();
                entries.add(new Entry(f[0], f[1], f[2], f[3], f[4], f[5], Double.parseDouble(f[6]), Integer.parseInt(f[7]), Integer.parseInt(f[8]), clips,
                    f[10]));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return entries;
    }
}
