package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * The real node loaded the bundles the build made with make-bundle.sh (integTest/make-bundles.sh)
 * from its config folder: this proves the entitlement policy lets the plugin read them, that a
 * broken bundle is reported without stopping the node, and the HTTP behaviour of
 * {@code GET _audio_pq/models}.
 */
public class ModelsApiIT {

    private static final String GOOD = "integ-vectors";
    private static final String BROKEN = "integ-broken";

    private final RealNode node = RealNode.fromBuild();
    /** The bundles as the build wrote them, before node.sh copied them into the node. */
    private final Path bundles = Path.of(System.getProperty("audiopq.integ.bundles", "target/integ-bundles"));

    @Test
    @SuppressWarnings("unchecked")
    public void listsTheGoodBundleWithItsChecksumsAndTheBrokenOneWithItsError() throws Exception {
        RealNode.Response response = node.get("/_audio_pq/models");
        assertEquals(response.body(), 200, response.status());
        Map<String, Object> body = response.json();
        Map<String, Object> nodes = (Map<String, Object>) body.get("nodes");
        assertEquals(body.toString(), Set.of("audiopq-node-0"), nodes.keySet());
        String modelsPath = (String) ((Map<String, Object>) nodes.get("audiopq-node-0")).get("models_path");
        assertTrue(body.toString(), modelsPath.endsWith("config/audio-pq/models"));

        Map<String, Object> models = (Map<String, Object>) body.get("models");
        // The ITs' bundles plus the project's default bundle (models/) and, with ../shared, the ITs' mn04 bundle.
        assertTrue(body.toString(), models.keySet().containsAll(Set.of(BROKEN, GOOD, "audiopq-default")));

        Map<String, Object> good = (Map<String, Object>) models.get(GOOD);
        assertEquals(good.toString(), "loaded", good.get("status"));
        assertEquals("config", good.get("source"));
        assertEquals("vectors", good.get("kind"));
        assertEquals(16, good.get("dimensions"));
        assertEquals("cosine", good.get("similarity"));
        Map<String, Object> pq = (Map<String, Object>) good.get("pq");
        assertEquals(4, pq.get("m"));
        assertEquals(8, pq.get("bits"));

        // Checksums recomputed here from the files the tool wrote.
        Path dir = bundles.resolve(GOOD);
        Map<String, Object> files = (Map<String, Object>) good.get("files");
        // make-bundle.sh trains IVF centroids by default: min(4 * sqrt(2000), 2000 / 39) = 51 lists.
        assertEquals(Map.of("centroids", "centroids.ivf", "nlist", 51, "encoding", "direct"), good.get("ivf"));
        assertEquals(Set.of("centroids.ivf", "codebook.pq", "model.json"), files.keySet());
        StringBuilder manifest = new StringBuilder();
        for (String file : List.of("centroids.ivf", "codebook.pq", "model.json")) {
            byte[] bytes = Files.readAllBytes(dir.resolve(file));
            Map<String, Object> reported = (Map<String, Object>) files.get(file);
            assertEquals(file, sha256(bytes), reported.get("sha256"));
            assertEquals(file, bytes.length, ((Number) reported.get("size_in_bytes")).intValue());
            manifest.append(sha256(bytes)).append("  ").append(file).append('\n');
        }
        assertEquals(sha256(manifest.toString().getBytes(StandardCharsets.UTF_8)), good.get("checksum"));
        assertFalse(good.containsKey("error"));

        Map<String, Object> broken = (Map<String, Object>) models.get(BROKEN);
        assertEquals("failed", broken.get("status"));
        assertEquals(
            "model bundle [integ-broken]: key [pq.m]: is 8 but codebook [codebook.pq] was trained for M=4",
            broken.get("error")
        );
    }

    @Test
    @SuppressWarnings("unchecked")
    public void getsOneBundleByName() {
        RealNode.Response response = node.get("/_audio_pq/models/" + GOOD);
        assertEquals(response.body(), 200, response.status());
        Map<String, Object> models = (Map<String, Object>) response.json().get("models");
        assertEquals(Set.of(GOOD), models.keySet());
        assertEquals("loaded", ((Map<String, Object>) models.get(GOOD)).get("status"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void unknownBundleIs404WithAClearError() {
        RealNode.Response response = node.get("/_audio_pq/models/no-such-bundle");
        assertEquals(response.body(), 404, response.status());
        Map<String, Object> body = response.json();
        assertEquals(404, body.get("status"));
        Map<String, Object> error = (Map<String, Object>) body.get("error");
        assertEquals("resource_not_found_exception", error.get("type"));
        // The listing also holds models/ (audiopq-default) and, with ../shared, integ-mn04, in name order.
        String reason = (String) error.get("reason");
        assertTrue(reason, reason.startsWith("model bundle [no-such-bundle] not found on any of the nodes [audiopq-node-0]; bundles in the cluster: [audiopq-default, "));
        assertTrue(reason, reason.contains("integ-broken, ") && reason.endsWith("integ-vectors]"));
    }

    /**
     * Through HTTP on the real node: the archive body is taken whatever its content type, unpacked
     * under the data path (the entitlement policy's {@code data} entry), loaded, listed with source
     * {@code cluster}, refused a second time, then deleted.
     */
    @Test
    @SuppressWarnings("unchecked")
    public void uploadsABundleArchiveAndDeletesIt() throws Exception {
        String name = "integ-uploaded";
        Path folder = Files.createTempDirectory("upload").resolve(name);
        Files.createDirectories(folder);
        // The good bundle under another name: same files (codebook, IVF centroids), its own model.json.
        try (var files = Files.list(bundles.resolve(GOOD))) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("model.json") == false).toList()) {
                Files.copy(file, folder.resolve(file.getFileName().toString()));
            }
        }
        Files.writeString(folder.resolve("model.json"),
            Files.readString(bundles.resolve(GOOD).resolve("model.json")).replace("\"" + GOOD + "\"", "\"" + name + "\""));
        java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
        io.audiopq.model.BundleArchive.zipFolder(folder, zip);

        RealNode.Response put = node.putBytes("/_audio_pq/models/" + name, zip.toByteArray(), "application/zip");
        assertEquals(put.body(), 200, put.status());
        assertEquals(put.body(), "loaded", put.json().get("status"));
        Map<String, Object> listed = (Map<String, Object>) ((Map<String, Object>) node.get("/_audio_pq/models/" + name).json().get("models")).get(name);
        assertEquals(listed.toString(), "cluster", listed.get("source"));
        assertEquals(listed.toString(), "loaded", listed.get("status"));
        assertTrue(Files.isDirectory(node.dataDir().resolve("audio-pq/models").resolve((String) listed.get("checksum")).resolve(name)));

        RealNode.Response again = node.putBytes("/_audio_pq/models/" + name, zip.toByteArray(), "application/octet-stream");
        assertEquals(again.body(), 409, again.status());
        assertTrue(again.body(), again.body().contains("model bundle [" + name + "] already exists in the cluster"));
        RealNode.Response junk = node.putBytes("/_audio_pq/models/integ-junk", "not an archive".getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        assertEquals(junk.body(), 400, junk.status());
        assertTrue(junk.body(), junk.body().contains("model bundle [integ-junk]: the body is not a bundle archive"));

        RealNode.Response deleted = node.delete("/_audio_pq/models/" + name);
        assertEquals(deleted.body(), 200, deleted.status());
        assertEquals(404, node.get("/_audio_pq/models/" + name).status());
        assertFalse(Files.readString(node.logFile()).contains("NotEntitledException"));
    }

    @Test
    public void nodeLogReportsBothBundlesAndNoEntitlementRefusal() throws Exception {
        String log = Files.readString(node.logFile());
        assertTrue("the log should report the good bundle", log.contains("loaded model bundle [integ-vectors]: kind [vectors], dimensions [16]"));
        assertTrue(
            "the log should report the broken bundle and why",
            log.contains("failed to load model bundle [integ-broken]: key [pq.m]: is 8 but codebook [codebook.pq] was trained for M=4")
        );
        assertFalse("entitlements must allow reading the bundles", log.contains("NotEntitledException"));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
