package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.IngestTimings;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.FailedNodeException;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.nodes.BaseNodeResponse;
import org.elasticsearch.action.support.nodes.BaseNodesRequest;
import org.elasticsearch.action.support.nodes.BaseNodesResponse;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.metadata.ProjectMetadata;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.transport.AbstractTransportRequest;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bundles of every node, as one nodes action (as ingest-geoip's stats action reports each
 * node's databases): per node and bundle its source, whether it loaded (or its error), its
 * checksum and what it has embedded. {@code GET _audio_pq/models[/{name}]} and
 * {@code GET _audio_pq/models/{name}/_stats} render it; with {@link Request#sync} every node first
 * reconciles its uploaded bundles with the cluster's ({@code PUT} and {@code DELETE} send that),
 * so their answer says where the change took effect.
 */
public final class ModelsNodesAction {

    public static final String NAME = "cluster:monitor/audio_pq/models/nodes";
    public static final ActionType<Response> INSTANCE = new ActionType<>(NAME);

    private ModelsNodesAction() {}

    /** All nodes; {@code sync}: reload uploaded bundles from the cluster first. */
    public static final class Request extends BaseNodesRequest {
        private final boolean sync;

        public Request(boolean sync) {
            super((String[]) null);
            this.sync = sync;
        }

        public boolean sync() {
            return sync;
        }
    }

    static final class NodeRequest extends AbstractTransportRequest {
        final boolean sync;

        NodeRequest(boolean sync) {
            this.sync = sync;
        }

        NodeRequest(StreamInput in) throws IOException {
            super(in);
            sync = in.readBoolean();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeBoolean(sync);
        }
    }

    /**
     * One bundle on one node, as sent to the coordinating node: a {@link io.audiopq.model.ModelEntry}
     * rendered for the wire, with that node's ingest counters.
     *
     * @param details the bundle's settings and files as JSON (null when it failed)
     * @param ingest  what the ingest processor embedded with it on this node since start, stage by stage
     */
    public record NodeModel(String name, String source, String status, String checksum, String error, BytesReference details,
        IngestTimings.Snapshot ingest) implements Writeable {

        NodeModel(StreamInput in) throws IOException {
            this(in.readString(), in.readString(), in.readString(), in.readOptionalString(), in.readOptionalString(),
                in.readOptionalBytesReference(), new IngestTimings.Snapshot(in));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeString(source);
            out.writeString(status);
            out.writeOptionalString(checksum);
            out.writeOptionalString(error);
            out.writeOptionalBytesReference(details);
            ingest.writeTo(out);
        }
    }

    /** A node's bundles, its config models folder and why that could not be listed (or null). */
    public static final class NodeResponse extends BaseNodeResponse {
        final String modelsPath;
        final String directoryError;
        final List<NodeModel> models;

        NodeResponse(DiscoveryNode node, String modelsPath, String directoryError, List<NodeModel> models) {
            super(node);
            this.modelsPath = modelsPath;
            this.directoryError = directoryError;
            this.models = List.copyOf(models);
        }

        NodeResponse(StreamInput in, DiscoveryNode node) throws IOException {
            super(in, node);
            modelsPath = in.readString();
            directoryError = in.readOptionalString();
            models = in.readCollectionAsList(NodeModel::new);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeString(modelsPath);
            out.writeOptionalString(directoryError);
            out.writeCollection(models);
        }
    }

    /** Every node's answer, and (from the coordinating node's cluster state) which fields of which indices use each bundle. */
    public static final class Response extends BaseNodesResponse<NodeResponse> {
        private final ProjectMetadata project;

        /** @param project the coordinating node's metadata, for {@link #usage} (read only when asked: it parses every mapping) */
        Response(ClusterName clusterName, List<NodeResponse> nodes, List<FailedNodeException> failures, ProjectMetadata project) {
            super(clusterName, nodes, failures);
            this.project = project;
        }

        @Override
        protected List<NodeResponse> readNodesFrom(StreamInput in) {
            return TransportAction.localOnly();
        }

        @Override
        protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) {
            TransportAction.localOnly();
        }

        /** Bundle name → node name → that node's entry, both sorted. */
        public Map<String, Map<String, NodeModel>> byModel() {
            Map<String, Map<String, NodeModel>> models = new TreeMap<>();
            for (NodeResponse node : getNodes()) {
                for (NodeModel model : node.models) {
                    models.computeIfAbsent(model.name(), n -> new TreeMap<>()).put(node.getNode().getName(), model);
                }
            }
            return models;
        }

        /** index → fields of the {@code pq_vector} fields mapped to {@code model}. */
        public Map<String, List<String>> usage(String model) {
            return ModelUsage.of(project).getOrDefault(model, Map.of());
        }

        private List<String> nodeNames() {
            return getNodes().stream().map(n -> n.getNode().getName()).sorted().toList();
        }

        /** The 404 for a bundle no node has. */
        public ResourceNotFoundException notFound(String name) {
            return new ResourceNotFoundException("model bundle [{}] not found on any of the nodes {}; bundles in the cluster: {}", name,
                nodeNames(), byModel().keySet());
        }

        /**
         * Cluster status of one bundle: {@code loaded} (every node loaded the same checksum),
         * {@code failed} (it failed on every node), {@code mismatch} (nodes loaded different
         * checksums) or {@code partial} (some nodes lack it or failed).
         */
        public String status(Map<String, NodeModel> onNodes) {
            TreeSet<String> checksums = new TreeSet<>();
            int loaded = 0;
            for (NodeModel model : onNodes.values()) {
                if ("loaded".equals(model.status())) {
                    loaded++;
                    checksums.add(model.checksum());
                }
            }
            if (checksums.size() > 1) {
                return "mismatch";
            }
            if (loaded == 0) {
                return "failed";
            }
            return loaded == getNodes().size() ? "loaded" : "partial";
        }

        /** The body of {@code GET _audio_pq/models[/{name}]} ({@code name} null: every bundle). */
        public XContentBuilder models(XContentBuilder builder, String name) throws IOException {
            Map<String, Map<String, NodeModel>> models = byModel();
            if (name != null) {
                Map<String, NodeModel> one = models.get(name);
                if (one == null) {
                    throw notFound(name);
                }
                models = Map.of(name, one);
            }
            builder.startObject();
            header(builder);
            builder.startObject("models");
            for (Map.Entry<String, Map<String, NodeModel>> model : models.entrySet()) {
                model(builder, model.getKey(), model.getValue());
            }
            builder.endObject();
            builder.startObject("nodes");
            for (NodeResponse node : getNodes()) {
                builder.startObject(node.getNode().getName()).field("models_path", node.modelsPath);
                if (node.directoryError != null) {
                    builder.field("error", node.directoryError);
                }
                builder.endObject();
            }
            builder.endObject();
            return builder.endObject();
        }

        private void model(XContentBuilder builder, String name, Map<String, NodeModel> onNodes) throws IOException {
            NodeModel first = onNodes.values().iterator().next();
            NodeModel loaded = onNodes.values().stream().filter(m -> m.details() != null).findFirst().orElse(null);
            NodeModel failed = onNodes.values().stream().filter(m -> m.error() != null).findFirst().orElse(null);
            builder.startObject(name);
            builder.field("name", name);
            builder.field("source", first.source());
            builder.field("status", status(onNodes));
            if (loaded != null) {
                try (var parser = XContentType.JSON.xContent().createParser(org.elasticsearch.xcontent.XContentParserConfiguration.EMPTY,
                    loaded.details().streamInput())) {
                    for (Map.Entry<String, Object> field : parser.mapOrdered().entrySet()) {
                        builder.field(field.getKey(), field.getValue());
                    }
                }
            }
            if (failed != null) {
                builder.field("error", failed.error());
            }
            IngestTimings.Snapshot ingest = ingest(onNodes);
            if (ingest.isEmpty() == false) {
                ingest.toXContent(builder);
            }
            builder.startObject("nodes");
            for (String node : nodeNames()) {
                NodeModel model = onNodes.get(node);
                builder.startObject(node);
                if (model == null) {
                    builder.field("status", "missing");
                } else {
                    builder.field("status", model.status());
                    if (model.checksum() != null) {
                        builder.field("checksum", model.checksum());
                    }
                    if (model.error() != null) {
                        builder.field("error", model.error());
                    }
                }
                builder.endObject();
            }
            builder.endObject();
            builder.endObject();
        }

        /** The body of {@code GET _audio_pq/models/{name}/_stats}. */
        public XContentBuilder stats(XContentBuilder builder, String name) throws IOException {
            Map<String, NodeModel> onNodes = byModel().get(name);
            if (onNodes == null) {
                throw notFound(name);
            }
            Map<String, List<String>> indices = usage(name);
            builder.startObject();
            header(builder);
            builder.field("name", name);
            builder.field("status", status(onNodes));
            builder.startObject("usage");
            builder.field("index_count", indices.size());
            builder.field("field_count", indices.values().stream().mapToInt(List::size).sum());
            builder.startObject("indices");
            for (Map.Entry<String, List<String>> index : indices.entrySet()) {
                builder.startObject(index.getKey()).field("fields", index.getValue()).endObject();
            }
            builder.endObject();
            builder.endObject();
            ingest(onNodes).toXContent(builder);
            builder.startObject("nodes");
            for (Map.Entry<String, NodeModel> node : onNodes.entrySet()) {
                builder.startObject(node.getKey());
                node.getValue().ingest().toXContent(builder);
                builder.endObject();
            }
            builder.endObject();
            return builder.endObject();
        }

        /** The ingest counters of one bundle summed over the nodes. */
        private static IngestTimings.Snapshot ingest(Map<String, NodeModel> onNodes) {
            IngestTimings.Snapshot sum = IngestTimings.Snapshot.EMPTY;
            for (NodeModel model : onNodes.values()) {
                sum = sum.plus(model.ingest());
            }
            return sum;
        }

        /** {@code _nodes}, as Elasticsearch's nodes APIs write it. */
        private void header(XContentBuilder builder) throws IOException {
            builder.startObject("_nodes");
            builder.field("total", getNodes().size() + failures().size());
            builder.field("successful", getNodes().size());
            builder.field("failed", failures().size());
            if (failures().isEmpty() == false) {
                builder.startArray("failures");
                for (FailedNodeException failure : failures()) {
                    builder.startObject().field("node_id", failure.nodeId()).field("reason", failure.getDetailedMessage()).endObject();
                }
                builder.endArray();
            }
            builder.endObject();
        }

        /** For {@code PUT}: where bundle {@code name} loaded, node → entry (absent nodes lack it). */
        public Map<String, NodeModel> onNodes(String name) {
            return byModel().getOrDefault(name, new LinkedHashMap<>());
        }
    }
}
