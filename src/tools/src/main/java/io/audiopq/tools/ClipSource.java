package io.audiopq.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The clips an audio bundle's codebook is fitted on (and, when they are labelled, measured on):
 * ESC-10 from its meta file, or the user's own folder, either every audio file under it or the
 * files a label CSV names.
 *
 * @param dir     the folder the clips' paths are relative to
 * @param clips   each clip's path (relative to {@code dir}) and label ({@code null}: unlabelled)
 * @param name    what the clips are ("ESC-10", or the folder's name), for the bundle's description
 * @param details what {@link #trainingSource} says after the clip count (labels, licence)
 */
public record ClipSource(Path dir, List<Clip> clips, String name, String details) {

    /** One clip: a path relative to the source's folder, and its label or {@code null}. */
    public record Clip(String file, String label) {}

    /** File name endings read as audio when a folder is given without a label file (the decoders' formats). */
    static final Set<String> AUDIO_EXTENSIONS = Set.of("wav", "flac", "ogg", "oga", "mp3");

    public ClipSource {
        clips = List.copyOf(clips);
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("no audio clips in [" + dir + "]");
        }
    }

    /** True when every clip has a label: the written bundle can then be measured (leave-one-out mAP). */
    public boolean labelled() {
        return clips.stream().allMatch(c -> c.label() != null);
    }

    /** The first {@code max} clips ({@code max} ≤ 0 or beyond the size: all). */
    public ClipSource first(int max) {
        return max > 0 && max < clips.size() ? new ClipSource(dir, clips.subList(0, max), name, details) : this;
    }

    /** The bundle's {@code training.source}: e.g. "ESC-10 (400 clips, clip and segment embeddings; CC BY 3.0)". */
    public String trainingSource() {
        return name + " (" + clips.size() + " clips" + details + ")";
    }

    /** ESC-10 as ../shared holds it: {@code esc10_meta.csv} (columns filename, esc10_class) beside the clips. */
    public static ClipSource esc10(Path dir) throws IOException {
        List<Clip> clips = new ArrayList<>();
        for (String[] row : Esc10Evaluation.readMeta(dir.resolve("esc10_meta.csv"))) {
            clips.add(new Clip(row[0], row[1]));
        }
        return new ClipSource(dir, clips, "ESC-10", ", clip and segment embeddings; CC BY 3.0");
    }

    /**
     * The user's folder: with a label file (a header naming a {@code filename} or {@code file}
     * column and a {@code label} or {@code class} column; paths relative to {@code dir}), the clips
     * it lists, labelled; without one, every audio file under {@code dir} (by extension, in path
     * order), unlabelled.
     */
    public static ClipSource folder(Path dir, Path labels) throws IOException {
        if (Files.isDirectory(dir) == false) {
            throw new IllegalArgumentException("--data [" + dir + "] is not a folder");
        }
        List<Clip> clips = new ArrayList<>();
        if (labels == null) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.filter(Files::isRegularFile).filter(ClipSource::isAudio).sorted().toList()) {
                    clips.add(new Clip(dir.relativize(p).toString(), null));
                }
            }
            if (clips.isEmpty()) {
                throw new IllegalArgumentException("--data [" + dir + "]: no audio file (" + String.join(", ", AUDIO_EXTENSIONS.stream().sorted().toList())
                    + ") under it");
            }
            return new ClipSource(dir, clips, dir.getFileName().toString(), ", unlabelled, clip and segment embeddings");
        }
        List<String> lines = Files.readAllLines(labels, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("--labels [" + labels + "] is empty");
        }
        List<String> header = List.of(lines.get(0).strip().toLowerCase(Locale.ROOT).split(",", -1));
        int file = column(header, labels, "filename", "file"), label = column(header, labels, "label", "class");
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != header.size()) {
                throw new IllegalArgumentException("--labels [" + labels + "] line " + (i + 1) + ": " + f.length + " fields, the header has " + header.size()
                    + " (quoted commas are not supported)");
            }
            String name = f[file].strip(), value = f[label].strip();
            if (name.isEmpty() || value.isEmpty()) {
                throw new IllegalArgumentException("--labels [" + labels + "] line " + (i + 1) + ": empty " + (name.isEmpty() ? "file name" : "label"));
            }
            if (Files.isRegularFile(dir.resolve(name)) == false) {
                throw new IllegalArgumentException("--labels [" + labels + "] line " + (i + 1) + ": [" + name + "] is not a file under [" + dir + "]");
            }
            clips.add(new Clip(name, value));
        }
        long classes = clips.stream().map(Clip::label).distinct().count();
        return new ClipSource(dir, clips, dir.getFileName().toString(), ", " + classes + " labels from " + labels.getFileName() + ", clip and segment embeddings");
    }

    private static boolean isAudio(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && AUDIO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static int column(List<String> header, Path csv, String... names) {
        for (String n : names) {
            int i = header.indexOf(n);
            if (i >= 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("--labels [" + csv + "]: no column " + String.join(" or ", names) + " in the header " + header);
    }
}
