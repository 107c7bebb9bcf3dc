package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.elasticsearch.action.EmbedAudioAction;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessorFactory;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * {@code "query_audio": {"audio": "<base64>", "model": "<bundle>"}}: query by sound. The
 * coordinating node embeds the clip once with the audio bundle {@code model}
 * ({@link EmbedAudioAction}, the ingest processor's decode and embed code) and searches with its
 * <b>clip-level</b> embedding, the vector the processor writes to {@code <target_field>.embedding}.
 *
 * <p>{@code model} is optional: without it the coordinating node takes the bundle that the
 * targeted indices' mappings name for the {@code pq_vector} field ({@link #complete}); indices that
 * disagree, a field that is no {@code pq_vector} anywhere, and remote clusters (whose mappings are
 * not known there) are refused, asking for {@code model}. An explicit {@code model} wins; it must be
 * the bundle that embedded the indexed audio: a bundle with other dimensions fails on the shards,
 * one with the same dimensions but another network gives meaningless scores. The audio is decoded
 * from base64 when the query is parsed (invalid base64 or an oversized clip is refused then);
 * unusable audio (corrupt, empty, unsupported, too long) is refused when the query is rewritten.
 * Limits are the processor's defaults: 64 MB encoded, 300 s.
 */
public final class QueryAudio implements QueryVectorSource {

    public static final String NAME = "query_audio";
    private static final ParseField AUDIO = new ParseField("audio");
    private static final ParseField MODEL = new ParseField("model");
    private static final String SUBJECT = "[" + PqKnnQueryBuilder.NAME + "] [" + NAME + "] [audio]";

    private static final ObjectParser<Parsed, Void> PARSER = new ObjectParser<>(NAME, Parsed::new);
    static {
        PARSER.declareField((p, v) -> p.audio = v, AudioEmbeddingService::value, AUDIO, ObjectParser.ValueType.VALUE);
        PARSER.declareString((p, v) -> p.model = v, MODEL);
    }

    private static final class Parsed {
        Object audio;
        String model;
    }

    private final byte[] audio;
    private final String model;

    /**
     * @param audio the encoded clip (WAV, FLAC, Ogg Vorbis or MP3; detected from the bytes)
     * @param model the audio bundle that embeds it, or null for the bundle of the queried field's mapping
     */
    public QueryAudio(byte[] audio, String model) {
        if (audio == null || audio.length == 0) {
            throw new IllegalArgumentException("[" + PqKnnQueryBuilder.NAME + "] [" + NAME + "] requires [audio]: base64-encoded audio");
        }
        if (model != null && model.isEmpty()) {
            throw new IllegalArgumentException("[" + PqKnnQueryBuilder.NAME + "] [" + NAME
                + "] [model] must not be empty: name the audio bundle that embedded the indexed audio, or leave [model] out to use "
                + "the field's");
        }
        this.audio = audio;
        this.model = model;
    }

    public QueryAudio(StreamInput in) throws IOException {
        this(in.readByteArray(), readModel(in));
    }

    private static String readModel(StreamInput in) throws IOException {
        String model = in.readString();
        return model.isEmpty() ? null : model; // see writeTo
    }

    public static QueryAudio fromXContent(XContentParser parser) throws IOException {
        Parsed parsed = PARSER.parse(parser, null);
        if (parsed.audio == null) {
            return new QueryAudio(null, parsed.model); // names the missing option
        }
        return new QueryAudio(AudioEmbeddingService.bytes(parsed.audio, AudioEmbeddingProcessorFactory.DEFAULT_MAX_BYTES.getBytes(), SUBJECT),
            parsed.model);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeByteArray(audio);
        // No model is written as "", never a valid name, so the layout stays that of plugin versions that
        // required it: they read every query with a model as before, and refuse one without it as lacking [model].
        out.writeString(model == null ? "" : model);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public String key() {
        return NAME;
    }

    /** The encoded clip (a copy). */
    public byte[] audio() {
        return audio.clone();
    }

    /** The bundle named in the query, or null where the field's mapping names it. */
    public String model() {
        return model;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(AUDIO.getPreferredName(), Base64.getEncoder().encodeToString(audio));
        if (model != null) {
            builder.field(MODEL.getPreferredName(), model);
        }
        return builder.endObject();
    }

    /** Without {@code model}: the bundle the targeted indices map {@code field} to (the same in all of them). */
    @Override
    public QueryVectorSource complete(String field, QueryRewriteContext context) {
        if (model != null) {
            return this;
        }
        String subject = "[" + PqKnnQueryBuilder.NAME + "] [" + NAME + "]";
        if (context.getResolvedIndices() == null) {
            // Only the search action's coordinating rewrite knows the targeted indices.
            throw new IllegalArgumentException(
                subject + " requires [model] here: the bundle of field [" + field + "] is read from the targeted indices' mappings, "
                    + "which only a search's coordinating node knows"
            );
        }
        return new QueryAudio(audio, MappedBundle.of(field, context.getResolvedIndices(), subject));
    }

    @Override
    public void resolve(String field, Client client, ActionListener<float[]> listener) {
        client.execute(
            EmbedAudioAction.INSTANCE,
            new EmbedAudioAction.Request(model, audio),
            ActionListener.wrap(response -> listener.onResponse(response.embedding()), e -> listener.onFailure(named(e)))
        );
    }

    /** The action's failure, its message prefixed with this input's name so users see which part of the query was wrong. */
    private static Exception named(Exception e) {
        String prefix = "[" + PqKnnQueryBuilder.NAME + "] [" + NAME + "] ";
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

    @Override
    public boolean equals(Object o) {
        return o instanceof QueryAudio other && Arrays.equals(audio, other.audio) && Objects.equals(model, other.model);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(audio), model);
    }

    @Override
    public String toString() {
        return NAME + "[model=" + (model == null ? "<field's>" : model) + ", " + audio.length + " bytes]";
    }
}
