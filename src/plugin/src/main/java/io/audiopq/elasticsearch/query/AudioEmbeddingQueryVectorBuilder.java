package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.elasticsearch.action.EmbedAudioAction;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessorFactory;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.search.vectors.QueryVectorBuilder;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * {@code "query_vector_builder": {"audio_embedding": {"model_id": "<audio bundle>", "audio": "<base64>"}}}:
 * a clip as the query vector of Elasticsearch's {@code knn} query, top-level {@code knn} section
 * and {@code knn} retriever, as ML's {@code text_embedding} builder does for text. The
 * coordinating node embeds the clip once, before shard requests go out, through
 * {@link EmbedAudioAction} (the ingest processor's decode and embed code, with the
 * {@code audio_pq} breaker and the node's decode limits) and searches with its clip-level
 * embedding, the vector the processor writes to {@code <target_field>.embedding}.
 *
 * <p>{@code model_id} is required: a builder sees no mapping, so it cannot take the field's bundle
 * as {@code pq_knn}'s {@code query_audio} can. {@link QueryAudio} resolves through this builder
 * too, so both queries embed a clip the same way.
 */
public final class AudioEmbeddingQueryVectorBuilder implements QueryVectorBuilder {

    public static final String NAME = "audio_embedding";
    public static final ParseField MODEL_ID = new ParseField("model_id");
    public static final ParseField AUDIO = new ParseField("audio");

    private static final ObjectParser<Parsed, Void> PARSER = new ObjectParser<>(NAME, Parsed::new);
    static {
        PARSER.declareField((p, v) -> p.audio = v, AudioEmbeddingService::value, AUDIO, ObjectParser.ValueType.VALUE);
        PARSER.declareString((p, v) -> p.modelId = v, MODEL_ID);
    }

    private static final class Parsed {
        Object audio;
        String modelId;
    }

    private final String modelId;
    private final byte[] audio;

    /**
     * @param modelId the audio bundle that embedded the indexed audio
     * @param audio the encoded clip (WAV, FLAC, Ogg Vorbis or MP3; detected from the bytes)
     */
    public AudioEmbeddingQueryVectorBuilder(String modelId, byte[] audio) {
        if (modelId == null || modelId.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + MODEL_ID.getPreferredName()
                + "]: the audio bundle that embedded the indexed audio");
        }
        if (audio == null || audio.length == 0) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + AUDIO.getPreferredName() + "]: base64-encoded audio");
        }
        this.modelId = modelId;
        this.audio = audio;
    }

    public AudioEmbeddingQueryVectorBuilder(StreamInput in) throws IOException {
        this(in.readString(), in.readByteArray());
    }

    /**
     * Parses the builder's object. The clip is decoded from base64 after the object parser has
     * run, so that a bad clip's message is the error itself rather than the cause of a
     * "failed to parse field" wrapper.
     */
    public static AudioEmbeddingQueryVectorBuilder fromXContent(XContentParser parser) {
        Parsed parsed = PARSER.apply(parser, null);
        return new AudioEmbeddingQueryVectorBuilder(parsed.modelId, clip(parsed.audio, "[" + NAME + "]"));
    }

    /**
     * The clip of an {@code audio} value as parsed by {@link AudioEmbeddingService#value}: base64
     * text or raw bytes, at most the processor's default {@code max_bytes}; null stays null.
     *
     * @param subject the object holding {@code audio}, for the messages
     */
    static byte[] clip(Object audio, String subject) {
        if (audio == null) {
            return null;
        }
        return AudioEmbeddingService.bytes(audio, AudioEmbeddingProcessorFactory.DEFAULT_MAX_BYTES.getBytes(), subject + " [audio]");
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        // The plugin is built for exactly one Elasticsearch version.
        return TransportVersion.minimumCompatible();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(modelId);
        out.writeByteArray(audio);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field(MODEL_ID.getPreferredName(), modelId);
        builder.field(AUDIO.getPreferredName(), Base64.getEncoder().encodeToString(audio));
        return builder.endObject();
    }

    @Override
    public void buildVector(Client client, ActionListener<float[]> listener) {
        buildVector(client, "[" + NAME + "] ", listener);
    }

    /** Embeds the clip; a failure's message starts with {@code prefix}, naming the part of the request that was wrong. */
    void buildVector(Client client, String prefix, ActionListener<float[]> listener) {
        client.execute(
            EmbedAudioAction.INSTANCE,
            new EmbedAudioAction.Request(modelId, audio),
            ActionListener.wrap(response -> listener.onResponse(response.embedding()), e -> listener.onFailure(named(prefix, e)))
        );
    }

    /** The action's failure with {@code prefix} before its message, keeping its type and so its status. */
    private static Exception named(String prefix, Exception e) {
        if (e instanceof ResourceNotFoundException) {
            return new ResourceNotFoundException(prefix + "{}", e, e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new IllegalArgumentException(prefix + e.getMessage(), e);
        }
        // The 429s (breaker, decode turns) keep their type and status, and name the input too.
        if (e instanceof CircuitBreakingException c) {
            CircuitBreakingException named = new CircuitBreakingException(prefix + c.getMessage(), c.getBytesWanted(), c.getByteLimit(),
                c.getDurability());
            named.initCause(c);
            return named;
        }
        if (e instanceof EsRejectedExecutionException r) {
            EsRejectedExecutionException named = new EsRejectedExecutionException(prefix + r.getMessage(), r.isExecutorShutdown());
            named.initCause(r);
            return named;
        }
        return e;
    }

    public String modelId() {
        return modelId;
    }

    /** The encoded clip (a copy). */
    public byte[] audio() {
        return audio.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioEmbeddingQueryVectorBuilder other && modelId.equals(other.modelId) && Arrays.equals(audio, other.audio);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, Arrays.hashCode(audio));
    }

    @Override
    public String toString() {
        return NAME + "[model_id=" + modelId + ", " + audio.length + " bytes]";
    }
}
