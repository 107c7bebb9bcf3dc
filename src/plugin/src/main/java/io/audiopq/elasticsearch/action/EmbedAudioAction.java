package io.audiopq.elasticsearch.action;

import io.audiopq.audio.AudioInfo;

import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Objects;

import static org.elasticsearch.action.ValidateActions.addValidationError;

/**
 * Embeds one audio clip with an installed audio bundle on the node that receives the request: the
 * clip-level embedding, the same vector the {@code audio_embedding} processor writes to
 * {@code <target_field>.embedding}. {@code pq_knn}'s {@code query_audio} calls it on the
 * coordinating node; {@code POST _audio_pq/models/{name}/_embed} exposes it.
 *
 * <p>Local only: bundles are files on each node, and the audio is embedded where it arrives, so
 * neither request nor response is ever sent to another node. The name is a {@code cluster:monitor}
 * action, so that in a secured cluster a role needs the {@code monitor} cluster privilege (or this
 * action by name) to query by sound.
 */
public final class EmbedAudioAction {

    public static final String NAME = "cluster:monitor/audio_pq/models/embed";
    public static final ActionType<Response> INSTANCE = new ActionType<>(NAME);

    private EmbedAudioAction() {}

    /** The bundle to embed with and the encoded audio (any format the decoder detects). */
    public static final class Request extends ActionRequest {
        private final String model;
        private final byte[] audio;

        public Request(String model, byte[] audio) {
            this.model = model;
            this.audio = audio;
        }

        public String model() {
            return model;
        }

        public byte[] audio() {
            return audio;
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (Strings.isNullOrEmpty(model)) {
                e = addValidationError("[model] is required", e);
            }
            if (audio == null || audio.length == 0) {
                e = addValidationError("[audio] is required and must not be empty", e);
            }
            return e;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            TransportAction.localOnly();
        }
    }

    /** The clip-level embedding and what the source audio was. */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final float[] embedding;
        private final AudioInfo audio;

        public Response(String model, float[] embedding, AudioInfo audio) {
            this.model = model;
            this.embedding = Objects.requireNonNull(embedding, "embedding");
            this.audio = audio;
        }

        public String model() {
            return model;
        }

        public float[] embedding() {
            return embedding;
        }

        public AudioInfo audio() {
            return audio;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            TransportAction.localOnly();
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            builder.field("model", model);
            builder.field("dimensions", embedding.length);
            builder.array("embedding", embedding);
            builder.startObject("audio");
            builder.field("duration", Math.round(audio.durationSeconds() * 1000) / 1000.0);
            builder.field("sample_rate", audio.sampleRate());
            builder.field("channels", audio.channels());
            builder.field("format", audio.format().id());
            builder.endObject();
            return builder.endObject();
        }
    }
}
