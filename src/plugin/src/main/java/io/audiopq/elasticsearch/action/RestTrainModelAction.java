package io.audiopq.elasticsearch.action;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.POST;

/**
 * {@code POST _audio_pq/models/{name}/_train[?wait_for_completion=false]} with a JSON body (see
 * {@link TrainModelAction.Request}): see {@link TransportTrainModelAction}. Waiting (the default),
 * the training is cancelled when the client closes the connection; with
 * {@code wait_for_completion=false} the answer is {@code {"task": "<node>:<id>"}} at once and the
 * result is kept in the {@code .tasks} index for {@code GET _tasks/<task>}, as {@code _reindex} does.
 */
public final class RestTrainModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "audio_pq_train_model_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_audio_pq/models/{name}/_train"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        boolean waitForCompletion = request.paramAsBoolean("wait_for_completion", true);
        TrainModelAction.Request train;
        try (XContentParser parser = request.contentParser()) {
            train = TrainModelAction.Request.parse(name, parser);
        }
        if (waitForCompletion) {
            return channel -> new RestCancellableNodeClient(client, request.getHttpChannel()).execute(TrainModelAction.INSTANCE, train,
                new RestToXContentListener<>(channel));
        }
        train.setShouldStoreResult(true);
        var validation = train.validate();
        if (validation != null) {
            throw validation;
        }
        return channel -> {
            Task task = client.executeLocally(TrainModelAction.INSTANCE, train, org.elasticsearch.action.ActionListener.noop());
            XContentBuilder builder = channel.newBuilder();
            builder.startObject().field("task", new TaskId(client.getLocalNodeId(), task.getId()).toString()).endObject();
            channel.sendResponse(new RestResponse(RestStatus.OK, builder));
        };
    }
}
