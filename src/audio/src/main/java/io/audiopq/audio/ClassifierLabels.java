package io.audiopq.audio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class names of a classifier's outputs, by output index, read from an AudioSet-style CSV
 * ({@code index,mid,display_name} with a header row), and the top-scoring labels of a logits
 * vector. (A data set's ground truth, each clip with its class, is the training toolkit's
 * {@code LabelledClips}; both read through {@link LabelCsv}.) Both spellings of the list in
 * circulation are read: the official one quotes names that contain commas; another copy writes
 * spaces as underscores and leaves commas unquoted ({@code Male_speech,_man_speaking}), so the name
 * is everything after the second comma, with underscores turned back into spaces.
 */
public final class ClassifierLabels {

    /** A label with its probability (sigmoid of the logit: AudioSet models are multi-label). */
    public record Tag(int index, String label, float score) {}

    private final List<String> names;

    public ClassifierLabels(List<String> names) {
        this.names = List.copyOf(names);
    }

    /** Reads {@code index,mid,display_name} rows; the index must count up from 0. */
    public static ClassifierLabels readCsv(Path path) throws IOException {
        LabelCsv csv = LabelCsv.read(path);
        List<String> names = new ArrayList<>();
        for (LabelCsv.Row row : csv.rows()) {
            List<String> fields = row.fields();
            if (fields.size() < 3) {
                throw csv.error(row, "expected index,mid,display_name, got " + fields);
            }
            if (Integer.parseInt(fields.get(0).trim()) != names.size()) {
                throw csv.error(row, "index " + fields.get(0) + " out of order, expected " + names.size());
            }
            String name = fields.size() == 3 ? fields.get(2) : String.join(",", fields.subList(2, fields.size()));
            names.add(name.replace('_', ' ').trim());
        }
        return new ClassifierLabels(names);
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    /** The {@code k} highest-scoring labels with a probability of at least {@code minScore}, best first. */
    public List<Tag> top(float[] logits, int k, float minScore) {
        if (logits.length != names.size()) {
            throw new IllegalArgumentException("logits have " + logits.length + " classes but there are " + names.size() + " labels");
        }
        List<Tag> all = new ArrayList<>(logits.length);
        for (int i = 0; i < logits.length; i++) {
            float p = (float) (1 / (1 + Math.exp(-logits[i])));
            if (p >= minScore) {
                all.add(new Tag(i, names.get(i), p));
            }
        }
        all.sort((a, b) -> Float.compare(b.score(), a.score()));
        return all.subList(0, Math.min(k, all.size()));
    }
}
