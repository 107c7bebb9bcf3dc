package io.audiopq.model;

import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.HeadSpec;
import io.audiopq.audio.InputLayout;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.SegmentSpec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The {@code audio} object of a kind {@code audio} bundle's model.json: how audio becomes the
 * bundle's vectors (front end, ONNX backbone, optional head, optional classifier with labels,
 * default segmenting). The keys are documented in README.md ("Audio bundles").
 *
 * @param frontEnd   the log-mel front end
 * @param backbone   the backbone model and how to call it
 * @param head       a model applied to the backbone's embedding, or null
 * @param classifier the backbone's classifier output and its label file, or null
 * @param segments   default segment window and hop (a processor may override them)
 */
public record AudioSpec(LogMelConfig frontEnd, Backbone backbone, Head head, Classifier classifier, SegmentSpec segments) {

    /** Front-end presets a model.json may start from ({@code audio.front_end.preset}). */
    public static final List<String> PRESETS = List.of("efficientat", "yamnet");

    /**
     * Checks that a classifier comes with the backbone output it reads and the reverse.
     */
    public AudioSpec {
        if ((classifier == null) != (backbone.call().logitsOutput() == null)) {
            throw new IllegalArgumentException(classifier == null
                ? "backbone logits output [" + backbone.call().logitsOutput() + "] needs a classifier (its labels)"
                : "a classifier needs the backbone's logits output");
        }
    }

    /**
     * The backbone: its files, and how to call it ({@code audio.backbone} of model.json, and
     * {@code audio.classifier.output} as {@link BackboneSpec#logitsOutput()}).
     *
     * @param model        ONNX file, relative to the bundle folder
     * @param externalData further files the ONNX file loads (external weights, {@code *.onnx.data}),
     *                     relative paths; they must sit where the ONNX file expects them, and are checksummed
     * @param call         input, layout, outputs, frame minimum and batch size
     */
    public record Backbone(String model, List<String> externalData, BackboneSpec call) {
        public Backbone {
            externalData = List.copyOf(externalData);
        }
    }

    /**
     * A head model ([batch, D_backbone] in, [batch, dimensions] out): its files, and how to call it.
     *
     * @param model        ONNX file, relative to the bundle folder
     * @param externalData further files the ONNX file loads
     * @param call         input and output names
     */
    public record Head(String model, List<String> externalData, HeadSpec call) {
        public Head {
            externalData = List.copyOf(externalData);
        }
    }

    /**
     * The names of the classes the backbone's logits output scores (that output is
     * {@link BackboneSpec#logitsOutput()}), and the default tagging.
     *
     * @param labels   label CSV ({@code index,mid,display_name} with a header row), relative to the bundle folder
     * @param topK     labels reported per clip by default
     * @param minScore lowest probability (sigmoid of the logit) reported by default
     */
    public record Classifier(String labels, int topK, double minScore) {}

    /** The head call as the audio layer takes it, or null without a head. */
    public HeadSpec headSpec() {
        return head == null ? null : head.call();
    }

    /** Every file this section names, with the model.json key that names it: {key, path}. */
    List<String[]> files() {
        List<String[]> files = new ArrayList<>();
        files.add(new String[] { "audio.backbone.model", backbone.model() });
        for (String data : backbone.externalData()) {
            files.add(new String[] { "audio.backbone.external_data", data });
        }
        if (head != null) {
            files.add(new String[] { "audio.head.model", head.model() });
            for (String data : head.externalData()) {
                files.add(new String[] { "audio.head.external_data", data });
            }
        }
        if (classifier != null) {
            files.add(new String[] { "audio.classifier.labels", classifier.labels() });
        }
        return files;
    }

    static AudioSpec parse(String bundle, StrictJsonObject audio) throws InvalidBundleException {
        LogMelConfig frontEnd = parseFrontEnd(bundle, audio.requiredObject("front_end"));

        StrictJsonObject b = audio.requiredObject("backbone");
        String backboneModel = ModelDescriptor.checkFilePath(bundle, b.key("model"), b.requiredString("model"));
        List<String> backboneData = filePaths(bundle, b, "external_data");
        String input = b.requiredString("input");
        InputLayout layout = enumValue(b, "layout", InputLayout.class, null);
        String embeddingOutput = b.requiredString("embedding_output");
        int minFrames = b.optionalInt("min_frames", 1, 100_000, 1);
        int maxBatch = b.optionalInt("max_batch", 1, 4096, 64);
        b.finish();

        Head head = null;
        StrictJsonObject h = audio.optionalObject("head");
        if (h != null) {
            head = new Head(
                ModelDescriptor.checkFilePath(bundle, h.key("model"), h.requiredString("model")),
                filePaths(bundle, h, "external_data"),
                new HeadSpec(h.requiredString("input"), h.requiredString("output"))
            );
            h.finish();
        }

        Classifier classifier = null;
        String logitsOutput = null;
        StrictJsonObject c = audio.optionalObject("classifier");
        if (c != null) {
            logitsOutput = c.requiredString("output");
            if (logitsOutput.equals(embeddingOutput)) {
                throw new InvalidBundleException(bundle, c.key("output"), "must differ from audio.backbone.embedding_output [" + logitsOutput + "]");
            }
            classifier = new Classifier(
                ModelDescriptor.checkFilePath(bundle, c.key("labels"), c.requiredString("labels")),
                c.optionalInt("top_k", 1, 1000, 5),
                probability(bundle, c, "min_score", 0.1)
            );
            c.finish();
        }

        SegmentSpec segments = new SegmentSpec(1.0, 0.5);
        StrictJsonObject s = audio.optionalObject("segments");
        if (s != null) {
            double window = positiveSeconds(bundle, s, "window", 1.0);
            double hop = positiveSeconds(bundle, s, "hop", window / 2);
            segments = new SegmentSpec(window, hop);
            s.finish();
        }
        audio.finish();
        Backbone backbone = new Backbone(backboneModel, backboneData,
            new BackboneSpec(input, layout, embeddingOutput, logitsOutput, minFrames, maxBatch));
        return new AudioSpec(frontEnd, backbone, head, classifier, segments);
    }

    private static LogMelConfig parseFrontEnd(String bundle, StrictJsonObject f) throws InvalidBundleException {
        LogMelConfig base = null;
        if (f.present("preset")) {
            String preset = f.requiredString("preset");
            base = switch (preset) {
                case "efficientat" -> LogMelConfig.efficientAt();
                case "yamnet" -> LogMelConfig.yamnet();
                default -> throw new InvalidBundleException(bundle, f.key("preset"), "unknown preset [" + preset + "], expected one of " + PRESETS);
            };
        } else {
            f.has("preset"); // known key, absent
        }
        LogMelConfig p = base;
        LogMelConfig config;
        try {
            config = new LogMelConfig(
                intKey(f, "sample_rate", p == null ? null : p.sampleRate()),
                intKey(f, "n_fft", p == null ? null : p.nFft()),
                intKey(f, "win_length", p == null ? null : p.winLength()),
                intKey(f, "hop_length", p == null ? null : p.hopLength()),
                enumValue(f, "window", LogMelConfig.WindowType.class, p == null ? null : p.window()),
                boolKey(f, "periodic_window", p == null ? null : p.periodicWindow()),
                enumValue(f, "window_align", LogMelConfig.WindowAlign.class, p == null ? null : p.windowAlign()),
                boolKey(f, "center", p == null ? null : p.center()),
                enumValue(f, "pad_mode", LogMelConfig.PadMode.class, p == null ? null : p.padMode()),
                doubleKey(f, "preemphasis", p == null ? null : p.preemphasis()),
                enumValue(f, "spectrum", LogMelConfig.Spectrum.class, p == null ? null : p.spectrum()),
                enumValue(f, "mel_scale", LogMelConfig.MelScale.class, p == null ? null : p.melScale()),
                enumValue(f, "filter_style", LogMelConfig.FilterStyle.class, p == null ? null : p.filterStyle()),
                enumValue(f, "mel_norm", LogMelConfig.MelNorm.class, p == null ? null : p.melNorm()),
                intKey(f, "n_mels", p == null ? null : p.nMels()),
                doubleKey(f, "fmin", p == null ? null : p.fmin()),
                doubleKey(f, "fmax", p == null ? null : p.fmax()),
                enumValue(f, "log", LogMelConfig.LogType.class, p == null ? null : p.log()),
                doubleKey(f, "log_offset", p == null ? null : p.logOffset()),
                doubleKey(f, "log_floor", p == null ? null : p.logFloor()),
                doubleKey(f, "norm_add", p == null ? null : p.normAdd()),
                doubleKey(f, "norm_div", p == null ? null : p.normDiv())
            );
        } catch (IllegalArgumentException e) {
            // LogMelConfig names the setting: "front end setting [fmax] must be ..., got [...]".
            throw new InvalidBundleException(bundle, f.path(), e.getMessage().replace("front end setting [", "setting [audio.front_end."), e);
        }
        f.finish();
        return config;
    }

    private static int intKey(StrictJsonObject f, String name, Integer preset) throws InvalidBundleException {
        return preset == null ? f.requiredInt(name, Integer.MIN_VALUE, Integer.MAX_VALUE) : f.optionalInt(name, Integer.MIN_VALUE, Integer.MAX_VALUE, preset);
    }

    private static double doubleKey(StrictJsonObject f, String name, Double preset) throws InvalidBundleException {
        return preset == null ? f.requiredDouble(name) : f.optionalDouble(name, preset);
    }

    private static boolean boolKey(StrictJsonObject f, String name, Boolean preset) throws InvalidBundleException {
        if (preset != null && f.present(name) == false) {
            f.has(name);
            return preset;
        }
        return f.requiredBoolean(name);
    }

    /** An enum value spelled in lower case; required when {@code preset} is null. */
    private static <E extends Enum<E>> E enumValue(StrictJsonObject o, String name, Class<E> type, E preset) throws InvalidBundleException {
        if (preset != null && o.present(name) == false) {
            o.has(name);
            return preset;
        }
        String value = o.requiredString(name);
        for (E e : type.getEnumConstants()) {
            if (jsonName(e).equals(value)) {
                return e;
            }
        }
        throw new InvalidBundleException(o.bundle(), o.key(name), "unknown value [" + value + "], expected one of "
            + Arrays.stream(type.getEnumConstants()).map(AudioSpec::jsonName).toList());
    }

    static String jsonName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static List<String> filePaths(String bundle, StrictJsonObject o, String name) throws InvalidBundleException {
        List<String> out = new ArrayList<>();
        for (String path : o.optionalStringList(name)) {
            out.add(ModelDescriptor.checkFilePath(bundle, o.key(name), path));
        }
        return out;
    }

    private static double positiveSeconds(String bundle, StrictJsonObject o, String name, double defaultValue) throws InvalidBundleException {
        double v = o.optionalDouble(name, defaultValue);
        if (v <= 0 || v > 3600) {
            throw new InvalidBundleException(bundle, o.key(name), "must be a number of seconds in (0, 3600], got " + v);
        }
        return v;
    }

    private static double probability(String bundle, StrictJsonObject o, String name, double defaultValue) throws InvalidBundleException {
        double v = o.optionalDouble(name, defaultValue);
        if (v < 0 || v > 1) {
            throw new InvalidBundleException(bundle, o.key(name), "must be in [0, 1], got " + v);
        }
        return v;
    }

    /**
     * The {@code audio} object as model.json holds it, every front-end key written out (no preset):
     * the one rendering of an audio spec, for model.json and for {@code GET _audio_pq/models}.
     */
    public String toJson() {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = new JsonFactory().createGenerator(text)) {
            writeJson(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    /** Writes the {@code audio} object's value (every front-end key written out, no preset). */
    void writeJson(JsonGenerator out) throws IOException {
        LogMelConfig f = frontEnd;
        out.writeStartObject();
        out.writeObjectFieldStart("front_end");
        out.writeNumberField("sample_rate", f.sampleRate());
        out.writeNumberField("n_fft", f.nFft());
        out.writeNumberField("win_length", f.winLength());
        out.writeNumberField("hop_length", f.hopLength());
        out.writeStringField("window", jsonName(f.window()));
        out.writeBooleanField("periodic_window", f.periodicWindow());
        out.writeStringField("window_align", jsonName(f.windowAlign()));
        out.writeBooleanField("center", f.center());
        out.writeStringField("pad_mode", jsonName(f.padMode()));
        out.writeNumberField("preemphasis", f.preemphasis());
        out.writeStringField("spectrum", jsonName(f.spectrum()));
        out.writeStringField("mel_scale", jsonName(f.melScale()));
        out.writeStringField("filter_style", jsonName(f.filterStyle()));
        out.writeStringField("mel_norm", jsonName(f.melNorm()));
        out.writeNumberField("n_mels", f.nMels());
        out.writeNumberField("fmin", f.fmin());
        out.writeNumberField("fmax", f.fmax());
        out.writeStringField("log", jsonName(f.log()));
        out.writeNumberField("log_offset", f.logOffset());
        out.writeNumberField("log_floor", f.logFloor());
        out.writeNumberField("norm_add", f.normAdd());
        out.writeNumberField("norm_div", f.normDiv());
        out.writeEndObject();

        BackboneSpec call = backbone.call();
        out.writeObjectFieldStart("backbone");
        out.writeStringField("model", backbone.model());
        writeStringArray(out, "external_data", backbone.externalData());
        out.writeStringField("input", call.input());
        out.writeStringField("layout", jsonName(call.layout()));
        out.writeStringField("embedding_output", call.embeddingOutput());
        out.writeNumberField("min_frames", call.minFrames());
        out.writeNumberField("max_batch", call.maxBatch());
        out.writeEndObject();

        if (head != null) {
            out.writeObjectFieldStart("head");
            out.writeStringField("model", head.model());
            writeStringArray(out, "external_data", head.externalData());
            out.writeStringField("input", head.call().input());
            out.writeStringField("output", head.call().output());
            out.writeEndObject();
        }
        if (classifier != null) {
            out.writeObjectFieldStart("classifier");
            out.writeStringField("output", call.logitsOutput());
            out.writeStringField("labels", classifier.labels());
            out.writeNumberField("top_k", classifier.topK());
            out.writeNumberField("min_score", classifier.minScore());
            out.writeEndObject();
        }
        out.writeObjectFieldStart("segments");
        out.writeNumberField("window", segments.windowSeconds());
        out.writeNumberField("hop", segments.hopSeconds());
        out.writeEndObject();
        out.writeEndObject();
    }

    /** {@code "name": [...]}, left out when {@code values} is empty. */
    private static void writeStringArray(JsonGenerator out, String name, List<String> values) throws IOException {
        if (values.isEmpty() == false) {
            out.writeArrayFieldStart(name);
            for (String value : values) {
                out.writeString(value);
            }
            out.writeEndArray();
        }
    }
}
