package io.audiopq.elasticsearch.action;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.DELETE;

/** {@code DELETE _audio_pq/models/{name}}: see {@link TransportDeleteModelAction}. */
public final class RestDeleteModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "audio_pq_delete_model_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(DELETE, "/_audio_pq/models/{name}"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        DeleteModelAction.Request delete = new DeleteModelAction.Request(request.param("name"));
        return channel -> client.execute(DeleteModelAction.INSTANCE, delete, new RestToXContentListener<>(channel));
    }
}
