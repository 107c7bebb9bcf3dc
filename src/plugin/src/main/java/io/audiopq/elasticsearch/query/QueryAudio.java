package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioEmbeddingService;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;
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
 * {@code "query_audio": {"audio": "<base64>", "model_id": "<bundle>"}}: query by sound. The
 * coordinating node embeds the clip once with the audio bundle {@code model_id} through
 * {@link AudioEmbeddingQueryVectorBuilder} (the builder {@code knn} takes a clip with) and searches
 * with its <b>clip-level</b> embedding, the vector the processor writes to
 * {@code <target_field>.embedding}. {@code model} is a deprecated alias of {@code model_id}.
 *
 * <p>{@code model_id} is optional: without it the coordinating node takes the bundle that the
 * targeted indices' mappings name for the {@code pq_vector} field ({@link #complete}); indices that
 * disagree, a field that is no {@code pq_vector} anywhere, and remote clusters (whose mappings are
 * not known there) are refused, asking for {@code model_id}. An explicit {@code model_id} wins; it must be
 * the bundle that embedded the indexed audio: a bundle with other dimensions fails on the shards,
 * one with the same dimensions but another network gives meaningless scores. The audio is decoded
 * from base64 when the query is parsed (invalid base64 or an oversized clip is refused then);
 * unusable audio (corrupt, empty, unsupported, too long) is refused when the query is rewritten.
 * Limits are the processor's defaults: 64 MB encoded, 300 s.
 */
public final class QueryAudio implements QueryVectorSource {

    public static final String NAME = "query_audio";
    private static final ParseField MODEL_ID = new ParseField(AudioEmbeddingQueryVectorBuilder.MODEL_ID.getPreferredName(), "model");
    private static final String SUBJECT = "[" + PqKnnQueryBuilder.NAME + "] [" + NAME + "]";

    private static final ObjectParser<Parsed, Void> PARSER = new ObjectParser<>(NAME, Parsed::new);
    static {
        PARSER.declareField((p, v) -> p.audio = v, AudioEmbeddingService::value, AudioEmbeddingQueryVectorBuilder.AUDIO,
            ObjectParser.ValueType.VALUE);
        PARSER.declareString((p, v) -> p.model = v, MODEL_ID);
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
            throw new IllegalArgumentException(SUBJECT + " requires [audio]: base64-encoded audio");
        }
        if (model != null && model.isEmpty()) {
            throw new IllegalArgumentException(SUBJECT
                + " [model_id] must not be empty: name the audio bundle that embedded the indexed audio, or leave [model_id] out to use "
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

    /** Decodes the clip after the object parser has run, so that its errors are not wrapped as the cause of a parse failure. */
    public static QueryAudio fromXContent(XContentParser parser) throws IOException {
        Parsed parsed = PARSER.parse(parser, null);
        return new QueryAudio(AudioEmbeddingQueryVectorBuilder.clip(parsed.audio, SUBJECT), parsed.model);
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
        builder.field(AudioEmbeddingQueryVectorBuilder.AUDIO.getPreferredName(), Base64.getEncoder().encodeToString(audio));
        if (model != null) {
            builder.field(MODEL_ID.getPreferredName(), model);
        }
        return builder.endObject();
    }

    /** Without {@code model_id}: the bundle the targeted indices map {@code field} to (the same in all of them). */
    @Override
    public QueryVectorSource complete(String field, QueryRewriteContext context) {
        if (model != null) {
            return this;
        }
        if (context.getResolvedIndices() == null) {
            // Only the search action's coordinating rewrite knows the targeted indices.
            throw new IllegalArgumentException(
                SUBJECT + " requires [model_id] here: the bundle of field [" + field + "] is read from the targeted indices' mappings, "
                    + "which only a search's coordinating node knows"
            );
        }
        return new QueryAudio(audio, ClusterMappings.bundleOf(field, context.getResolvedIndices(), SUBJECT));
    }

    /** Embeds the clip through {@link AudioEmbeddingQueryVectorBuilder}, the one code path for query clips; failures name this input. */
    @Override
    public void resolve(String field, Client client, ActionListener<float[]> listener) {
        if (model == null) {
            throw new IllegalStateException(SUBJECT + " must be completed with the field's bundle before it is resolved");
        }
        new AudioEmbeddingQueryVectorBuilder(model, audio).buildVector(client, SUBJECT + " ", listener);
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
