package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.AudioPqPlugin;
import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.elasticsearch.PqTestBundles;
import io.audiopq.model.BundleArchive;
import io.audiopq.model.BundleFixtures;
import io.audiopq.model.ModelBundleLoader;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESIntegTestCase;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;
import org.junit.AfterClass;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertAcked;

/**
 * Bundles through the API on three in-JVM nodes (and a fourth started later): an upload is
 * validated once, stored in the system index and loaded by every node without a restart; the
 * cluster-wide view shows each node; refusals (config names, stored names, concurrent uploads,
 * size, checksum, invalid archives, deletes of mapped bundles) carry their status and message.
 */
// No dedicated masters: exactly three nodes, then a fourth.
@ESIntegTestCase.ClusterScope(scope = ESIntegTestCase.Scope.TEST, numDataNodes = 3, numClientNodes = 0, supportsDedicatedMasters = false)
public class ModelsClusterTests extends ESIntegTestCase {

    private static Path configDir;

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(AudioPqPlugin.class);
    }

    @Override
    protected Settings nodeSettings(int nodeOrdinal, Settings otherSettings) {
        // No default-bundle upload racing the uploads under test (DefaultBundleClusterTests covers it).
        return Settings.builder().put(super.nodeSettings(nodeOrdinal, otherSettings)).put("audio_pq.models.default_bundle.enabled", false).build();
    }

    @Override
    protected Path nodeConfigPath(int nodeOrdinal) {
        synchronized (ModelsClusterTests.class) {
            if (configDir == null) {
                configDir = createTempDir();
                PqTestBundles.writeAll(configDir);
            }
            return configDir;
        }
    }

    @AfterClass
    public static void forgetConfig() {
        configDir = null;
    }

    private byte[] zip(String name) throws IOException {
        Path folder = BundleFixtures.validBundle(createTempDir(), name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleArchive.zipFolder(folder, out);
        return out.toByteArray();
    }

    private PutModelAction.Response put(String name, byte[] archive, String checksum) {
        return client().execute(PutModelAction.INSTANCE, new PutModelAction.Request(name, archive, checksum)).actionGet();
    }

    private static Map<String, Object> json(ToXContentBody body) throws IOException {
        return XContentHelper.convertToMap(BytesReference.bytes(body.render()), true, XContentType.JSON).v2();
    }

    @FunctionalInterface
    private interface ToXContentBody {
        org.elasticsearch.xcontent.XContentBuilder render() throws IOException;
    }

    private Map<String, Object> models(String name) throws IOException {
        ModelsNodesAction.Response response = client().execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(false)).actionGet();
        return json(() -> response.models(JsonXContent.contentBuilder(), name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static void assertStatus(RestStatus status, String message, Exception e) {
        assertEquals(e.toString(), status, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), ExceptionsHelper.unwrapCause(e).getMessage().contains(message));
    }

    public void testUploadLoadsOnEveryNodeIncludingOneThatJoinsLater() throws Exception {
        byte[] archive = zip("uploaded");
        String expected = ModelBundleLoader.load(BundleFixtures.validBundle(createTempDir(), "uploaded")).checksum();
        PutModelAction.Response put = put("uploaded", archive, expected);
        Map<String, Object> putJson = json(() -> put.toXContent(JsonXContent.contentBuilder(), ToXContent.EMPTY_PARAMS));
        assertEquals(putJson.toString(), "loaded", putJson.get("status"));
        assertEquals(expected, putJson.get("checksum"));
        assertEquals(3, map(putJson.get("nodes")).size());

        Map<String, Object> uploaded = map(map(models("uploaded").get("models")).get("uploaded"));
        assertEquals("cluster", uploaded.get("source"));
        assertEquals("loaded", uploaded.get("status"));
        assertEquals(expected, uploaded.get("checksum"));
        Map<String, Object> nodes = map(uploaded.get("nodes"));
        assertEquals(3, nodes.size());
        for (Object node : nodes.values()) {
            assertEquals(Map.of("status", "loaded", "checksum", expected), node);
        }
        // Every node serves it to mappers and queries, from its own unpacked copy.
        for (NodeBundles bundles : internalCluster().getInstances(NodeBundles.class)) {
            assertEquals(expected, bundles.loaded("uploaded").checksum());
        }

        String fourth = internalCluster().startNode();
        assertBusy(() -> {
            var bundle = internalCluster().getInstance(NodeBundles.class, fourth).loaded("uploaded");
            assertNotNull("not loaded on the late node yet", bundle);
            assertEquals(expected, bundle.checksum());
        }, 60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("loaded", map(map(models("uploaded").get("models")).get("uploaded")).get("status"));

        // A mapping can name it on any node, and documents index with its codebook.
        prepareCreate("uses-uploaded").setSettings(Settings.builder().put("index.codec", "default").put("index.number_of_shards", 2))
            .setMapping("{\"properties\": {\"emb\": {\"type\": \"pq_vector\", \"model\": \"uploaded\"}}}").get();
        prepareIndex("uses-uploaded").setId("1").setSource("{\"emb\": [1,2,3,4,5,6,7,8]}", XContentType.JSON).get();

        ModelsNodesAction.Response stats = client().execute(ModelsNodesAction.INSTANCE, new ModelsNodesAction.Request(false)).actionGet();
        Map<String, Object> statsJson = json(() -> stats.stats(JsonXContent.contentBuilder(), "uploaded"));
        assertEquals(Map.of("index_count", 1, "field_count", 1, "indices", Map.of("uses-uploaded", Map.of("fields", List.of("emb")))),
            statsJson.get("usage"));

        Exception inUse = expectThrows(Exception.class,
            () -> client().execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request("uploaded")).actionGet());
        assertStatus(RestStatus.CONFLICT, "model bundle [uploaded] is in use: the mappings of indices [uses-uploaded] name it (fields: "
            + "uses-uploaded [emb]); their codes need its codebook: delete those indices first", inUse);

        assertAcked(indicesAdmin().prepareDelete("uses-uploaded"));
        AcknowledgedResponse deleted = client().execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request("uploaded")).actionGet();
        assertTrue(deleted.isAcknowledged());
        for (NodeBundles bundles : internalCluster().getInstances(NodeBundles.class)) {
            assertNull(bundles.loaded("uploaded"));
        }
        Exception gone = expectThrows(Exception.class, () -> models("uploaded"));
        assertStatus(RestStatus.NOT_FOUND, "model bundle [uploaded] not found on any of the nodes", gone);

        // The name is free again, and a node restart is never needed.
        put("uploaded", archive, null);
        for (NodeBundles bundles : internalCluster().getInstances(NodeBundles.class)) {
            assertEquals(expected, bundles.loaded("uploaded").checksum());
        }
    }

    public void testTwoUploadsOfOneNameOneWins() throws Exception {
        byte[] first = zip("raced");
        byte[] second = zip("raced");
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Exception> failureA = new AtomicReference<>(), failureB = new AtomicReference<>();
        Thread a = new Thread(() -> upload(start, first, failureA));
        Thread b = new Thread(() -> upload(start, second, failureB));
        a.start();
        b.start();
        a.join();
        b.join();
        assertTrue("exactly one upload must fail: " + failureA.get() + " / " + failureB.get(), (failureA.get() == null) != (failureB.get() == null));
        Exception lost = failureA.get() != null ? failureA.get() : failureB.get();
        assertStatus(RestStatus.CONFLICT, "model bundle [raced] already exists in the cluster", lost);
        assertEquals("loaded", map(map(models("raced").get("models")).get("raced")).get("status"));

        Exception again = expectThrows(Exception.class, () -> put("raced", first, null));
        assertStatus(RestStatus.CONFLICT, "model bundle [raced] already exists in the cluster", again);
    }

    private void upload(CyclicBarrier start, byte[] archive, AtomicReference<Exception> failure) {
        try {
            start.await();
            put("raced", archive, null);
        } catch (Exception e) {
            failure.set(e);
        }
    }

    public void testRefusals() throws Exception {
        Exception config = expectThrows(ElasticsearchStatusException.class, () -> put(PqTestBundles.COSINE, zip(PqTestBundles.COSINE), null));
        assertStatus(RestStatus.CONFLICT, "model bundle [" + PqTestBundles.COSINE + "] is installed in the config folder", config);
        Exception deleteConfig = expectThrows(Exception.class,
            () -> client().execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request(PqTestBundles.COSINE)).actionGet());
        assertStatus(RestStatus.BAD_REQUEST, "config-folder bundles are read-only through the API", deleteConfig);

        Exception checksum = expectThrows(Exception.class, () -> put("summed", zip("summed"), "0".repeat(64)));
        assertStatus(RestStatus.BAD_REQUEST, "model bundle [summed]: [checksum] is [" + "0".repeat(64) + "] but the archive's bundle checksum is [",
            checksum);

        Path broken = BundleFixtures.bundleFolder(createTempDir(), "broken", BundleFixtures.modelJson("broken", 8, 2, 4, "l2_norm", "codebook.pq"), 8, 2, 8);
        ByteArrayOutputStream brokenZip = new ByteArrayOutputStream();
        BundleArchive.zipFolder(broken, brokenZip);
        Exception invalid = expectThrows(Exception.class, () -> put("broken", brokenZip.toByteArray(), null));
        assertStatus(RestStatus.BAD_REQUEST, "model bundle [broken]: key [pq.bits]: is 4 but codebook [codebook.pq] was trained for 8-bit codes",
            invalid);

        Exception renamed = expectThrows(Exception.class, () -> put("other-name", zip("named"), null));
        assertStatus(RestStatus.BAD_REQUEST, "model bundle [other-name]: key [name]: is [named] but the bundle folder is named [other-name]", renamed);

        Exception notArchive = expectThrows(Exception.class, () -> put("junk", "{\"not\": \"an archive\"}".getBytes(), null));
        assertStatus(RestStatus.BAD_REQUEST, "model bundle [junk]: the body is not a bundle archive", notArchive);

        Exception badName = expectThrows(Exception.class, () -> put("Bad Name", zip("named"), null));
        assertStatus(RestStatus.BAD_REQUEST, "model bundle [Bad Name]: key [name]", badName);

        updateClusterSettings(Settings.builder().put(TransportPutModelAction.MAX_UPLOAD_SIZE.getKey(), "100b"));
        try {
            byte[] archive = zip("big");
            Exception tooLarge = expectThrows(Exception.class, () -> put("big", archive, null));
            assertStatus(RestStatus.REQUEST_ENTITY_TOO_LARGE, "model bundle [big]: the archive is " + archive.length
                + " bytes, more than [audio_pq.models.max_upload_size] (100b) allows", tooLarge);
        } finally {
            updateClusterSettings(Settings.builder().putNull(TransportPutModelAction.MAX_UPLOAD_SIZE.getKey()));
        }

        Exception unknown = expectThrows(Exception.class,
            () -> client().execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request("never-stored")).actionGet());
        assertStatus(RestStatus.NOT_FOUND, "model bundle [never-stored] not found on any of the nodes", unknown);

        // Nothing was stored by any refused upload.
        Map<String, Object> models = map(models(null).get("models"));
        for (String refused : List.of("summed", "broken", "other-name", "junk", "big")) {
            assertFalse(refused, models.containsKey(refused));
        }
        assertTrue(Files.isDirectory(configDir.resolve("audio-pq/models").resolve(PqTestBundles.COSINE)));
    }
}
