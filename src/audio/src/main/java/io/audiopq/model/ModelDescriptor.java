package io.audiopq.model;

import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The parsed {@code model.json} of a bundle: what the bundle is and which files make it up. The
 * schema is documented in README.md ("Model bundles"); {@link #parse} enforces it strictly and
 * {@link #toJson()} writes it back in the same shape.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; raised when the schema changes incompatibly
 * @param name          the bundle's name, equal to its folder name
 * @param kind          what the bundle does
 * @param description   free text for humans, or null
 * @param dimensions    vector dimension D
 * @param similarity    the default similarity of fields that use the bundle
 * @param pq            the product quantiser's files and shape
 * @param ivf           IVF coarse centroids, or null
 * @param training      how the codebook was made (informational), or null
 * @param audio         for kind {@code audio}: front end, models and segmenting; null otherwise
 */
public record ModelDescriptor(
    int formatVersion,
    String name,
    ModelKind kind,
    String description,
    int dimensions,
    Similarity similarity,
    Pq pq,
    Ivf ivf,
    Training training,
    AudioSpec audio
) {

    public ModelDescriptor {
        if ((kind == ModelKind.AUDIO) != (audio != null)) {
            throw new IllegalArgumentException("kind [" + kind.jsonName() + "] " + (audio == null ? "needs" : "takes no") + " audio section");
        }
    }

    /** A descriptor without an audio section (kind {@code vectors}). */
    public ModelDescriptor(int formatVersion, String name, ModelKind kind, String description, int dimensions, Similarity similarity, Pq pq,
        Ivf ivf, Training training) {
        this(formatVersion, name, kind, description, dimensions, similarity, pq, ivf, training, null);
    }

    /** The only model.json version this plugin reads. */
    public static final int FORMAT_VERSION = 1;
    /** The descriptor's file name inside a bundle folder. */
    public static final String FILE_NAME = "model.json";
    /** Elasticsearch's own {@code dense_vector} limit; the same bound keeps mappings interchangeable. */
    public static final int MAX_DIMENSIONS = 4096;
    /** Bundle names: lowercase, digits, '.', '_', '-'; they appear in mappings and URLs. */
    public static final Pattern NAME_PATTERN = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    /**
     * The product quantiser.
     *
     * @param codebook file holding {@link ProductQuantizer#toBytes()}, relative to the bundle folder
     * @param m        number of sub-quantisers M
     * @param bits     bits per sub-quantiser code: 4 or 8
     */
    public record Pq(String codebook, int m, int bits) {}

    /**
     * IVF coarse quantiser, shared by every segment of every field that maps the bundle with IVF.
     *
     * @param centroids file holding {@link io.audiopq.quantization.CoarseQuantizer#toBytes()}, relative to the bundle folder
     * @param encoding  what the codebook was trained on: {@link IvfPqQuantizer.Encoding#RESIDUAL residuals}
     *                  from the centroids (then codes are residual codes, and the codebook is only
     *                  usable with these centroids) or {@link IvfPqQuantizer.Encoding#DIRECT the vectors}
     */
    public record Ivf(String centroids, IvfPqQuantizer.Encoding encoding) {

        /** JSON names of the encodings, in {@code ivf.encoding}. */
        public static String jsonName(IvfPqQuantizer.Encoding encoding) {
            return encoding.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How the codebook was trained; informational, written by the bundle tool.
     *
     * @param vectors    training vectors used, or null
     * @param seed       k-means seed, or null
     * @param iterations k-means iterations, or null
     * @param source     where the vectors came from (file names), or null
     */
    public record Training(Long vectors, Long seed, Long iterations, String source) {}

    /** Every file the descriptor names (model.json itself excluded), in schema order. */
    public List<String> referencedFiles() {
        return referencedFilesWithKeys().stream().map(f -> f[1]).toList();
    }

    /** Every file the descriptor names with the key that names it: {key, path}, in schema order. */
    List<String[]> referencedFilesWithKeys() {
        List<String[]> files = new ArrayList<>();
        files.add(new String[] { "pq.codebook", pq.codebook() });
        if (ivf != null) {
            files.add(new String[] { "ivf.centroids", ivf.centroids() });
        }
        if (audio != null) {
            files.addAll(audio.files());
        }
        return files;
    }

    /**
     * Parses and validates a model.json.
     *
     * @param bundle the folder name, which the {@code name} key must equal; used in every error
     */
    public static ModelDescriptor parse(String bundle, String json) throws InvalidBundleException {
        JsonNode document;
        try {
            document = StrictJson.parse(json);
        } catch (JsonProcessingException e) {
            throw new InvalidBundleException(bundle, null, "model.json is not valid JSON: " + StrictJson.describe(e), e);
        }
        StrictJsonObject root = StrictJsonObject.root(bundle, document);

        int formatVersion = root.requiredInt("format_version", 1, Integer.MAX_VALUE);
        if (formatVersion != FORMAT_VERSION) {
            throw new InvalidBundleException(
                bundle,
                "format_version",
                "version " + formatVersion + " is not supported, this plugin reads version " + FORMAT_VERSION
            );
        }
        String name = root.requiredString("name");
        if (name.equals(bundle) == false) {
            throw new InvalidBundleException(bundle, "name", "is [" + name + "] but the bundle folder is named [" + bundle + "]; they must match");
        }
        checkName(bundle, name);

        String kindName = root.requiredString("kind");
        ModelKind kind = ModelKind.fromJsonName(kindName)
            .orElseThrow(() -> new InvalidBundleException(bundle, "kind", "unknown kind [" + kindName + "], expected one of " + ModelKind.jsonNames()));
        if (kind.supported() == false) {
            throw new InvalidBundleException(bundle, "kind", "kind [" + kindName + "] is not supported by this version");
        }
        AudioSpec audio = null;
        if (kind == ModelKind.AUDIO) {
            audio = AudioSpec.parse(bundle, root.requiredObject("audio"));
        } else if (root.has("audio")) {
            throw new InvalidBundleException(bundle, "audio", "is only valid for kind [audio], this bundle is kind [" + kindName + "]");
        }

        String description = root.optionalString("description", null);
        int dimensions = root.requiredInt("dimensions", 1, MAX_DIMENSIONS);
        String similarityName = root.requiredString("similarity");
        Similarity similarity = Similarity.fromJsonName(similarityName)
            .orElseThrow(
                () -> new InvalidBundleException(
                    bundle,
                    "similarity",
                    "unknown similarity [" + similarityName + "], expected one of " + Similarity.jsonNames()
                )
            );

        StrictJsonObject pqObject = root.requiredObject("pq");
        String codebook = checkFilePath(bundle, pqObject.key("codebook"), pqObject.requiredString("codebook"));
        int m = pqObject.requiredInt("m", 1, MAX_DIMENSIONS);
        int bits = pqObject.requiredInt("bits", 1, 64);
        if (bits != 4 && bits != 8) {
            throw new InvalidBundleException(bundle, "pq.bits", "must be 4 or 8, got " + bits);
        }
        if (dimensions % m != 0) {
            throw new InvalidBundleException(bundle, "pq.m", "must divide dimensions=" + dimensions + ", got " + m);
        }
        pqObject.finish();

        Ivf ivf = null;
        StrictJsonObject ivfObject = root.optionalObject("ivf");
        if (ivfObject != null) {
            String centroids = checkFilePath(bundle, ivfObject.key("centroids"), ivfObject.requiredString("centroids"));
            // Absent in bundles made before residual codebooks: those codebooks were trained on the vectors.
            String encodingName = ivfObject.optionalString("encoding", Ivf.jsonName(IvfPqQuantizer.Encoding.DIRECT));
            IvfPqQuantizer.Encoding encoding = null;
            for (IvfPqQuantizer.Encoding e : IvfPqQuantizer.Encoding.values()) {
                if (Ivf.jsonName(e).equals(encodingName)) {
                    encoding = e;
                }
            }
            if (encoding == null) {
                throw new InvalidBundleException(
                    bundle,
                    ivfObject.key("encoding"),
                    "unknown encoding [" + encodingName + "], expected [residual] (codebook trained on residuals from the centroids) or [direct]"
                );
            }
            ivf = new Ivf(centroids, encoding);
            ivfObject.finish();
        }

        Training training = null;
        StrictJsonObject trainingObject = root.optionalObject("training");
        if (trainingObject != null) {
            training = new Training(
                trainingObject.optionalLong("vectors", 1),
                trainingObject.optionalLong("seed", Long.MIN_VALUE),
                trainingObject.optionalLong("iterations", 0),
                trainingObject.optionalString("source", null)
            );
            trainingObject.finish();
        }
        root.finish();

        ModelDescriptor descriptor = new ModelDescriptor(
            formatVersion,
            name,
            kind,
            description,
            dimensions,
            similarity,
            new Pq(codebook, m, bits),
            ivf,
            training,
            audio
        );
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        for (String[] file : descriptor.referencedFilesWithKeys()) {
            String previous = seen.putIfAbsent(file[1], file[0]);
            if (previous != null) {
                throw new InvalidBundleException(bundle, file[0], "names the same file [" + file[1] + "] as " + previous);
            }
        }
        return descriptor;
    }

    /** Rejects a bundle name that is not usable in a mapping or URL. */
    public static void checkName(String bundle, String name) throws InvalidBundleException {
        if (NAME_PATTERN.matcher(name).matches() == false) {
            throw new InvalidBundleException(
                bundle,
                "name",
                "[" + name + "] is not a valid bundle name: use 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
            );
        }
    }

    /**
     * A file a descriptor names must be a plain relative path inside the bundle folder: no
     * absolute paths, no {@code .}/{@code ..} segments, no backslashes, and not model.json itself.
     */
    static String checkFilePath(String bundle, String key, String path) throws InvalidBundleException {
        String problem = null;
        if (path.startsWith("/") || path.contains("\\") || path.contains(":")) {
            problem = "must be a path relative to the bundle folder, using '/'";
        } else {
            for (String segment : path.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    problem = "must stay inside the bundle folder (no empty, '.' or '..' segments)";
                    break;
                }
            }
        }
        if (problem == null && path.equals(FILE_NAME)) {
            problem = "cannot be model.json itself";
        }
        if (problem != null) {
            throw new InvalidBundleException(bundle, key, problem + ", got " + StrictJson.quote(path));
        }
        return path;
    }

    /**
     * How model.json is laid out: two-space indents, {@code "key": value}, arrays on one line
     * ({@code ["a", "b"]}), {@code \n} line ends on every platform. Stable on purpose: committed
     * bundles carry checksums of their model.json.
     */
    private static final DefaultPrettyPrinter MODEL_JSON_LAYOUT = new DefaultPrettyPrinter(
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withArrayValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("")
    ).withObjectIndenter(new DefaultIndenter("  ", "\n")).withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance);

    /** The descriptor as model.json text (two-space indented, keys in schema order, optional keys only when set). */
    public String toJson() {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = StrictJson.factory().createGenerator(text)) {
            out.setPrettyPrinter(MODEL_JSON_LAYOUT.createInstance());
            out.writeStartObject();
            out.writeNumberField("format_version", formatVersion);
            out.writeStringField("name", name);
            out.writeStringField("kind", kind.jsonName());
            if (description != null) {
                out.writeStringField("description", description);
            }
            out.writeNumberField("dimensions", dimensions);
            out.writeStringField("similarity", similarity.jsonName());
            out.writeObjectFieldStart("pq");
            out.writeStringField("codebook", pq.codebook());
            out.writeNumberField("m", pq.m());
            out.writeNumberField("bits", pq.bits());
            out.writeEndObject();
            if (ivf != null) {
                out.writeObjectFieldStart("ivf");
                out.writeStringField("centroids", ivf.centroids());
                out.writeStringField("encoding", Ivf.jsonName(ivf.encoding()));
                out.writeEndObject();
            }
            if (training != null) {
                out.writeObjectFieldStart("training");
                if (training.vectors() != null) out.writeNumberField("vectors", training.vectors());
                if (training.seed() != null) out.writeNumberField("seed", training.seed());
                if (training.iterations() != null) out.writeNumberField("iterations", training.iterations());
                if (training.source() != null) out.writeStringField("source", training.source());
                out.writeEndObject();
            }
            if (audio != null) {
                out.writeFieldName("audio");
                audio.writeJson(out);
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e); // a StringWriter does no I/O
        }
        return text.append('\n').toString();
    }
}
