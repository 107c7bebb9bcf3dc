package io.audiopq.elasticsearch;

import io.audiopq.elasticsearch.ingest.IngestTimings;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;

import java.util.List;
import java.util.function.Supplier;

import static org.elasticsearch.rest.RestRequest.Method.GET;

/**
 * {@code GET _audio_pq/models} and {@code GET _audio_pq/models/{name}}: the model bundles of the
 * node that receives the request. An unknown name is a 404 that lists the bundles the node has.
 * Bundles are files on each node, so this is node-local; a cluster-wide view (a nodes action that
 * compares checksums across nodes) is future work.
 */
final class RestGetModelsAction extends BaseRestHandler {

    private final Supplier<ModelRegistry> registry;
    private final Supplier<String> nodeName;
    private final IngestTimings ingestTimings;

    RestGetModelsAction(Supplier<ModelRegistry> registry, Supplier<String> nodeName, IngestTimings ingestTimings) {
        this.registry = registry;
        this.nodeName = nodeName;
        this.ingestTimings = ingestTimings;
    }

    @Override
    public String getName() {
        return "audio_pq_get_models_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_audio_pq/models"), new Route(GET, "/_audio_pq/models/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        ModelRegistry models = registry.get();
        String name = request.param("name");
        List<ModelEntry> entries;
        if (name == null) {
            entries = models.entries();
        } else {
            ModelEntry entry = models.get(name)
                .orElseThrow(
                    () -> new ResourceNotFoundException(
                        "model bundle [{}] not found on node [{}]; bundles on this node: {}",
                        name,
                        nodeName.get(),
                        models.entries().stream().map(ModelEntry::name).toList()
                    )
                );
            entries = List.of(entry);
        }
        ModelsInfo info = new ModelsInfo(nodeName.get(), models.directory().toString(), models.directoryError(), entries, ingestTimings);
        return channel -> channel.sendResponse(new RestResponse(RestStatus.OK, info.toXContent(channel.newBuilder(), request)));
    }
}
