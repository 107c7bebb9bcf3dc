package io.audiopq.elasticsearch;

import io.audiopq.model.BundleFixtures;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.rest.FakeRestChannel;
import org.elasticsearch.test.rest.FakeRestRequest;
import org.elasticsearch.xcontent.XContentType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An in-JVM node whose config folder holds a good and a broken bundle: the plugin loads both at
 * node start (the broken one as failed) and its REST handler reports them.
 */
@SuppressWarnings("unchecked")
public class ModelsApiSingleNodeTests extends BundleNodeTestCase {

    private static final String NODE_NAME = "bundles-node";
    @Override
    protected String nodeName() {
        return NODE_NAME;
    }

    @Override
    protected void writeBundles(Path models) throws IOException {
        BundleFixtures.validBundle(models, "good");
        BundleFixtures.bundleFolder(models, "broken", BundleFixtures.modelJson("broken", 8, 2, 4, "l2_norm", "codebook.pq"), 8, 2, 8);
    }

    public void testBundlesLoadFromTheNodesConfigFolder() {
        ModelRegistry registry = getInstanceFromNode(ModelRegistry.class);
        assertEquals(modelsDir(), registry.directory());
        assertEquals(List.of("broken", "good"), registry.entries().stream().map(ModelEntry::name).toList());
        assertEquals(ModelEntry.Status.LOADED, registry.get("good").orElseThrow().status());
        assertEquals(ModelEntry.Status.FAILED, registry.get("broken").orElseThrow().status());
        assertEquals(
            "model bundle [broken]: key [pq.bits]: is 4 but codebook [codebook.pq] was trained for 8-bit codes",
            registry.get("broken").orElseThrow().error()
        );
    }

    public void testListAllModels() throws Exception {
        Map<String, Object> body = get(Map.of());
        assertEquals(Map.of(NODE_NAME, Map.of("models_path", modelsDir().toString())), body.get("nodes"));
        assertEquals(Map.of("total", 1, "successful", 1, "failed", 0), body.get("_nodes"));
        Map<?, ?> models = (Map<?, ?>) body.get("models");
        assertEquals(List.of("broken", "good"), List.copyOf(models.keySet()));

        ModelBundle good = getInstanceFromNode(ModelRegistry.class).bundle("good").orElseThrow();
        Map<?, ?> goodJson = (Map<?, ?>) models.get("good");
        assertEquals("loaded", goodJson.get("status"));
        assertEquals("config", goodJson.get("source"));
        assertEquals(Map.of(NODE_NAME, Map.of("status", "loaded", "checksum", good.checksum())), goodJson.get("nodes"));
        assertEquals("vectors", goodJson.get("kind"));
        assertEquals(8, goodJson.get("dimensions"));
        assertEquals("l2_norm", goodJson.get("similarity"));
        assertEquals(Map.of("m", 2, "bits", 4, "codebook", "codebook.pq", "code_size_in_bytes", 2), goodJson.get("pq"));
        assertEquals(good.checksum(), goodJson.get("checksum"));
        Map<?, ?> files = (Map<?, ?>) goodJson.get("files");
        assertEquals(List.of("codebook.pq", "model.json"), List.copyOf(files.keySet()));
        for (var file : good.files()) {
            Map<?, ?> json = (Map<?, ?>) files.get(file.path());
            assertEquals(file.sha256(), json.get("sha256"));
            assertEquals(Files.size(good.directory().resolve(file.path())), ((Number) json.get("size_in_bytes")).longValue());
        }
        assertNull(goodJson.get("error"));

        Map<?, ?> brokenJson = (Map<?, ?>) models.get("broken");
        String error = getInstanceFromNode(ModelRegistry.class).get("broken").orElseThrow().error();
        assertEquals(
            Map.of("name", "broken", "source", "config", "status", "failed", "error", error, "nodes",
                Map.of(NODE_NAME, Map.of("status", "failed", "error", error))),
            brokenJson
        );
    }

    public void testGetOneModel() throws Exception {
        Map<?, ?> models = (Map<?, ?>) get(Map.of("name", "good")).get("models");
        assertEquals(List.of("good"), List.copyOf(models.keySet()));
        models = (Map<?, ?>) get(Map.of("name", "broken")).get("models");
        assertEquals("failed", ((Map<?, ?>) models.get("broken")).get("status"));
    }

    public void testUnknownModelIsNotFound() throws Exception {
        FakeRestChannel channel = handle(Map.of("name", "nope"));
        assertEquals(RestStatus.NOT_FOUND, channel.capturedResponse().status());
        Map<String, Object> error = (Map<String, Object>) XContentHelper.convertToMap(channel.capturedResponse().content(), true, XContentType.JSON)
            .v2()
            .get("error");
        assertEquals("resource_not_found_exception", error.get("type"));
        assertEquals("model bundle [nope] not found on any of the nodes [" + NODE_NAME + "]; bundles in the cluster: [broken, good]", error.get("reason"));
    }

    /** Runs the plugin's own handler (as registered with the node) and parses its JSON body, keeping key order (bundles are sorted by name). */
    private Map<String, Object> get(Map<String, String> params) throws Exception {
        FakeRestChannel channel = handle(params);
        assertEquals(RestStatus.OK, channel.capturedResponse().status());
        return XContentHelper.convertToMap(channel.capturedResponse().content(), true, XContentType.JSON).v2();
    }

    private FakeRestChannel handle(Map<String, String> params) throws Exception {
        AudioPqPlugin plugin = getInstanceFromNode(PluginsService.class).filterPlugins(AudioPqPlugin.class).findFirst().orElseThrow();
        RestHandler handler = plugin.getRestHandlers(null, null, null).iterator().next();
        FakeRestRequest request = new FakeRestRequest.Builder(xContentRegistry()).withPath("/_audio_pq/models").withParams(params).build();
        FakeRestChannel channel = new FakeRestChannel(request, true);
        handler.handleRequest(request, channel, getInstanceFromNode(NodeClient.class));
        assertBusy(() -> assertEquals(1, channel.responses().get() + channel.errors().get())); // the nodes action answers asynchronously
        return channel;
    }
}
