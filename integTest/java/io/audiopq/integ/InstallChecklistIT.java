package io.audiopq.integ;

import io.audiopq.testing.RealNode;
import io.audiopq.testing.TestAudio;
import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * README's install checklist, run as written on a clean distribution: its {@code <!-- checklist -->}
 * blocks (install the zip, start the node, wait for the default bundle the plugin uploads itself,
 * upload a bundle archive) run by bash as the node's user with the placeholders the README names
 * ({@code ES_HOME}, {@code ZIP}, {@code URL}, {@code DIR}) set, then its step 5, the quick start, runs
 * against that node. Nothing but the checklist installs anything: {@code node.sh bare-home} only unpacks
 * the 9.5.3 distribution and writes the cluster's own settings (ports, paths, single node) into its
 * config folder, so no bundle lies in {@code config/audio-pq/models}.
 */
public class InstallChecklistIT {

    private static final String MARKER = "<!-- checklist -->";

    @Test
    @SuppressWarnings("unchecked")
    public void theReadmeChecklistRunsOnACleanDistribution() throws Exception {
        Path repo = Path.of(System.getProperty("audiopq.repo.dir", ".")).toAbsolutePath().normalize();
        Path sharedNode = Path.of(System.getProperty("audiopq.node.dir"));
        Path dir = sharedNode.resolveSibling("checklist-node");
        Map<String, String> env = Map.of("ES_ZIP", distribution(sharedNode).toString());
        RealNode.nodeScript(dir, env, "bare-home");
        RealNode node = RealNode.at(dir);
        Path home = node.home();
        Path work = node.runDir().resolve("checklist");
        try {
            // The folder the checklist runs in belongs to the node's user; DIR holds the bundle to upload,
            // the ITs' vector bundle under the README's name.
            RealNode.nodeScript(dir, env, "as-node-user", "mkdir", "-p", work.resolve("bundles").toString());
            copyBundle(Path.of(System.getProperty("audiopq.integ.bundles")).resolve("integ-vectors"),
                work.resolve("bundles").resolve("my-vectors"));

            List<DocsExamplesIT.Example> checklist = DocsExamplesIT.examples(repo.resolve("README.md"), MARKER);
            assertEquals("README.md's checklist blocks: install + start + check, upload", 2, checklist.size());
            String url = node.baseUri().toString().replaceAll("/$", "");
            Map<String, String> placeholders = Map.of("ES_HOME", home.toString(), "ZIP", node.runDir().resolve("plugin.zip").toString(),
                "URL", url, "DIR", work.resolve("bundles").toString());
            for (int i = 0; i < checklist.size(); i++) {
                DocsExamplesIT.Example block = checklist.get(i);
                assertEquals(DocsExamplesIT.where(block), "bash", block.language());
                Path script = work.resolve("step-" + i + ".sh");
                Files.writeString(script, block.body(), StandardCharsets.UTF_8);
                runInFolder(dir, placeholders, work, script);
            }

            assertFalse("the default bundle must come from the plugin, not the config folder",
                Files.exists(home.resolve("config").resolve("audio-pq").resolve("models").resolve("audiopq-default")));
            for (String name : new String[] { "audiopq-default", "my-vectors" }) {
                RealNode.Response r = node.get("/_audio_pq/models/" + name);
                assertEquals(r.body(), 200, r.status());
                Map<String, Object> bundle = (Map<String, Object>) ((Map<String, Object>) r.json().get("models")).get(name);
                assertEquals(r.body(), "loaded", bundle.get("status"));
                assertEquals(r.body(), "cluster", bundle.get("source"));
            }

            // Step 5: the quick start, as written, against this node.
            DocsExamplesIT.Example quickStart = DocsExamplesIT.examples(repo.resolve("README.md")).get(0);
            DocsExamplesIT.runBash(repo, quickStart, Map.of("URL", url));

            // Its index answers a sound the same way through pq_knn's query_audio and Elasticsearch's knn
            // with the audio_embedding builder: the quick start's 400 Hz square tone finds its own clip first.
            String tone = Base64.getEncoder().encodeToString(TestAudio.wav16(squareTone(), 16000));
            String pqKnn = topHit(node, """
                {"query": {"pq_knn": {"field": "audio_embedding.embedding", "k": 2, "query_audio": {"audio": "%s"}}}}""".formatted(tone));
            String knn = topHit(node, """
                {"knn": {"field": "audio_embedding.embedding.pq", "k": 2, "num_candidates": 10,
                 "query_vector_builder": {"audio_embedding": {"model_id": "audiopq-default", "audio": "%s"}}}}""".formatted(tone));
            assertEquals("pq_knn query_audio's top hit", "tone", pqKnn);
            assertEquals("knn + audio_embedding builder's top hit", pqKnn, knn);
        } finally {
            Path pid = home.resolve("elasticsearch.pid"); // the checklist started the node: node.sh stop finds it by this pid
            if (Files.exists(pid)) {
                Files.copy(pid, dir.resolve("state").resolve("pid"), StandardCopyOption.REPLACE_EXISTING);
            }
            RealNode.nodeScript(dir, Map.of(), "stop");
        }
    }

    /** The distribution zip Maven fetched for the build's node. */
    private static Path distribution(Path sharedNode) throws IOException {
        try (Stream<Path> files = Files.list(sharedNode)) {
            return files.filter(p -> p.getFileName().toString().matches("elasticsearch-.*\\.zip")).findFirst()
                .orElseThrow(() -> new IOException("no elasticsearch-*.zip under " + sharedNode + " (mvn pre-integration-test copies it)"));
        }
    }

    /** Runs {@code script} with bash as the node's user in {@code folder}, with {@code env} set; fails on a non-zero exit. */
    private static void runInFolder(Path dir, Map<String, String> env, Path folder, Path script) throws IOException, InterruptedException {
        RealNode.nodeScript(dir, env, "as-node-user", "bash", "-euo", "pipefail", "-c", "cd \"$1\" && . \"$2\"", "checklist",
            folder.toString(), script.toString());
    }

    private static void copyBundle(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                if (file.getFileName().toString().equals("model.json")) {
                    text = text.replace("\"name\": \"integ-vectors\"", "\"name\": \"my-vectors\"");
                    assertTrue("model.json names my-vectors", text.contains("\"name\": \"my-vectors\""));
                }
                Files.writeString(to.resolve(file.getFileName()), text, StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** The quick start's tone.wav: 2 s at 16 kHz of a 400 Hz square wave at ±8000 (20 samples up, 20 down). */
    private static float[] squareTone() {
        float[] samples = new float[32000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (i % 40 < 20 ? 8000 : -8000) / 32768f;
        }
        return samples;
    }

    @SuppressWarnings("unchecked")
    private static String topHit(RealNode node, String body) {
        RealNode.Response r = node.post("/my-sounds/_search", body);
        assertEquals(r.body(), 200, r.status());
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.json().get("hits")).get("hits");
        assertEquals(r.body(), 2, hits.size());
        return (String) hits.get(0).get("_id");
    }
}
