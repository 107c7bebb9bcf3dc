package io.audiopq.elasticsearch;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.NoShardAvailableActionException;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.get.MultiGetItemResponse;
import org.elasticsearch.action.get.MultiGetRequestBuilder;
import org.elasticsearch.action.get.MultiGetResponse;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.client.internal.OriginSettingClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.routing.IndexRoutingTable;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.UUIDs;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.indices.SystemIndexDescriptor;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Where uploaded bundles live: the system index {@value #NAME} (one primary, a replica as soon as
 * a second node exists), as ingest-geoip keeps its databases in {@code .geoip_databases}. A bundle
 * is one {@code model} document (id = the bundle name: creating it with {@code op_type=create} is
 * what makes one of two concurrent uploads of a name win) plus its archive in {@value #CHUNK_BYTES}
 * byte {@code chunk} documents, written first under an upload id of their own, so a loser or a
 * node that dies mid-upload leaves only chunks no model document points at.
 *
 * <p>Calls block: callers run on the generic thread pool (uploads are rare, administrative and
 * bounded by {@code audio_pq.models.max_upload_size}).
 */
public final class ModelIndex {

    /** The system index (hidden; not reachable through REST). */
    public static final String NAME = ".audio-pq-models";
    /** The origin this plugin's requests to its index run under. */
    static final String ORIGIN = "audio_pq";
    static final int CHUNK_BYTES = 1 << 20;
    private static final int MAPPINGS_VERSION = 1;
    private static final int CHUNKS_PER_BULK = 8;

    /**
     * A bundle stored in the cluster: its model document in the system index, not a loaded bundle
     * (each node unpacks and loads it into a {@link io.audiopq.model.ModelEntry} of {@link NodeBundles}).
     *
     * @param name     the bundle name
     * @param checksum the bundle checksum of the archive's contents
     * @param upload   the upload id its chunks carry
     * @param chunks   how many chunks the archive has
     * @param size     the archive's size in bytes
     */
    public record StoredModel(String name, String checksum, String upload, int chunks, long size) {}

    private final Client client;
    private final ClusterService clusterService;

    public ModelIndex(Client client, ClusterService clusterService) {
        this.client = new OriginSettingClient(client, ORIGIN);
        this.clusterService = clusterService;
    }

    /**
     * Runs a read of the index; if its primary is not active yet (the first upload, possibly
     * another node's, is creating the index right now, or its node restarts), waits up to 30 s for
     * it and reads once more.
     */
    private <T> T read(java.util.function.Supplier<T> read) {
        ClusterState state = clusterService.state();
        if (exists(state) && readable(state) == false) {
            awaitPrimary();
        }
        try {
            return read.get();
        } catch (RuntimeException e) {
            if ((ExceptionsHelper.unwrapCause(e) instanceof NoShardAvailableActionException) == false) {
                throw e;
            }
            awaitPrimary();
            return read.get();
        }
    }

    private void awaitPrimary() {
        var health = client.admin().cluster().prepareHealth(TimeValue.THIRTY_SECONDS, NAME).setWaitForYellowStatus()
            .setTimeout(TimeValue.THIRTY_SECONDS).get();
        if (health.isTimedOut()) {
            throw new ElasticsearchStatusException("the model bundle index [{}] has no active primary shard; retry later",
                RestStatus.SERVICE_UNAVAILABLE, NAME);
        }
    }

    /** The descriptor that makes {@value #NAME} a system index, created on first write with these mappings. */
    public static SystemIndexDescriptor descriptor() {
        return SystemIndexDescriptor.builder()
            .setIndexPattern(NAME + "*")
            .setPrimaryIndex(NAME)
            .setDescription("AudioPQ model bundles uploaded with PUT _audio_pq/models/{name}")
            .setMappings(mappings())
            .setSettings(
                Settings.builder()
                    .put(IndexMetadata.SETTING_NUMBER_OF_SHARDS, 1)
                    .put(IndexMetadata.SETTING_AUTO_EXPAND_REPLICAS, "0-1")
                    .build()
            )
            .setOrigin(ORIGIN)
            .setNetNew()
            .build();
    }

    private static XContentBuilder mappings() {
        try {
            XContentBuilder b = JsonXContent.contentBuilder().startObject().startObject("_doc");
            b.startObject("_meta").field(SystemIndexDescriptor.VERSION_META_KEY, MAPPINGS_VERSION).endObject();
            b.field("dynamic", "strict").startObject("properties");
            for (String keyword : List.of("doc_type", "name", "checksum", "upload")) {
                b.startObject(keyword).field("type", "keyword").endObject();
            }
            b.startObject("chunk").field("type", "integer").endObject();
            b.startObject("chunks").field("type", "integer").endObject();
            b.startObject("size_in_bytes").field("type", "long").endObject();
            b.startObject("created").field("type", "date").endObject();
            b.startObject("data").field("type", "binary").endObject();
            return b.endObject().endObject().endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the index exists and its primary is active in {@code state} (false: nothing stored yet, or not readable yet). */
    static boolean readable(ClusterState state) {
        IndexRoutingTable routing = state.routingTable().index(NAME);
        return routing != null && routing.allPrimaryShardsActive();
    }

    static boolean exists(ClusterState state) {
        return state.metadata().getProject().hasIndex(NAME);
    }

    /**
     * Stores {@code archive} as bundle {@code name}.
     *
     * @throws ElasticsearchStatusException 409 when a bundle of that name is stored already (also when
     *                                      another upload of the name won the race)
     */
    public StoredModel store(String name, String checksum, byte[] archive) {
        String upload = UUIDs.randomBase64UUID();
        int chunks = Math.max(1, (archive.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        for (int first = 0; first < chunks; first += CHUNKS_PER_BULK) {
            BulkRequestBuilder bulk = client.prepareBulk();
            for (int i = first; i < Math.min(chunks, first + CHUNKS_PER_BULK); i++) {
                int from = i * CHUNK_BYTES, to = Math.min(archive.length, from + CHUNK_BYTES);
                byte[] data = java.util.Arrays.copyOfRange(archive, from, to);
                bulk.add(
                    client.prepareIndex(NAME)
                        .setId(chunkId(name, upload, i))
                        .setOpType(DocWriteRequest.OpType.CREATE)
                        .setSource(Map.of("doc_type", "chunk", "name", name, "upload", upload, "chunk", i, "data", data))
                );
            }
            BulkResponse response = bulk.get();
            if (response.hasFailures()) {
                deleteChunks(name, upload, chunks);
                throw new IllegalStateException("cannot store model bundle [" + name + "]: " + response.buildFailureMessage());
            }
        }
        StoredModel stored = new StoredModel(name, checksum, upload, chunks, archive.length);
        try {
            client.prepareIndex(NAME)
                .setId(name)
                .setOpType(DocWriteRequest.OpType.CREATE)
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .setSource(
                    Map.of("doc_type", "model", "name", name, "checksum", checksum, "upload", upload, "chunks", chunks, "size_in_bytes",
                        (long) archive.length, "created", Instant.now().toString())
                )
                .get();
        } catch (RuntimeException e) {
            deleteChunks(name, upload, chunks);
            if (ExceptionsHelper.unwrapCause(e) instanceof VersionConflictEngineException) {
                StoredModel winner = get(name);
                throw exists(name, winner == null ? null : winner.checksum());
            }
            throw e;
        }
        return stored;
    }

    public static ElasticsearchStatusException exists(String name, String checksum) {
        return new ElasticsearchStatusException(
            "model bundle [{}] already exists in the cluster (checksum [{}]); bundles are immutable: DELETE it first or upload under another name",
            RestStatus.CONFLICT,
            name,
            checksum
        );
    }

    /** The stored bundle {@code name}, or null. */
    public StoredModel get(String name) {
        GetResponse response;
        try {
            response = read(() -> client.prepareGet(NAME, name).get());
        } catch (IndexNotFoundException e) {
            return null;
        }
        return response.isExists() ? parse(response.getSourceAsMap()) : null;
    }

    /** Every stored bundle, by name. */
    public List<StoredModel> list() {
        SearchResponse response;
        try {
            response = read(() -> client.prepareSearch(NAME).setQuery(QueryBuilders.termQuery("doc_type", "model")).setSize(10_000).get());
        } catch (IndexNotFoundException e) {
            return List.of();
        }
        try {
            List<StoredModel> models = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                models.add(parse(hit.getSourceAsMap()));
            }
            models.sort(java.util.Comparator.comparing(StoredModel::name));
            return models;
        } finally {
            response.decRef();
        }
    }

    /** The archive of {@code model}, reassembled from its chunks (read by id: real-time, no refresh needed). */
    public byte[] read(StoredModel model) {
        MultiGetRequestBuilder get = client.prepareMultiGet();
        for (int i = 0; i < model.chunks(); i++) {
            get.add(NAME, chunkId(model.name(), model.upload(), i));
        }
        MultiGetResponse response = read(get::get);
        ByteArrayOutputStream archive = new ByteArrayOutputStream((int) model.size());
        for (MultiGetItemResponse item : response.getResponses()) {
            if (item.isFailed() || item.getResponse().isExists() == false) {
                throw new IllegalStateException("model bundle [" + model.name() + "]: chunk [" + item.getId() + "] of its archive is missing"
                    + (item.isFailed() ? ": " + item.getFailure().getMessage() : ""));
            }
            Object data = item.getResponse().getSourceAsMap().get("data");
            archive.writeBytes(data instanceof byte[] bytes ? bytes : Base64.getDecoder().decode((String) data));
        }
        if (archive.size() != model.size()) {
            throw new IllegalStateException("model bundle [" + model.name() + "]: its stored archive has " + archive.size()
                + " bytes, the model document says " + model.size());
        }
        return archive.toByteArray();
    }

    /** Removes the model document first (nodes stop listing the bundle), then its chunks. */
    public void delete(StoredModel model) {
        client.prepareDelete(NAME, model.name()).setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE).get();
        deleteChunks(model.name(), model.upload(), model.chunks());
    }

    private void deleteChunks(String name, String upload, int chunks) {
        BulkRequestBuilder bulk = client.prepareBulk();
        for (int i = 0; i < chunks; i++) {
            bulk.add(client.prepareDelete(NAME, chunkId(name, upload, i)));
        }
        bulk.get(); // a chunk left behind is invisible (no model document names its upload id)
    }

    private static String chunkId(String name, String upload, int chunk) {
        return name + "#" + upload + "#" + chunk;
    }

    private static StoredModel parse(Map<String, Object> source) {
        return new StoredModel(
            (String) source.get("name"),
            (String) source.get("checksum"),
            (String) source.get("upload"),
            ((Number) source.get("chunks")).intValue(),
            ((Number) source.get("size_in_bytes")).longValue()
        );
    }
}
