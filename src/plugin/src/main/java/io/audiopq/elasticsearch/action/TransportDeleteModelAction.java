package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.ModelIndex;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code DELETE _audio_pq/models/{name}}, on the generic pool: a config-folder bundle is read-only
 * (400), an unknown name a 404, a bundle that a {@code pq_vector} mapping names a 409 listing the
 * indices and fields (its codes would become unreadable); otherwise the bundle leaves the index and
 * every node unloads it.
 */
public final class TransportDeleteModelAction extends TransportAction<DeleteModelAction.Request, AcknowledgedResponse> {

    private final ModelIndex index;
    private final Client client;
    private final ClusterService clusterService;

    @Inject
    public TransportDeleteModelAction(TransportService transportService, ActionFilters actionFilters, ThreadPool threadPool,
        ClusterService clusterService, Client client, ModelIndex index) {
        super(DeleteModelAction.NAME, actionFilters, transportService.getTaskManager(), threadPool.executor(ThreadPool.Names.GENERIC));
        this.index = index;
        this.client = client;
        this.clusterService = clusterService;
    }

    @Override
    protected void doExecute(Task task, DeleteModelAction.Request request, ActionListener<AcknowledgedResponse> listener) {
        ActionListener.completeWith(listener, () -> delete(request.name()));
    }

    private AcknowledgedResponse delete(String name) {
        ModelsNodesAction.Response nodes = client.execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(false)).actionGet();
        List<String> config = nodes.onNodes(name).entrySet().stream().filter(e -> "config".equals(e.getValue().source()))
            .map(Map.Entry::getKey).toList();
        if (config.isEmpty() == false) {
            throw new IllegalArgumentException("model bundle [" + name + "] is installed in the config folder (<config>/audio-pq/models/"
                + name + ") of nodes " + config + "; config-folder bundles are read-only through the API: remove the folder on those nodes");
        }
        ModelIndex.StoredModel stored = index.get(name);
        if (stored == null) {
            throw nodes.notFound(name);
        }
        Map<String, List<String>> usage = ModelUsage.of(clusterService.state().metadata().getProject()).getOrDefault(name, Map.of());
        if (usage.isEmpty() == false) {
            List<String> fields = new ArrayList<>();
            usage.forEach((indexName, in) -> fields.add(indexName + " " + in));
            throw new ElasticsearchStatusException("model bundle [{}] is in use: the mappings of indices {} name it (fields: {}); "
                + "their codes need its codebook: delete those indices first", RestStatus.CONFLICT, name, List.copyOf(usage.keySet()),
                String.join(", ", fields));
        }
        index.delete(stored);
        client.execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(true)).actionGet();
        return AcknowledgedResponse.TRUE;
    }
}
