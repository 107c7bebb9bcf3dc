package io.audiopq.model;

import io.audiopq.quantization.IvfPqQuantizer;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

public class ModelDescriptorTests extends LuceneTestCase {

    private static final String FULL = """
        {
          "format_version": 1,
          "name": "songs",
          "kind": "vectors",
          "description": "demo",
          "dimensions": 128,
          "similarity": "cosine",
          "pq": {"codebook": "pq/codebook.pq", "m": 16, "bits": 4},
          "ivf": {"centroids": "ivf.centroids"},
          "training": {"vectors": 5000, "seed": -3, "iterations": 25, "source": "a.jsonl"}
        }
        """;

    @Test
    public void parsesEveryKey() throws Exception {
        ModelDescriptor d = ModelDescriptor.parse("songs", FULL);
        assertEquals(1, d.formatVersion());
        assertEquals("songs", d.name());
        assertEquals(ModelKind.VECTORS, d.kind());
        assertEquals("demo", d.description());
        assertEquals(128, d.dimensions());
        assertEquals(Similarity.COSINE, d.similarity());
        assertEquals(new ModelDescriptor.Pq("pq/codebook.pq", 16, 4), d.pq());
        // Without [encoding]: a codebook trained on the vectors (as every bundle made before the key).
        assertEquals(new ModelDescriptor.Ivf("ivf.centroids", IvfPqQuantizer.Encoding.DIRECT), d.ivf());
        assertEquals(new ModelDescriptor.Training(5000L, -3L, 25L, "a.jsonl"), d.training());
        assertEquals(List.of("pq/codebook.pq", "ivf.centroids"), d.referencedFiles());
    }

    @Test
    public void optionalKeysMayBeLeftOut() throws Exception {
        ModelDescriptor d = ModelDescriptor.parse("v", BundleFixtures.modelJson("v", 8, 2, 8, "dot_product", "c.pq"));
        assertNull(d.description());
        assertNull(d.ivf());
        assertNull(d.training());
        assertEquals(Similarity.DOT_PRODUCT, d.similarity());
    }

    @Test
    public void toJsonRoundTrips() throws Exception {
        ModelDescriptor full = ModelDescriptor.parse("songs", FULL);
        assertEquals(full, ModelDescriptor.parse("songs", full.toJson()));
        ModelDescriptor minimal = ModelDescriptor.parse("v", BundleFixtures.modelJson("v", 8, 2, 8, "l2_norm", "c.pq"));
        assertEquals(minimal, ModelDescriptor.parse("v", minimal.toJson()));
    }

    @Test
    public void toJsonLayoutIsStable() throws Exception {
        // Committed bundles carry checksums of their model.json: the written bytes must not drift.
        assertEquals("""
            {
              "format_version": 1,
              "name": "songs",
              "kind": "vectors",
              "description": "demo",
              "dimensions": 128,
              "similarity": "cosine",
              "pq": {
                "codebook": "pq/codebook.pq",
                "m": 16,
                "bits": 4
              },
              "ivf": {
                "centroids": "ivf.centroids",
                "encoding": "direct"
              },
              "training": {
                "vectors": 5000,
                "seed": -3,
                "iterations": 25,
                "source": "a.jsonl"
              }
            }
            """, ModelDescriptor.parse("songs", FULL).toJson());
        String audio = ModelDescriptor.parse("tagger", AudioSpecTests.AUDIO).toJson();
        assertTrue(audio, audio.contains("\n      \"external_data\": [\"net/mn04.onnx.data\"],\n      \"input\": \"spec\",\n"));
        assertTrue(audio, audio.contains("\n      \"fmax\": 14000.0,\n"));
        Path committed = Path.of("models", "audiopq-default", ModelDescriptor.FILE_NAME);
        String json = Files.readString(committed, StandardCharsets.UTF_8);
        assertEquals(json, ModelDescriptor.parse("audiopq-default", json).toJson());
    }

    @Test
    public void missingRequiredKeysAreNamed() {
        for (String key : List.of("format_version", "name", "kind", "dimensions", "similarity", "pq")) {
            String json = FULL.replaceFirst("(?m)^  \"" + key + "\": .*\\n", "");
            assertError(json, key, "is required but missing");
        }
        assertError(FULL.replace("\"codebook\": \"pq/codebook.pq\", ", ""), "pq.codebook", "is required but missing");
        assertError(FULL.replace("\"m\": 16, ", ""), "pq.m", "is required but missing");
        assertError(FULL.replace(", \"bits\": 4", ""), "pq.bits", "is required but missing");
        assertError(FULL.replace("\"centroids\": \"ivf.centroids\"", ""), "ivf.centroids", "is required but missing");
    }

    @Test
    public void unknownKeysAreRejectedAtEveryLevel() {
        assertError(FULL.replace("\"dimensions\"", "\"dimension\": 3, \"dimensions\""), "dimension", "unknown key in model.json");
        assertError(FULL.replace("\"m\": 16", "\"m\": 16, \"nbits\": 4"), "pq.nbits", "unknown key in [pq]");
        assertError(FULL.replace("\"seed\"", "\"epochs\": 1, \"seed\""), "training.epochs", "unknown key in [training]");
        assertError(FULL.replace("\"centroids\"", "\"nlist\": 4, \"centroids\""), "ivf.nlist", "unknown key in [ivf]");
    }

    @Test
    public void ivfEncodingIsResidualOrDirect() throws Exception {
        ModelDescriptor residual = ModelDescriptor.parse("songs", FULL.replace("\"ivf.centroids\"}", "\"ivf.centroids\", \"encoding\": \"residual\"}"));
        assertEquals(IvfPqQuantizer.Encoding.RESIDUAL, residual.ivf().encoding());
        assertEquals(residual, ModelDescriptor.parse("songs", residual.toJson()));
        assertError(FULL.replace("\"ivf.centroids\"}", "\"ivf.centroids\", \"encoding\": \"residuals\"}"), "ivf.encoding", "unknown encoding [residuals]");
        assertError(FULL.replace("\"ivf.centroids\"}", "\"ivf.centroids\", \"encoding\": 1}"), "ivf.encoding", "expected a string, got integer 1");
    }

    @Test
    public void wrongTypesAreNamedWithTheValue() {
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": \"128\""), "dimensions", "expected an integer, got string \"128\"");
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": 128.5"), "dimensions", "expected an integer, got number 128.5");
        assertError(FULL.replace("\"m\": 16", "\"m\": null"), "pq.m", "is required but null");
        assertError(FULL.replace("\"similarity\": \"cosine\"", "\"similarity\": 1"), "similarity", "expected a string, got integer 1");
        assertError(FULL.replace("\"pq\": {", "\"pq\": [{").replace("\"bits\": 4}", "\"bits\": 4}]"), "pq", "expected an object, got array");
        assertError(FULL.replace("\"description\": \"demo\"", "\"description\": \"\""), "description", "must not be empty");
    }

    @Test
    public void valuesOutOfRangeAreRejected() {
        assertError(FULL.replace("\"format_version\": 1", "\"format_version\": 2"), "format_version", "version 2 is not supported");
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": 0"), "dimensions", "must be in [1, 4096], got 0");
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": 5000"), "dimensions", "must be in [1, 4096], got 5000");
        assertError(FULL.replace("\"bits\": 4", "\"bits\": 6"), "pq.bits", "must be 4 or 8, got 6");
        assertError(FULL.replace("\"m\": 16", "\"m\": 12"), "pq.m", "must divide dimensions=128, got 12");
        assertError(FULL.replace("\"similarity\": \"cosine\"", "\"similarity\": \"COSINE\""), "similarity", "unknown similarity [COSINE]");
        assertError(FULL.replace("\"similarity\": \"cosine\"", "\"similarity\": \"max_inner_product\""), "similarity", "expected one of [l2_norm, cosine, dot_product]");
        assertError(FULL.replace("\"kind\": \"vectors\"", "\"kind\": \"images\""), "kind", "unknown kind [images]");
    }

    @Test
    public void nameMustMatchTheFolderAndBeUsable() {
        assertError("other", FULL, "name", "is [songs] but the bundle folder is named [other]");
        assertError("Songs!", FULL.replace("\"name\": \"songs\"", "\"name\": \"Songs!\""), "name", "is not a valid bundle name");
    }

    @Test
    public void audioKindNeedsAnAudioSectionAndVectorsKindRejectsOne() {
        assertError(FULL.replace("\"kind\": \"vectors\"", "\"kind\": \"audio\""), "audio", "is required but missing");
        assertError(FULL.replace("\"description\"", "\"audio\": {\"sample_rate\": 16000}, \"description\""), "audio", "only valid for kind [audio]");
    }

    @Test
    public void filePathsMustStayInsideTheBundle() {
        for (String path : List.of("../x.pq", "/etc/passwd", "a//b.pq", "./c.pq", "a/../../b", "c:\\x", "model.json", "dir/")) {
            assertError(FULL.replace("pq/codebook.pq", path.replace("\\", "\\\\")), "pq.codebook", StrictJson.quote(path));
        }
        assertError(FULL.replace("ivf.centroids", "pq/codebook.pq"), "ivf.centroids", "names the same file [pq/codebook.pq] as pq.codebook");
    }

    @Test
    public void numbersOutsideTheirRangeAreNamed() {
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": 100000000000000000000"), "dimensions",
            "must be in [1, 4096], got 100000000000000000000");
        assertError(FULL.replace("\"seed\": -3", "\"seed\": -100000000000000000000"), "training.seed", "must fit a 64-bit integer");
        assertError(FULL.replace("\"seed\": -3", "\"seed\": 1e999"), null, "model.json is not valid JSON: number out of range: 1e999 at line 10, column 41");
    }

    @Test
    public void syntaxErrorsSayWhere() {
        assertError(FULL.replace("\"kind\": \"vectors\",", "\"kind\": \"vectors\""), null, "model.json is not valid JSON");
        assertError(FULL.replace("\"kind\": \"vectors\",", "\"kind\": \"vectors\""), null, "at line 5, column 3");
        assertError(FULL.replace("\"dimensions\": 128,", "\"dimensions\": 128, \"dimensions\": 64,"), null, "Duplicate field 'dimensions'");
        assertError(FULL.replace("\"dimensions\": 128", "\"dimensions\": NaN"), null, "model.json is not valid JSON");
        assertError(FULL.replace("\"a.jsonl\"}", "\"a.jsonl\"},"), null, "model.json is not valid JSON");
        assertError(FULL + "{}", null, "unexpected content after the JSON value");
        assertError("", null, "no JSON value");
        assertError("[1]", null, "model.json must hold a JSON object, found array");
    }

    private static void assertError(String json, String key, String problem) {
        assertError("songs", json, key, problem);
    }

    private static void assertError(String bundle, String json, String key, String problem) {
        InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> ModelDescriptor.parse(bundle, json));
        assertEquals(e.getMessage(), bundle, e.bundle());
        assertEquals(e.getMessage(), key, e.key());
        assertTrue(e.getMessage(), e.getMessage().startsWith("model bundle [" + bundle + "]: " + (key == null ? "" : "key [" + key + "]: ")));
        assertTrue(e.getMessage(), e.getMessage().contains(problem));
    }
}
