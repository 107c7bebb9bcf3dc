package io.audiopq.train;

import io.audiopq.audio.LabelCsv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A data set's ground truth: each clip (an audio file) with its class and fold, from a CSV with a
 * header row naming a file column, a label column and optionally a fold column. ESC-10's {@code esc10_meta.csv} reads as is (filename, esc10_class, fold). Fields may be
 * quoted ("a, b"); blank lines are skipped ({@link LabelCsv}). Class indices follow the sorted class
 * names, so they do not depend on row order. (A classifier's own class names are
 * {@link io.audiopq.audio.ClassifierLabels}.)
 */
public final class LabelledClips {

    /** One labelled item; {@code fold} is any string (a fold number, a speaker, a session), "0" when the file has no fold column. */
    public record Entry(String file, String label, String fold) {}

    static final List<String> FILE_COLUMNS = List.of("filename", "file", "path");
    static final List<String> LABEL_COLUMNS = List.of("label", "class", "esc10_class", "category");

    private LabelledClips() {}

    /**
     * @param fileColumn  column with the audio path relative to the data folder, or null to pick the first of {@link #FILE_COLUMNS}
     * @param labelColumn column with the class, or null to pick the first of {@link #LABEL_COLUMNS}
     * @param foldColumn  column with the fold (any string: fold number, speaker, session, recorder), or null for "fold" when
     *                    present; absent: every item is in fold "0"
     */
    public static List<Entry> read(Path path, String fileColumn, String labelColumn, String foldColumn) throws IOException {
        LabelCsv csv = LabelCsv.read(path);
        List<String> header = csv.header();
        if (header.isEmpty()) {
            throw csv.error("is empty: expected a header row");
        }
        int file = column(csv, fileColumn, FILE_COLUMNS);
        int label = column(csv, labelColumn, LABEL_COLUMNS);
        int fold = foldColumn != null ? column(csv, foldColumn, List.of()) : header.indexOf("fold");
        int needed = Math.max(file, Math.max(label, fold));
        List<Entry> out = new ArrayList<>();
        for (LabelCsv.Row row : csv.rows()) {
            List<String> f = row.fields();
            if (f.size() <= needed) {
                throw csv.error(row, f.size() + " fields, expected at least " + (needed + 1));
            }
            String foldValue = "0";
            if (fold >= 0) {
                foldValue = f.get(fold).trim();
                if (foldValue.isEmpty()) {
                    throw csv.error(row, "empty fold in column [" + header.get(fold) + "]");
                }
            }
            out.add(new Entry(f.get(file).trim(), f.get(label).trim(), foldValue));
        }
        return out;
    }

    /** Class index per sorted distinct label. */
    public static Map<String, Integer> classIndex(List<Entry> entries) {
        Map<String, Integer> index = new LinkedHashMap<>();
        entries.stream().map(Entry::label).distinct().sorted().forEach(l -> index.put(l, index.size()));
        return index;
    }

    private static int column(LabelCsv csv, String wanted, List<String> fallbacks) throws IOException {
        List<String> header = csv.header();
        if (wanted != null) {
            int i = header.indexOf(wanted);
            if (i < 0) {
                throw csv.error("has no column [" + wanted + "]; its columns: " + header);
            }
            return i;
        }
        for (String name : fallbacks) {
            int i = header.indexOf(name);
            if (i >= 0) {
                return i;
            }
        }
        throw csv.error("has none of the columns " + fallbacks + "; its columns: " + header);
    }
}
