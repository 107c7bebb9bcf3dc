package io.audiopq.elasticsearch;

import org.elasticsearch.Build;
import org.elasticsearch.plugins.PluginDescriptor;
import org.elasticsearch.test.ESTestCase;

import java.nio.file.Path;

/**
 * Reads the filtered descriptor with Elasticsearch's own parser, which rejects unknown keys and
 * malformed values the same way {@code elasticsearch-plugin install} does.
 */
public class PluginDescriptorTests extends ESTestCase {

    public void testDescriptorIsAcceptedByElasticsearch() throws Exception {
        PluginDescriptor descriptor = PluginDescriptor.readFromProperties(Path.of("src", "plugin", "target", "plugin-metadata"));
        assertEquals(AudioPqPlugin.NAME, descriptor.getName());
        assertEquals(AudioPqPlugin.class.getName(), descriptor.getClassname());
        // The node refuses a plugin built for another version.
        assertEquals(Build.current().version(), descriptor.getElasticsearchVersion());
        assertEquals("21", descriptor.getJavaVersion());
        assertFalse(descriptor.isModular());
    }
}
