package io.audiopq.elasticsearch.query;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.io.stream.NamedWriteable;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.xcontent.ToXContentFragment;

/**
 * A query input of {@code pq_knn} that is not a vector yet and is expensive to turn into one: a
 * document to read ({@link LikeDocument}), an audio clip to embed ({@link QueryAudio}). {@link PqKnnQueryBuilder}
 * resolves it once, in {@code doRewrite} on the coordinating node, before shard requests go out, so
 * every shard receives a plain {@code query_vector}.
 *
 * <p>A new kind of input implements this interface, registers a named writeable for
 * {@code QueryVectorSource.class} and declares its key in {@link PqKnnQueryBuilder}'s parser;
 * nothing else in the query changes. {@link #toXContent} writes the input's key and value
 * (e.g. {@code "like": {...}}) into the query object.
 */
public interface QueryVectorSource extends NamedWriteable, ToXContentFragment {

    /** The query's key for this input, e.g. {@code like}. */
    String key();

    /**
     * Completes this input from what the coordinating node knows about the targeted indices, before
     * {@link #resolve} runs (e.g. the bundle of {@code field}'s mapping where the query names none).
     * Returns this input when nothing is missing.
     *
     * @throws IllegalArgumentException if the input cannot be completed; the message says why
     */
    default QueryVectorSource complete(String field, QueryRewriteContext context) {
        return this;
    }

    /**
     * Produces the query vector for {@code field} and hands it to {@code listener} (or a failure
     * whose message says what went wrong with this input).
     */
    void resolve(String field, Client client, ActionListener<float[]> listener);
}
