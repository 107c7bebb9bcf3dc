package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The zip built by this project installs into the real distribution and the node loads it. */
public class PluginInstalledIT {

    private final RealNode node = RealNode.fromBuild();

    @Test
    public void catPluginsListsAudioPq() {
        RealNode.Response response = node.get("/_cat/plugins?format=json&h=component,version");
        assertEquals(response.body(), 200, response.status());
        assertTrue("plugins: " + response.body(), response.body().contains("\"component\":\"audio-pq\""));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void nodeInfoReportsPluginClass() {
        Map<String, Object> nodes = (Map<String, Object>) node.get("/_nodes/plugins").json().get("nodes");
        assertEquals(1, nodes.size());
        Map<String, Object> info = (Map<String, Object>) nodes.values().iterator().next();
        List<Map<String, Object>> plugins = (List<Map<String, Object>>) info.get("plugins");
        assertTrue(
            "plugins: " + plugins,
            plugins.stream().anyMatch(p -> "io.audiopq.elasticsearch.AudioPqPlugin".equals(p.get("classname")))
        );
    }

    @Test
    public void nodeLogShowsPluginLoaded() throws Exception {
        String log = Files.readString(node.logFile());
        assertTrue("the node log should say it loaded the plugin", log.contains("loaded plugin [audio-pq]"));
    }
}
