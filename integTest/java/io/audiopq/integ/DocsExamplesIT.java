package io.audiopq.integ;

import io.audiopq.testing.RealNode;
import org.junit.Assume;
import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * Runs the request examples of README.md and docs/*.md against the real node, as a reader would
 * paste them. A fenced block right after a {@code <!-- runnable -->} line is an example:
 * <ul>
 *   <li>{@code bash}: run as it is by bash with {@code -euo pipefail}, in a scratch folder that
 *       links the repository's {@code integTest} and {@code pom.xml} (so {@code bash integTest/node.sh url}
 *       finds this node); every command must succeed (the examples use {@code curl -f});</li>
 *   <li>{@code console}: requests in Kibana's console form, {@code METHOD /path} followed by a
 *       JSON body (NDJSON for {@code _bulk}), separated by blank lines; each must answer 2xx, and
 *       a bulk must report no item error.</li>
 * </ul>
 * Blocks run in file order; a file's examples may build on its earlier ones.
 */
public class DocsExamplesIT {

    private static final RealNode NODE = RealNode.fromBuild();
    private static final String MARKER = "<!-- runnable -->";

    record Example(Path file, int line, String language, String body) {}

    @Test
    public void everyRunnableExampleRuns() throws Exception {
        Path repo = Path.of(System.getProperty("audiopq.repo.dir", ".")).toAbsolutePath().normalize();
        // README first, then docs/pq-vector.md (its index is the one docs/pq-knn.md searches), then the rest.
        List<Path> files = new ArrayList<>(List.of(repo.resolve("README.md"), repo.resolve("docs/pq-vector.md")));
        try (Stream<Path> docs = Files.list(repo.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().filter(p -> files.contains(p) == false).forEach(files::add);
        }
        // The examples create these; a node kept from an earlier run may still have them.
        NODE.delete("/my-sounds");
        NODE.delete("/sounds");
        NODE.delete("/_ingest/pipeline/my-sounds");
        int ran = 0;
        for (Path file : files) {
            for (Example example : examples(file)) {
                switch (example.language()) {
                    case "bash" -> runBash(repo, example, Map.of());
                    case "console" -> runConsole(example);
                    default -> throw new AssertionError(where(example) + ": runnable block of unknown language [" + example.language() + "]");
                }
                ran++;
            }
        }
        assertTrue("README.md must carry at least its quick start as a runnable example", ran >= 1);
    }

    static List<Example> examples(Path file) throws IOException {
        return examples(file, MARKER);
    }

    /** The fenced blocks that follow a {@code marker} line in {@code file}, in file order. */
    static List<Example> examples(Path file, String marker) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker) == false) {
                continue;
            }
            int open = i + 1;
            assertTrue(file + ":" + (open + 1) + ": a fenced block must follow " + marker,
                open < lines.size() && lines.get(open).startsWith("```"));
            String language = lines.get(open).substring(3).strip();
            StringBuilder body = new StringBuilder();
            int j = open + 1;
            for (; j < lines.size() && lines.get(j).startsWith("```") == false; j++) {
                body.append(lines.get(j)).append('\n');
            }
            assertTrue(file + ":" + (open + 1) + ": unterminated block", j < lines.size());
            out.add(new Example(file, open + 1, language, body.toString()));
            i = j;
        }
        return out;
    }

    /** Runs a bash example as described above, with {@code env} added to its environment. */
    static void runBash(Path repo, Example example, Map<String, String> env) throws Exception {
        Assume.assumeTrue("curl is not installed (apt-get install curl): skipping the shell examples",
            new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0);
        Path scratch = Files.createTempDirectory("audiopq-example");
        for (String shared : new String[] { "integTest", "pom.xml" }) { // node.sh reads the version from the pom
            Files.createSymbolicLink(scratch.resolve(shared), repo.resolve(shared));
        }
        Path script = scratch.resolve("example.sh");
        Files.writeString(script, example.body(), StandardCharsets.UTF_8);
        Path log = scratch.resolve("example.log");
        ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", script.toString())
            .directory(scratch.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        boolean done = process.waitFor(10, TimeUnit.MINUTES);
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (done == false) {
            process.destroyForcibly();
        }
        assertTrue(where(example) + " did not finish in 10 minutes:\n" + output, done);
        assertEquals(where(example) + " failed:\n" + output, 0, process.exitValue());
        assertFalse(where(example) + " printed an error:\n" + output, output.contains("\"error\""));
    }

    private static void runConsole(Example example) {
        for (String request : example.body().strip().split("\n\\s*\n")) {
            String[] lines = request.strip().split("\n", 2);
            String[] head = lines[0].strip().split("\\s+", 2);
            assertEquals(where(example) + ": [" + lines[0] + "] is not METHOD /path", 2, head.length);
            String path = head[1].startsWith("/") ? head[1] : "/" + head[1];
            String body = lines.length > 1 ? lines[1].strip() + "\n" : null;
            RealNode.Response response = NODE.send(head[0], path, body);
            assertTrue(where(example) + ": " + lines[0] + " answered " + response.status() + ": " + response.body(),
                response.status() >= 200 && response.status() < 300);
            if (path.contains("_bulk")) {
                assertEquals(where(example) + ": " + lines[0] + " had item errors: " + response.body(), false, response.json().get("errors"));
            }
        }
    }

    static String where(Example example) {
        return example.file().getFileName() + ":" + example.line();
    }
}
