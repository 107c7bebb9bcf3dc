package io.audiopq.elasticsearch.action;

import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Map;

import static org.elasticsearch.action.ValidateActions.addValidationError;

/**
 * Stores a bundle archive in the cluster under a name and has every node load it
 * ({@code PUT _audio_pq/models/{name}}): see {@link TransportPutModelAction}. Local only: the
 * archive is validated on the node that receives it before anything is stored.
 */
public final class PutModelAction {

    public static final String NAME = "cluster:admin/audio_pq/models/put";
    public static final ActionType<Response> INSTANCE = new ActionType<>(NAME);

    private PutModelAction() {}

    /**
     * @param checksum the bundle checksum the caller expects (as {@code GET _audio_pq/models} and
     *                 {@code sha256sum} print it), or null to take whatever the archive holds
     */
    public static final class Request extends ActionRequest {
        private final String name;
        private final byte[] archive;
        private final String checksum;

        public Request(String name, byte[] archive, String checksum) {
            this.name = name;
            this.archive = archive;
            this.checksum = checksum;
        }

        public String name() {
            return name;
        }

        public byte[] archive() {
            return archive;
        }

        public String checksum() {
            return checksum;
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (archive == null || archive.length == 0) {
                e = addValidationError("the request body must be the bundle archive (a zip or tar of the bundle folder); it is empty", e);
            }
            return e;
        }

        @Override
        public void writeTo(StreamOutput out) {
            TransportAction.localOnly();
        }
    }

    /** What was stored, and where it loaded: node name → status (and checksum or error). */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String name;
        private final String checksum;
        private final long size;
        private final ModelsNodesAction.Response nodes;

        Response(String name, String checksum, long size, ModelsNodesAction.Response nodes) {
            this.name = name;
            this.checksum = checksum;
            this.size = size;
            this.nodes = nodes;
        }

        String checksum() {
            return checksum;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            toXContentFields(builder);
            return builder.endObject();
        }

        /** The fields of {@link #toXContent}, for {@code _train}'s response, which holds them too. */
        void toXContentFields(XContentBuilder builder) throws IOException {
            builder.field("acknowledged", true);
            builder.field("name", name);
            builder.field("checksum", checksum);
            builder.field("size_in_bytes", size);
            Map<String, ModelsNodesAction.NodeModel> onNodes = nodes.onNodes(name);
            builder.field("status", nodes.status(onNodes));
            builder.startObject("nodes");
            for (var node : nodes.getNodes()) {
                String nodeName = node.getNode().getName();
                ModelsNodesAction.NodeModel model = onNodes.get(nodeName);
                builder.startObject(nodeName);
                builder.field("status", model == null ? "missing" : model.status());
                if (model != null && model.error() != null) {
                    builder.field("error", model.error());
                }
                builder.endObject();
            }
            builder.endObject();
        }

        @Override
        public void writeTo(StreamOutput out) {
            TransportAction.localOnly();
        }
    }
}
