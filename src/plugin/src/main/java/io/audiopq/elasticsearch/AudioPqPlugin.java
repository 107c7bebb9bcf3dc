package io.audiopq.elasticsearch;

import io.audiopq.elasticsearch.action.DeleteModelAction;
import io.audiopq.elasticsearch.action.EmbedAudioAction;
import io.audiopq.elasticsearch.action.ModelsNodesAction;
import io.audiopq.elasticsearch.action.PutModelAction;
import io.audiopq.elasticsearch.action.RestDeleteModelAction;
import io.audiopq.elasticsearch.action.RestEmbedAudioAction;
import io.audiopq.elasticsearch.action.RestGetModelsAction;
import io.audiopq.elasticsearch.action.RestPutModelAction;
import io.audiopq.elasticsearch.action.RestTrainModelAction;
import io.audiopq.elasticsearch.action.TrainModelAction;
import io.audiopq.elasticsearch.action.TrainModelTask;
import io.audiopq.elasticsearch.action.TransportDeleteModelAction;
import io.audiopq.elasticsearch.action.TransportEmbedAudioAction;
import io.audiopq.elasticsearch.action.TransportModelsNodesAction;
import io.audiopq.elasticsearch.action.TransportPutModelAction;
import io.audiopq.elasticsearch.action.TransportTrainModelAction;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessor;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessorFactory;
import io.audiopq.elasticsearch.mapper.PqVectorFieldMapper;
import io.audiopq.elasticsearch.query.AudioEmbeddingQueryVectorBuilder;
import io.audiopq.elasticsearch.query.KnnOnPqVectorFilter;
import io.audiopq.elasticsearch.query.QueryAudio;
import io.audiopq.elasticsearch.query.LikeDocument;
import io.audiopq.elasticsearch.query.PqKnnQueryBuilder;
import io.audiopq.elasticsearch.query.QueryVectorSource;
import io.audiopq.elasticsearch.query.SearchCostLimits;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.action.support.MappedActionFilter;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.unit.MemorySizeValue;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.mapper.Mapper;
import org.elasticsearch.indices.SystemIndexDescriptor;
import org.elasticsearch.indices.breaker.BreakerSettings;
import org.elasticsearch.ingest.Processor;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.CircuitBreakerPlugin;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.MapperPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.SearchPlugin;
import org.elasticsearch.plugins.SystemIndexPlugin;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.tasks.Task;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Entry point Elasticsearch loads for the {@code audio-pq} plugin (named in
 * plugin-descriptor.properties). It loads the model bundles from {@code <config>/audio-pq/models/}
 * and those uploaded to the cluster ({@code PUT _audio_pq/models/{name}}, kept in the system index
 * {@value ModelIndex#NAME} and unpacked on every node by {@link NodeBundles}), serves the cluster-wide
 * view at {@code GET _audio_pq/models}, and registers the {@code pq_vector} field, the
 * {@code pq_knn} query (with query by sound through the embed action,
 * {@code POST _audio_pq/models/{name}/_embed}), the {@code audio_embedding} query vector builder
 * (a clip as {@code knn}'s query vector) and the {@code audio_embedding} ingest processor.
 * Audio users send goes through one {@link AudioEmbeddingService}, which bounds how many clips are
 * decoded at once and reserves their memory on the plugin's {@code audio_pq} circuit breaker
 * ({@code breaker.audio_pq.limit}); {@link SearchCostLimits} bounds the {@code pq_knn} clauses and
 * {@code query_audio} clips of one search.
 */
public class AudioPqPlugin extends Plugin
    implements
        ActionPlugin,
        CircuitBreakerPlugin,
        IngestPlugin,
        MapperPlugin,
        SearchPlugin,
        SystemIndexPlugin {
    /** The plugin's name as users see it in {@code _cat/plugins}. */
    public static final String NAME = "audio-pq";
    /** Where bundles live, relative to the node's config folder (the entitlement policy grants read access to it). */
    public static final String MODELS_PATH = "audio-pq/models";

    /**
     * Threads one ONNX inference call may use ({@code audio_pq.inference.threads}, node scope). The
     * default 1 suits ingest, where each write thread already embeds its own document; more lowers
     * the latency of a single {@code query_audio} or {@code _embed} on an otherwise idle node.
     */
    public static final Setting<Integer> INFERENCE_THREADS = Setting.intSetting("audio_pq.inference.threads", 1, 1, 64, Setting.Property.NodeScope);

    private final Settings settings;
    private final Path configPath;
    // Loaded once, on first use: mapper parsers and REST handlers are built before createComponents,
    // and anything that parses a mapping may run before it too (the config path comes with the constructor).
    private volatile ModelRegistry registry;
    private volatile String nodeName;
    private final NodeBundles bundles;
    // Audio bundles' ONNX sessions, opened once when the bundles load and shared by every pipeline.
    private final AudioEmbedderCache audioModels;
    // Set by the node (setCircuitBreaker) before any component exists; null in tests without a node.
    private volatile CircuitBreaker breaker;
    private final AudioEmbeddingService audio;
    // Set in createComponents; read by the search filter, which only runs once the node is started.
    private volatile ClusterService clusterService;

    /** Elasticsearch's plugin constructor with settings and the node's config folder. */
    public AudioPqPlugin(Settings settings, Path configPath) {
        this.settings = settings;
        this.configPath = configPath;
        this.audioModels = new AudioEmbedderCache(INFERENCE_THREADS.get(settings));
        this.bundles = new NodeBundles(this::configRegistry, this::nodeName, audioModels::check);
        this.audio = new AudioEmbeddingService(this::modelRegistry, audioModels, () -> breaker, settings);
    }

    /** What {@code audio_pq.inference.threads} resolved to on this node. */
    public int inferenceThreads() {
        return audioModels.intraOpThreads();
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(
            INFERENCE_THREADS,
            AudioEmbeddingService.MAX_CONCURRENT,
            AudioEmbeddingService.MAX_WAIT,
            SearchCostLimits.MAX_PQ_KNN_CLAUSES,
            SearchCostLimits.MAX_QUERY_AUDIO,
            TransportPutModelAction.MAX_UPLOAD_SIZE,
            DefaultBundle.ENABLED
        );
    }

    /**
     * The {@code audio_pq} breaker: memory type, overhead 1 (reservations are already bounds), transient
     * (it frees itself when clips finish). Its limit is Elasticsearch's own {@code breaker.audio_pq.limit}
     * (dynamic), by default {@value AudioEmbeddingService#DEFAULT_BREAKER_LIMIT} of the heap.
     */
    @Override
    public BreakerSettings getCircuitBreaker(Settings nodeSettings) {
        String key = "breaker." + AudioEmbeddingService.BREAKER_NAME + ".limit";
        long limit = MemorySizeValue.parseBytesSizeValueOrHeapRatio(AudioEmbeddingService.DEFAULT_BREAKER_LIMIT, key).getBytes();
        return BreakerSettings.updateFromSettings(
            new BreakerSettings(AudioEmbeddingService.BREAKER_NAME, limit, 1.0, CircuitBreaker.Type.MEMORY, CircuitBreaker.Durability.TRANSIENT),
            nodeSettings
        );
    }

    @Override
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
        this.breaker = circuitBreaker;
    }

    /** The node's audio service (decode limits, breaker, the one path for audio users send). */
    public AudioEmbeddingService audioService() {
        return audio;
    }

    @Override
    public Collection<?> createComponents(PluginServices services) {
        nodeName = services.clusterService().getNodeName();
        clusterService = services.clusterService();
        SearchCostLimits.init(settings, services.clusterService().getClusterSettings());
        ModelRegistry config = loadRegistry(services.environment().configDir());
        ModelIndex modelIndex = new ModelIndex(services.client(), services.clusterService());
        bundles.start(services.environment().dataDirs()[0].resolve(NodeBundles.CACHE_PATH), modelIndex, services.threadPool());
        services.clusterService().addListener(bundles);
        if (DefaultBundle.ENABLED.get(settings)) {
            services.clusterService().addListener(new DefaultBundle(services.client(), services.clusterService(), services.threadPool()));
        }
        // Components are injectable: the transport actions receive the audio service, the bundles and the index.
        return List.of(config, bundles, modelIndex, audioModels, audio);
    }

    private synchronized ModelRegistry loadRegistry(Path configDir) {
        if (registry == null) {
            registry = ModelRegistry.load(configDir.resolve(MODELS_PATH), new LoggingModelListener(), audioModels::check);
        }
        return registry;
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        RestHandlersServices services,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RestGetModelsAction(), new RestPutModelAction(), new RestDeleteModelAction(), new RestEmbedAudioAction(),
            new RestTrainModelAction());
    }

    @Override
    public Collection<ActionHandler> getActions() {
        return List.of(
            new ActionHandler(EmbedAudioAction.INSTANCE, TransportEmbedAudioAction.class),
            new ActionHandler(ModelsNodesAction.INSTANCE, TransportModelsNodesAction.class),
            new ActionHandler(PutModelAction.INSTANCE, TransportPutModelAction.class),
            new ActionHandler(DeleteModelAction.INSTANCE, TransportDeleteModelAction.class),
            new ActionHandler(TrainModelAction.INSTANCE, TransportTrainModelAction.class)
        );
    }

    @Override
    public Collection<SystemIndexDescriptor> getSystemIndexDescriptors(Settings nodeSettings) {
        return List.of(ModelIndex.descriptor());
    }

    @Override
    public String getFeatureName() {
        return "audio_pq";
    }

    @Override
    public String getFeatureDescription() {
        return "Model bundles uploaded with PUT _audio_pq/models/{name}";
    }

    /** Names {@code pq_knn} and {@code <field>.pq} where Elasticsearch refuses a {@code knn} on a {@code pq_vector} field. */
    @Override
    public Collection<MappedActionFilter> getMappedActionFilters() {
        return List.of(new KnnOnPqVectorFilter(() -> clusterService.state()));
    }

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(AudioEmbeddingProcessor.TYPE, new AudioEmbeddingProcessorFactory(audio));
    }

    @Override
    public void close() {
        audioModels.close();
    }

    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(PqVectorFieldMapper.CONTENT_TYPE, PqVectorFieldMapper.parser(bundles));
    }

    @Override
    public List<QuerySpec<?>> getQueries() {
        return List.of(new QuerySpec<>(PqKnnQueryBuilder.NAME, PqKnnQueryBuilder::new, PqKnnQueryBuilder::fromXContent));
    }

    /** {@code audio_embedding}: a clip as the query vector of Elasticsearch's {@code knn} query, section and retriever. */
    @Override
    public List<QueryVectorBuilderSpec<?>> getQueryVectorBuilders() {
        return List.of(new QueryVectorBuilderSpec<>(AudioEmbeddingQueryVectorBuilder.NAME, AudioEmbeddingQueryVectorBuilder::new,
            (parser, context) -> AudioEmbeddingQueryVectorBuilder.fromXContent(parser)));
    }

    @Override
    public List<NamedWriteableRegistry.Entry> getNamedWriteables() {
        return List.of(
            new NamedWriteableRegistry.Entry(QueryVectorSource.class, LikeDocument.NAME, LikeDocument::new),
            new NamedWriteableRegistry.Entry(QueryVectorSource.class, QueryAudio.NAME, QueryAudio::new),
            // GET _tasks on another node than the training's reads the status over the wire.
            new NamedWriteableRegistry.Entry(Task.Status.class, TrainModelTask.Status.NAME, TrainModelTask.Status::new)
        );
    }

    /** Every bundle of the node: its config folder's (loaded on first use) and those uploaded to the cluster. */
    public ModelRegistry modelRegistry() {
        return bundles.registry();
    }

    private ModelRegistry configRegistry() {
        ModelRegistry loaded = registry;
        if (loaded == null) {
            if (configPath == null) {
                throw new IllegalStateException("model bundles are not loaded yet: the node is still starting");
            }
            loaded = loadRegistry(configPath);
        }
        return loaded;
    }

    /** The node's name (from its settings until the node has started). */
    public String nodeName() {
        String name = nodeName;
        return name != null ? name : Node.NODE_NAME_SETTING.get(settings);
    }
}
