package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.ModelIndex;
import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelDescriptor;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.unit.ByteSizeUnit;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

import java.util.List;
import java.util.Map;

/**
 * {@code PUT _audio_pq/models/{name}}, on the generic pool: refuses a name that a node serves from
 * its config folder or that is stored already (409), unpacks and validates the archive on this node
 * exactly as a bundle folder is loaded (400 naming the key or entry), compares the optional expected
 * checksum (400), stores it in {@link ModelIndex} (409 if a concurrent upload of the name won), then
 * has every node load it and answers with each node's result.
 */
public final class TransportPutModelAction extends TransportAction<PutModelAction.Request, PutModelAction.Response> {

    /**
     * The largest archive {@code PUT _audio_pq/models/{name}} takes, and the most its files may
     * hold unpacked (dynamic; Elasticsearch's {@code http.max_content_length}, 100mb by default,
     * bounds any request body too).
     */
    public static final Setting<ByteSizeValue> MAX_UPLOAD_SIZE = Setting.byteSizeSetting(
        "audio_pq.models.max_upload_size",
        ByteSizeValue.of(100, ByteSizeUnit.MB),
        ByteSizeValue.ofBytes(1),
        ByteSizeValue.of(1, ByteSizeUnit.GB),
        Setting.Property.NodeScope,
        Setting.Property.Dynamic
    );

    private final NodeBundles bundles;
    private final ModelIndex index;
    private final Client client;
    private volatile ByteSizeValue maxUploadSize;

    @Inject
    public TransportPutModelAction(TransportService transportService, ActionFilters actionFilters, ThreadPool threadPool,
        ClusterService clusterService, Client client, NodeBundles bundles, ModelIndex index) {
        super(PutModelAction.NAME, actionFilters, transportService.getTaskManager(), threadPool.executor(ThreadPool.Names.GENERIC));
        this.bundles = bundles;
        this.index = index;
        this.client = client;
        clusterService.getClusterSettings().initializeAndWatch(MAX_UPLOAD_SIZE, v -> maxUploadSize = v);
    }

    @Override
    protected void doExecute(Task task, PutModelAction.Request request, ActionListener<PutModelAction.Response> listener) {
        ActionListener.completeWith(listener, () -> put(request));
    }

    /**
     * Validates, stores and loads an upload; also the last step of {@code _train} (TransportTrainModelAction),
     * so a trained bundle is registered exactly as an uploaded one. Blocks: call it on a pool that may wait.
     */
    PutModelAction.Response put(PutModelAction.Request request) throws Exception {
        String name = request.name();
        checkName(name);
        long max = maxUploadSize.getBytes();
        if (request.archive().length > max) {
            throw new ElasticsearchStatusException("model bundle [{}]: the archive is {} bytes, more than [{}] ({}) allows",
                RestStatus.REQUEST_ENTITY_TOO_LARGE, name, request.archive().length, MAX_UPLOAD_SIZE.getKey(), maxUploadSize);
        }
        checkNotTaken(name);
        ModelBundle bundle;
        try {
            bundle = bundles.unpack(name, request.archive(), max);
        } catch (InvalidBundleException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (request.checksum() != null && request.checksum().equals(bundle.checksum()) == false) {
            throw new IllegalArgumentException("model bundle [" + name + "]: [checksum] is [" + request.checksum()
                + "] but the archive's bundle checksum is [" + bundle.checksum() + "]; the archive is not the bundle you meant to upload");
        }
        index.store(name, bundle.checksum(), request.archive());
        ModelsNodesAction.Response nodes = client.execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(true)).actionGet();
        return new PutModelAction.Response(name, bundle.checksum(), request.archive().length, nodes);
    }

    /** A valid bundle name, or a 400 saying what a name may hold. */
    static void checkName(String name) {
        try {
            ModelDescriptor.checkName(name, name);
        } catch (InvalidBundleException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** 409 when {@code name} is a config-folder bundle on some node or is stored in the cluster already. Blocks. */
    void checkNotTaken(String name) {
        refuseConfigBundle(name, client.execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(false)).actionGet());
        ModelIndex.StoredModel stored = index.get(name);
        if (stored != null) {
            throw ModelIndex.exists(name, stored.checksum());
        }
    }

    /** Config-folder bundles are the operator's files on each node: the API does not shadow or replace them. */
    static void refuseConfigBundle(String name, ModelsNodesAction.Response nodes) {
        Map<String, ModelsNodesAction.NodeModel> onNodes = nodes.onNodes(name);
        List<String> config = onNodes.entrySet().stream().filter(e -> "config".equals(e.getValue().source())).map(Map.Entry::getKey).toList();
        if (config.isEmpty() == false) {
            throw new ElasticsearchStatusException("model bundle [{}] is installed in the config folder (<config>/audio-pq/models/{}) of nodes {}; "
                + "config-folder bundles are read-only through the API: remove the folder from every node, or use another name",
                RestStatus.CONFLICT, name, name, config);
        }
    }
}
