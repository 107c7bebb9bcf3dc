package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.nodes.TransportNodesAction;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link ModelsNodesAction} on every node, on the generic pool (a sync reads archives from the
 * system index and may open ONNX sessions: seconds, never on a transport thread).
 */
public final class TransportModelsNodesAction extends TransportNodesAction<
    ModelsNodesAction.Request,
    ModelsNodesAction.Response,
    ModelsNodesAction.NodeRequest,
    ModelsNodesAction.NodeResponse,
    Void> {

    private final NodeBundles bundles;
    private final AudioEmbeddingService audio;

    @Inject
    public TransportModelsNodesAction(TransportService transportService, ClusterService clusterService, ThreadPool threadPool,
        ActionFilters actionFilters, NodeBundles bundles, AudioEmbeddingService audio) {
        super(ModelsNodesAction.NAME, clusterService, transportService, actionFilters, ModelsNodesAction.NodeRequest::new,
            threadPool.executor(ThreadPool.Names.GENERIC));
        this.bundles = bundles;
        this.audio = audio;
    }

    @Override
    protected ModelsNodesAction.Response newResponse(ModelsNodesAction.Request request, List<ModelsNodesAction.NodeResponse> responses,
        List<FailedNodeException> failures) {
        return new ModelsNodesAction.Response(clusterService.getClusterName(), responses, failures,
            clusterService.state().metadata().getProject());
    }

    @Override
    protected ModelsNodesAction.NodeRequest newNodeRequest(ModelsNodesAction.Request request) {
        return new ModelsNodesAction.NodeRequest(request.sync());
    }

    @Override
    protected ModelsNodesAction.NodeResponse newNodeResponse(StreamInput in, DiscoveryNode node) throws IOException {
        return new ModelsNodesAction.NodeResponse(in, node);
    }

    @Override
    protected ModelsNodesAction.NodeResponse nodeOperation(ModelsNodesAction.NodeRequest request, Task task) {
        if (request.sync) {
            bundles.syncFromIndex();
        }
        ModelRegistry registry = bundles.registry();
        List<ModelsNodesAction.NodeModel> models = new ArrayList<>();
        for (ModelEntry entry : registry.entries()) {
            try {
                models.add(new ModelsNodesAction.NodeModel(
                    entry.name(),
                    entry.source().jsonName(),
                    entry.status().jsonName(),
                    entry.bundle() == null ? null : entry.bundle().checksum(),
                    entry.error(),
                    entry.bundle() == null ? null : ModelsInfo.details(entry.bundle()),
                    audio.ingestTimings().snapshot(entry.name())
                ));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ModelsNodesAction.NodeResponse(transportService.getLocalNode(), registry.directory().toString(),
            registry.directoryError(), models);
    }
}
