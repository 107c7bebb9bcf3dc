package io.audiopq.model;

import org.apache.lucene.tests.util.LuceneTestCase;

import io.audiopq.audio.BackboneSpec;
import io.audiopq.audio.HeadSpec;
import io.audiopq.audio.InputLayout;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.audio.SegmentSpec;

import org.junit.Test;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** The {@code audio} section of model.json: parsing, defaults, presets, errors, round trips. */
public class AudioSpecTests extends LuceneTestCase {

    /** An mn04-like bundle: preset front end with one override, external data, head, classifier. */
    public static final String AUDIO = """
        {
          "format_version": 1,
          "name": "tagger",
          "kind": "audio",
          "dimensions": 128,
          "similarity": "cosine",
          "pq": {"codebook": "codebook.pq", "m": 16, "bits": 8},
          "audio": {
            "front_end": {"preset": "efficientat", "fmax": 14000},
            "backbone": {
              "model": "net/mn04.onnx", "external_data": ["net/mn04.onnx.data"], "input": "spec",
              "layout": "batch_1_mels_frames", "embedding_output": "features", "min_frames": 3, "max_batch": 16
            },
            "head": {"model": "dqn.onnx", "input": "x", "output": "code"},
            "classifier": {"output": "logits", "labels": "labels.csv", "top_k": 3, "min_score": 0.2},
            "segments": {"window": 0.96, "hop": 0.48}
          }
        }
        """;

    @Test
    public void parsesEveryKey() throws Exception {
        ModelDescriptor d = ModelDescriptor.parse("tagger", AUDIO);
        assertEquals(ModelKind.AUDIO, d.kind());
        AudioSpec a = d.audio();
        LogMelConfig e = LogMelConfig.efficientAt();
        assertEquals(14000, a.frontEnd().fmax(), 0);
        assertEquals(e.sampleRate(), a.frontEnd().sampleRate());
        assertEquals(e.nMels(), a.frontEnd().nMels());
        assertEquals(new AudioSpec.Backbone("net/mn04.onnx", List.of("net/mn04.onnx.data"),
            new BackboneSpec("spec", InputLayout.BATCH_1_MELS_FRAMES, "features", "logits", 3, 16)), a.backbone());
        assertEquals(new AudioSpec.Head("dqn.onnx", List.of(), new HeadSpec("x", "code")), a.head());
        assertEquals(new AudioSpec.Classifier("labels.csv", 3, 0.2), a.classifier());
        assertEquals(new SegmentSpec(0.96, 0.48), a.segments());
        assertEquals("logits", a.backbone().call().logitsOutput());
        assertEquals(List.of("codebook.pq", "net/mn04.onnx", "net/mn04.onnx.data", "dqn.onnx", "labels.csv"), d.referencedFiles());
    }

    @Test
    public void defaultsForOptionalKeys() throws Exception {
        String json = """
            {
              "format_version": 1, "name": "tagger", "kind": "audio", "dimensions": 128, "similarity": "cosine",
              "pq": {"codebook": "codebook.pq", "m": 16, "bits": 8},
              "audio": {
                "front_end": {"preset": "yamnet"},
                "backbone": {"model": "b.onnx", "input": "spec", "layout": "batch_frames_mels", "embedding_output": "e"}
              }
            }
            """;
        AudioSpec a = ModelDescriptor.parse("tagger", json).audio();
        assertEquals(1, a.backbone().call().minFrames());
        assertEquals(64, a.backbone().call().maxBatch());
        assertNull(a.head());
        assertNull(a.classifier());
        assertEquals(new SegmentSpec(1.0, 0.5), a.segments());
        assertEquals(LogMelConfig.yamnet(), a.frontEnd());
        assertEquals(InputLayout.BATCH_FRAMES_MELS, a.backbone().call().layout());
    }

    @Test
    public void errorsNameTheKey() {
        assertError(AUDIO.replace("\"preset\": \"efficientat\"", "\"preset\": \"vggish\""), "audio.front_end.preset", "unknown preset [vggish]");
        assertError(AUDIO.replace("\"fmax\": 14000", "\"fmax\": 20000"), "audio.front_end", "setting [audio.front_end.fmax] must be");
        assertError(AUDIO.replace("\"fmax\": 14000", "\"fmx\": 14000"), "audio.front_end.fmx", "unknown key");
        assertError(AUDIO.replace("\"fmax\": 14000", "\"window\": \"kaiser\""), "audio.front_end.window", "unknown value [kaiser], expected one of [hann, hamming, rectangular]");
        assertError(AUDIO.replace("\"fmax\": 14000", "\"center\": \"yes\""), "audio.front_end.center", "expected a boolean");
        assertError(AUDIO.replace("\"layout\": \"batch_1_mels_frames\"", "\"layout\": \"nchw\""), "audio.backbone.layout", "unknown value [nchw]");
        assertError(AUDIO.replace("\"model\": \"net/mn04.onnx\"", "\"model\": \"../mn04.onnx\""), "audio.backbone.model", "must stay inside the bundle folder");
        assertError(AUDIO.replace("\"net/mn04.onnx.data\"", "\"/abs/mn04.onnx.data\""), "audio.backbone.external_data", "must be a path relative");
        assertError(AUDIO.replace("\"net/mn04.onnx.data\"", "3"), "audio.backbone.external_data", "expected an array of non-empty strings");
        assertError(AUDIO.replace("\"input\": \"spec\",", ""), "audio.backbone.input", "is required but missing");
        assertError(AUDIO.replace("\"output\": \"logits\"", "\"output\": \"features\""), "audio.classifier.output", "must differ");
        assertError(AUDIO.replace("\"min_score\": 0.2", "\"min_score\": 1.5"), "audio.classifier.min_score", "must be in [0, 1]");
        assertError(AUDIO.replace("\"min_score\": 0.2", "\"min_score\": 1e999"), null, "number out of range: 1e999");
        assertError(AUDIO.replace("\"hop\": 0.48", "\"hop\": -1"), "audio.segments.hop", "must be a number of seconds in (0, 3600]");
        assertError(AUDIO.replace("\"model\": \"dqn.onnx\"", "\"model\": \"labels.csv\""), "audio.classifier.labels", "names the same file [labels.csv] as audio.head.model");
        assertError(AUDIO.replace("\"segments\"", "\"segmnts\""), "audio.segmnts", "unknown key");
        assertError(BundleFixtures.modelJson("tagger", 8, 2, 4, "l2_norm", "c.pq").replace("\"pq\"", "\"audio\": {}, \"pq\""), "audio",
            "only valid for kind [audio]");
    }

    private static void assertError(String json, String key, String problem) {
        assertError("tagger", json, key, problem);
    }

    static void assertError(String bundle, String json, String key, String problem) {
        InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> ModelDescriptor.parse(bundle, json));
        assertEquals(e.getMessage(), key, e.key());
        assertTrue(e.getMessage(), e.getMessage().contains(problem));
    }
}
