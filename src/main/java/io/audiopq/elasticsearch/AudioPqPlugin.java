package io.audiopq.elasticsearch;

import io.audiopq.model.ModelRegistry;

import org.apache.lucene.util.SetOnce;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestHandler;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Entry point Elasticsearch loads for the {@code audio-pq} plugin (named in
 * plugin-descriptor.properties). At node start it loads the model bundles from
 * {@code <config>/audio-pq/models/} and serves them at {@code GET _audio_pq/models}.
 */
public class AudioPqPlugin extends Plugin implements ActionPlugin {
    /** The plugin's name as users see it in {@code _cat/plugins}. */
    public static final String NAME = "audio-pq";
    /** Where bundles live, relative to the node's config folder (the entitlement policy grants read access to it). */
    public static final String MODELS_PATH = "audio-pq/models";

    // Set in createComponents; REST handlers (and, later, mappers) are built before it and read it lazily.
    private final SetOnce<ModelRegistry> registry = new SetOnce<>();
    private final SetOnce<String> nodeName = new SetOnce<>();

    @Override
    public Collection<?> createComponents(PluginServices services) {
        Path modelsDir = services.environment().configDir().resolve(MODELS_PATH);
        nodeName.set(services.clusterService().getNodeName());
        registry.set(ModelRegistry.load(modelsDir, new LoggingModelListener()));
        return List.of(registry.get());
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        RestHandlersServices services,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RestGetModelsAction(this::modelRegistry, nodeName::get));
    }

    /** The node's bundles; fails before node construction has loaded them. */
    public ModelRegistry modelRegistry() {
        ModelRegistry loaded = registry.get();
        if (loaded == null) {
            throw new IllegalStateException("model bundles are not loaded yet: the node is still starting");
        }
        return loaded;
    }
}
