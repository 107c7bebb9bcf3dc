package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.mapper.PqVectorFieldMapper;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.search.SearchPhaseExecutionException;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.search.ShardSearchFailure;
import org.elasticsearch.action.search.TransportSearchAction;
import org.elasticsearch.action.support.ActionFilterChain;
import org.elasticsearch.action.support.MappedActionFilter;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.tasks.Task;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Names {@code pq_knn} and {@code <field>.pq} when Elasticsearch's {@code knn} (query, section or
 * retriever) is run on a {@code pq_vector} field. Elasticsearch refuses it on every shard with
 * {@value #KNN_REFUSAL}, which does not say what to do instead, and offers plugins no hook into
 * that check (an {@code instanceof} in {@code KnnVectorQueryBuilder}), so this filter on the search
 * action replaces the failure on the coordinating node: when the failing shards' indices map a
 * field that the request names as {@code pq_vector}, the 400 says so.
 */
public final class KnnOnPqVectorFilter implements MappedActionFilter {

    /** Elasticsearch's message for a knn on a field that is no dense_vector. */
    static final String KNN_REFUSAL = "[knn] queries are only supported on [dense_vector] fields";

    private final Supplier<ClusterState> state;

    /** @param state the node's cluster state (the mappings of the failing shards' indices) */
    public KnnOnPqVectorFilter(Supplier<ClusterState> state) {
        this.state = state;
    }

    @Override
    public String actionName() {
        return TransportSearchAction.TYPE.name();
    }

    @Override
    public <Request extends ActionRequest, Response extends ActionResponse> void apply(Task task, String action, Request request,
        ActionListener<Response> listener, ActionFilterChain<Request, Response> chain) {
        chain.proceed(task, action, request, listener.delegateResponse((l, e) -> l.onFailure(explained(e, request))));
    }

    /** {@code e}, or a 400 naming the {@code pq_vector} fields a refused knn targeted. */
    private Exception explained(Exception e, ActionRequest request) {
        if (e instanceof SearchPhaseExecutionException failure && request instanceof SearchRequest search && search.source() != null) {
            return explained(failure, search);
        }
        return e;
    }

    private Exception explained(SearchPhaseExecutionException failure, SearchRequest search) {
        Exception e = failure;
        Set<String> indices = new TreeSet<>();
        for (ShardSearchFailure shard : failure.shardFailures()) {
            if (shard.reason() != null && shard.reason().contains(KNN_REFUSAL) && shard.index() != null) {
                indices.add(shard.index());
            }
        }
        if (indices.isEmpty()) {
            return e;
        }
        String source = search.source().toString();
        Set<String> fields = new TreeSet<>();
        for (String index : indices) {
            IndexMetadata metadata = state.get().metadata().getProject().index(index);
            if (metadata == null) {
                continue;
            }
            for (String field : ClusterMappings.fieldsOfType(metadata.mapping(), PqVectorFieldMapper.CONTENT_TYPE)) {
                if (Pattern.compile("\"field\"\\s*:\\s*\"" + Pattern.quote(field) + "\"").matcher(source).find()) {
                    fields.add(field);
                }
            }
        }
        if (fields.isEmpty()) {
            return e;
        }
        StringBuilder message = new StringBuilder(KNN_REFUSAL);
        for (String field : fields) {
            message.append("; [").append(field).append("] is a [").append(PqVectorFieldMapper.CONTENT_TYPE).append("] field: search it with the [")
                .append(PqKnnQueryBuilder.NAME).append("] query, or run [knn] on its [").append(field).append('.')
                .append(PqVectorFieldMapper.CHILD_NAME).append("] sub-field");
        }
        return new IllegalArgumentException(message.toString(), e);
    }
}
