package io.audiopq.elasticsearch;

import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelEntry;

import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.test.ESIntegTestCase;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two in-JVM nodes whose config folders hold no bundle: the elected master uploads the default
 * audio bundle the plugin's jar carries, and both nodes load it from the cluster.
 */
@ESIntegTestCase.ClusterScope(scope = ESIntegTestCase.Scope.TEST, numDataNodes = 2, numClientNodes = 0)
public class DefaultBundleClusterTests extends ESIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(AudioPqPlugin.class);
    }

    public void testTheDefaultBundleIsUploadedWhenTheClusterLacksIt() throws Exception {
        String checksum = ModelBundleLoader.load(Path.of("models", DefaultBundle.NAME)).checksum();
        assertBusy(() -> {
            for (NodeBundles bundles : internalCluster().getInstances(NodeBundles.class)) {
                ModelEntry entry = bundles.registry().get(DefaultBundle.NAME).orElse(null);
                assertNotNull("not loaded on " + bundles.nodeName() + " yet", entry);
                assertEquals(ModelEntry.Source.CLUSTER, entry.source());
                assertNotNull(entry.error(), entry.bundle());
                assertEquals(checksum, entry.bundle().checksum());
            }
        }, 90, TimeUnit.SECONDS);
    }
}
