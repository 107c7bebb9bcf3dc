package io.audiopq.elasticsearch;

import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessor;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessorFactory;
import io.audiopq.model.AudioModels;
import io.audiopq.model.ModelRegistry;

import org.apache.lucene.util.SetOnce;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.ingest.Processor;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestHandler;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Entry point Elasticsearch loads for the {@code audio-pq} plugin (named in
 * plugin-descriptor.properties). At node start it loads the model bundles from
 * {@code <config>/audio-pq/models/} and serves them at {@code GET _audio_pq/models}.
 */
public class AudioPqPlugin extends Plugin implements ActionPlugin, IngestPlugin {
    /** The plugin's name as users see it in {@code _cat/plugins}. */
    public static final String NAME = "audio-pq";
    /** Where bundles live, relative to the node's config folder (the entitlement policy grants read access to it). */
    public static final String MODELS_PATH = "audio-pq/models";

    // Set in createComponents; REST handlers (and, later, mappers) are built before it and read it lazily.
    private final SetOnce<ModelRegistry> registry = new SetOnce<>();
    private final SetOnce<String> nodeName = new SetOnce<>();
    // Audio bundles' ONNX sessions, opened once when the bundles load and shared by every pipeline.
    // One intra-op thread: each write thread embeds its own document, so the cores are used already.
    private final AudioModels audioModels = new AudioModels(1);

    @Override
    public Collection<?> createComponents(PluginServices services) {
        Path modelsDir = services.environment().configDir().resolve(MODELS_PATH);
        nodeName.set(services.clusterService().getNodeName());
        registry.set(ModelRegistry.load(modelsDir, new LoggingModelListener(), audioModels::check));
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

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        // Factories run when pipelines are created, after createComponents has loaded the bundles.
        return Map.of(AudioEmbeddingProcessor.TYPE, new AudioEmbeddingProcessorFactory(this::modelRegistry, audioModels));
    }

    @Override
    public void close() {
        audioModels.close();
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
