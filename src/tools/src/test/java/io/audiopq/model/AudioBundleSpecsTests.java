package io.audiopq.model;

import org.apache.lucene.tests.util.LuceneTestCase;

import io.audiopq.audio.LogMelConfig;
import io.audiopq.tools.AudioBundleTool;
import org.junit.Test;

import java.util.List;

import static org.junit.Assert.assertEquals;

/** The audio specs of the bundles the project's own tool makes, through the strict model.json parser. */
public class AudioBundleSpecsTests extends LuceneTestCase {

    @Test
    public void everyToolSpecIsExpressibleAndRoundTrips() throws Exception {
        for (AudioSpec spec : List.of(AudioBundleTool.defaultSpec(), AudioBundleTool.mn04Spec(), AudioBundleTool.studentSpec(16, true))) {
            ModelDescriptor d = new ModelDescriptor(1, "x", ModelKind.AUDIO, null, 128, Similarity.COSINE, new ModelDescriptor.Pq("codebook.pq", 16, 8),
                null, null, spec);
            ModelDescriptor back = ModelDescriptor.parse("x", d.toJson());
            assertEquals(d, back);
        }
        assertEquals(LogMelConfig.yamnet(), AudioBundleTool.defaultSpec().frontEnd());
        assertEquals(LogMelConfig.efficientAt(), AudioBundleTool.mn04Spec().frontEnd());
        assertEquals(AudioBundleTool.defaultSpec().frontEnd(), AudioBundleTool.studentSpec(16, true).frontEnd());
        assertEquals("logits", AudioBundleTool.studentSpec(16, true).backbone().call().logitsOutput());
        ModelDescriptor full = ModelDescriptor.parse("tagger", AudioSpecTests.AUDIO);
        assertEquals(full, ModelDescriptor.parse("tagger", full.toJson()));
    }

    @Test
    public void withoutPresetEveryFrontEndKeyIsRequired() {
        ModelDescriptor d = new ModelDescriptor(1, "x", ModelKind.AUDIO, null, 128, Similarity.COSINE, new ModelDescriptor.Pq("codebook.pq", 16, 8),
            null, null, AudioBundleTool.defaultSpec());
        String json = d.toJson().replace("      \"n_mels\": 64,\n", "");
        AudioSpecTests.assertError("x", json, "audio.front_end.n_mels", "is required but missing");
    }
}
