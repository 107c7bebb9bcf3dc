package io.audiopq.elasticsearch;

import org.elasticsearch.action.admin.cluster.node.info.NodeInfo;
import org.elasticsearch.action.admin.cluster.node.info.NodesInfoResponse;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginRuntimeInfo;
import org.elasticsearch.test.ESSingleNodeTestCase;

import java.util.Collection;
import java.util.List;

/** An in-JVM node started with the plugin reports it among its plugins. */
public class AudioPqPluginLoadedTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(AudioPqPlugin.class);
    }

    public void testNodeInfoListsPlugin() {
        NodesInfoResponse response = clusterAdmin().prepareNodesInfo().clear().setPlugins(true).get();
        NodeInfo node = response.getNodes().get(0);
        List<String> classnames = node.getInfo(PluginsAndModules.class)
            .getPluginInfos()
            .stream()
            .map(PluginRuntimeInfo::descriptor)
            .map(d -> d.getClassname())
            .toList();
        assertTrue("plugins: " + classnames, classnames.contains(AudioPqPlugin.class.getName()));
    }
}
