package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.AudioEmbeddingService;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.POST;

/**
 * {@code POST _audio_pq/models/{name}/_embed} with {@code {"audio": "<base64>"}}: the clip-level
 * embedding of the audio with bundle {@code name}, on the node that receives the request (see
 * {@link EmbedAudioAction}). Handy to look at what {@code query_audio} searches with.
 */
public final class RestEmbedAudioAction extends BaseRestHandler {

    private static final ParseField AUDIO = new ParseField("audio");
    private static final ObjectParser<Body, Void> PARSER = new ObjectParser<>("embed", Body::new);
    static {
        PARSER.declareField((b, v) -> b.audio = v, AudioEmbeddingService::value, AUDIO, ObjectParser.ValueType.VALUE);
    }

    private static final class Body {
        Object audio;
    }

    @Override
    public String getName() {
        return "audio_pq_embed_audio_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_audio_pq/models/{name}/_embed"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        Body body;
        try (XContentParser parser = request.contentParser()) {
            body = PARSER.parse(parser, null);
        }
        if (body.audio == null) {
            throw new IllegalArgumentException("[audio] is required: base64-encoded audio");
        }
        byte[] audio = AudioEmbeddingService.bytes(body.audio, TransportEmbedAudioAction.LIMITS.maxBytes(), "[audio]");
        EmbedAudioAction.Request embed = new EmbedAudioAction.Request(name, audio);
        return channel -> client.execute(EmbedAudioAction.INSTANCE, embed, new RestToXContentListener<>(channel));
    }
}
