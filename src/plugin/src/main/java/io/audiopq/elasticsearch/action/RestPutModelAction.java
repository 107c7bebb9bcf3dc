package io.audiopq.elasticsearch.action;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;

import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.PUT;

/**
 * {@code PUT _audio_pq/models/{name}[?checksum=<sha256>]} with a bundle archive as the body (zip,
 * tar or tar.gz of the bundle folder; e.g. {@code application/zip} or {@code application/octet-stream}; Elasticsearch refuses {@code text/plain}): see
 * {@link TransportPutModelAction}.
 */
public final class RestPutModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "audio_pq_put_model_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(PUT, "/_audio_pq/models/{name}"));
    }

    /** The body is an archive, not JSON: any content type. */
    @Override
    public boolean mediaTypesValid(RestRequest request) {
        return true;
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("name");
        String checksum = request.param("checksum");
        // Copied out of the (pooled, released after this handler) network buffer: the upload outlives it.
        byte[] archive = request.hasContent() ? BytesReference.toBytes(request.content()) : new byte[0];
        PutModelAction.Request put = new PutModelAction.Request(name, archive, checksum);
        return channel -> client.execute(PutModelAction.INSTANCE, put, new RestToXContentListener<>(channel));
    }
}
