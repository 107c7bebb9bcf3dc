package io.audiopq.train;

import io.audiopq.audio.CsvLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A label file: CSV with a header row naming a file column, a label column and optionally a fold
 * column. ESC-10's {@code esc10_meta.csv} reads as is (filename, esc10_class, fold). Fields may be
 * quoted ("a, b"); blank lines are skipped. Class indices follow the sorted class names, so they do
 * not depend on row order.
 */
public final class LabelFile {

    /** One labelled item; {@code fold} is any string (a fold number, a speaker, a session), "0" when the file has no fold column. */
    public record Entry(String file, String label, String fold) {}

    static final List<String> FILE_COLUMNS = List.of("filename", "file", "path");
    static final List<String> LABEL_COLUMNS = List.of("label", "class", "esc10_class", "category");

    private LabelFile() {}

    /**
     * @param fileColumn  column with the audio path relative to the data folder, or null to pick the first of {@link #FILE_COLUMNS}
     * @param labelColumn column with the class, or null to pick the first of {@link #LABEL_COLUMNS}
     * @param foldColumn  column with the fold (any string: fold number, speaker, session, recorder), or null for "fold" when
     *                    present; absent: every item is in fold "0"
     */
    public static List<Entry> read(Path csv, String fileColumn, String labelColumn, String foldColumn) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(csv + " is empty: expected a header row");
        }
        List<String> header = CsvLine.split(lines.get(0));
        int file = column(csv, header, fileColumn, FILE_COLUMNS);
        int label = column(csv, header, labelColumn, LABEL_COLUMNS);
        int fold = foldColumn != null ? column(csv, header, foldColumn, List.of()) : header.indexOf("fold");
        List<Entry> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            List<String> f = CsvLine.split(line);
            int needed = Math.max(file, Math.max(label, fold));
            if (f.size() <= needed) {
                throw new IOException(csv + " line " + (i + 1) + ": " + f.size() + " fields, expected at least " + (needed + 1));
            }
            String foldValue = "0";
            if (fold >= 0) {
                foldValue = f.get(fold).trim();
                if (foldValue.isEmpty()) {
                    throw new IOException(csv + " line " + (i + 1) + ": empty fold in column [" + header.get(fold) + "]");
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

    private static int column(Path csv, List<String> header, String wanted, List<String> fallbacks) throws IOException {
        if (wanted != null) {
            int i = header.indexOf(wanted);
            if (i < 0) {
                throw new IOException(csv + " has no column [" + wanted + "]; its columns: " + header);
            }
            return i;
        }
        for (String name : fallbacks) {
            int i = header.indexOf(name);
            if (i >= 0) {
                return i;
            }
        }
        throw new IOException(csv + " has none of the columns " + fallbacks + "; its columns: " + header);
    }
}
