package io.audiopq.audio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A label CSV as both label readers take it ({@link ClassifierLabels}, a classifier's class names,
 * and the training toolkit's {@code LabelledClips}, a data set's clips with their classes): a
 * header row, then one row per line, blank lines skipped. Commas separate fields, double quotes
 * quote them ({@code ""} escapes a quote).
 */
public final class LabelCsv {

    /** One data row and its 1-based line number in the file, for messages. */
    public record Row(int line, List<String> fields) {}

    private final Path path;
    private final List<String> header;
    private final List<Row> rows;

    private LabelCsv(Path path, List<String> header, List<Row> rows) {
        this.path = path;
        this.header = header;
        this.rows = rows;
    }

    public static LabelCsv read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> header = lines.isEmpty() ? List.of() : split(lines.get(0));
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank() == false) {
                rows.add(new Row(i + 1, split(lines.get(i))));
            }
        }
        return new LabelCsv(csv, header, List.copyOf(rows));
    }

    /** The header's fields; empty only when the file has no line at all. */
    public List<String> header() {
        return header;
    }

    public List<Row> rows() {
        return rows;
    }

    /** An error about {@code row}, naming the file and the line. */
    public IOException error(Row row, String message) {
        return new IOException(path + " line " + row.line() + ": " + message);
    }

    /** An error about the whole file, naming it. */
    public IOException error(String message) {
        return new IOException(path + " " + message);
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        out.add(field.toString());
        return out;
    }
}
