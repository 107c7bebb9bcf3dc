package io.audiopq.elasticsearch.action;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.rest.action.RestActionListener;
import org.elasticsearch.xcontent.XContentBuilder;

import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.GET;

/**
 * {@code GET _audio_pq/models}, {@code GET _audio_pq/models/{name}} and
 * {@code GET _audio_pq/models/{name}/_stats}: the cluster-wide view of the bundles through
 * {@link ModelsNodesAction} (each node's status, checksum or error, so that a node that lacks a
 * bundle or holds another copy stands out). An unknown name is a 404 listing the bundles the
 * nodes have.
 */
public final class RestGetModelsAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "audio_pq_get_models_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(
            new Route(GET, "/_audio_pq/models"),
            new Route(GET, "/_audio_pq/models/{name}"),
            new Route(GET, "/_audio_pq/models/{name}/_stats")
        );
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("name");
        boolean stats = request.path().endsWith("/_stats");
        return channel -> client.execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(false), new RestActionListener<>(channel) {
            @Override
            protected void processResponse(ModelsNodesAction.Response response) throws Exception {
                if (name != null && response.byModel().containsKey(name) == false) {
                    throw response.notFound(name); // before any byte of the body is written
                }
                XContentBuilder builder = channel.newBuilder();
                channel.sendResponse(new RestResponse(RestStatus.OK, stats ? response.stats(builder, name) : response.models(builder, name)));
            }
        });
    }
}
