package io.audiopq.elasticsearch;

import io.audiopq.model.AudioEmbedderCache;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.test.ESSingleNodeTestCase;

import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/** {@code audio_pq.inference.threads}: registered, reaches the ONNX sessions, validated. */
public class InferenceThreadsSettingTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(AudioPqPlugin.class);
    }

    @Override
    protected Settings nodeSettings() {
        return Settings.builder().put(super.nodeSettings()).put("audio_pq.inference.threads", 3).build();
    }

    public void testNodeSettingReachesTheSessions() {
        assertEquals(3, getInstanceFromNode(AudioEmbedderCache.class).intraOpThreads());
    }

    public void testDefaultIsOneThread() {
        assertEquals(1, new AudioPqPlugin(Settings.EMPTY, createTempDir()).inferenceThreads());
    }

    public void testOutOfRangeValuesAreRejectedByName() {
        for (int bad : new int[] { 0, 65 }) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> new AudioPqPlugin(Settings.builder().put("audio_pq.inference.threads", bad).build(), createTempDir()));
            assertThat(e.getMessage(), containsString("audio_pq.inference.threads"));
        }
    }
}
