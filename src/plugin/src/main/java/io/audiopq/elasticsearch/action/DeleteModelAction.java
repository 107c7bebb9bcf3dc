package io.audiopq.elasticsearch.action;

import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.io.stream.StreamOutput;

/** Removes an uploaded bundle from the cluster and from every node ({@code DELETE _audio_pq/models/{name}}): see {@link TransportDeleteModelAction}. */
public final class DeleteModelAction {

    public static final String NAME = "cluster:admin/audio_pq/models/delete";
    public static final ActionType<AcknowledgedResponse> INSTANCE = new ActionType<>(NAME);

    private DeleteModelAction() {}

    public static final class Request extends ActionRequest {
        private final String name;

        public Request(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }

        @Override
        public void writeTo(StreamOutput out) {
            TransportAction.localOnly();
        }
    }
}
