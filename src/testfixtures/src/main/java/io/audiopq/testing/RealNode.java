package io.audiopq.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The Elasticsearch node that integTest/node.sh started for this build, reached over plain HTTP.
 * Its folder comes from the {@code audiopq.node.dir} system property (set by Failsafe).
 */
public final class RealNode {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP response: status code and body. */
    public record Response(int status, String body) {
        /** The body parsed as a JSON object. */
        public Map<String, Object> json() {
            try {
                return JSON.readValue(body, Map.class);
            } catch (IOException e) {
                throw new UncheckedIOException("response is not a JSON object: " + body, e);
            }
        }
    }

    private final Path dir;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private RealNode(Path dir, URI base) {
        this.dir = dir;
        this.base = base;
    }

    /** The node of this build; fails with a clear message when none was started. */
    public static RealNode fromBuild() {
        String dirProperty = System.getProperty("audiopq.node.dir");
        if (dirProperty == null) {
            throw new IllegalStateException("audiopq.node.dir is not set: run integration tests through Maven (mvn verify)");
        }
        return at(Path.of(dirProperty));
    }

    /** The node that integTest/node.sh runs with {@code NODE_DIR=dir} (its state: run folder, port, pid). */
    public static RealNode at(Path dir) {
        try {
            String port = Files.readString(dir.resolve("state").resolve("port")).trim();
            return new RealNode(dir, URI.create("http://127.0.0.1:" + port));
        } catch (IOException e) {
            throw new UncheckedIOException("no node state under " + dir + ": did integTest/node.sh start run?", e);
        }
    }

    public URI baseUri() {
        return base;
    }

    /** The node's main log file (under its run folder while it runs). */
    public Path logFile() throws IOException {
        return runDir().resolve("logs").resolve("audiopq-integ.log");
    }

    /** The folder the node runs in (node.sh's run folder): its installation, data and logs. */
    public Path runDir() throws IOException {
        return Path.of(Files.readString(dir.resolve("state").resolve("run_dir")).trim());
    }

    /** The node's {@code path.data}. */
    public Path dataDir() throws IOException {
        return runDir().resolve("data");
    }

    /** The node's Elasticsearch installation (where node.sh unpacked the distribution and installed the plugin). */
    public Path home() throws IOException {
        Path run = runDir();
        try (var entries = Files.list(run)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("elasticsearch-") && Files.isDirectory(p))
                .findFirst()
                .orElseThrow(() -> new IOException("no elasticsearch-* installation under " + run));
        }
    }

    /** The pid of the node's JVM as node.sh recorded it. */
    public long pid() throws IOException {
        return Long.parseLong(Files.readString(dir.resolve("state").resolve("pid")).trim());
    }

    /**
     * Restarts the node (integTest/node.sh restart): same data, port and plugin, so segments are
     * reopened by a fresh JVM through SPI. Other ITs share the node, so it must come back green.
     */
    public void restart() throws IOException, InterruptedException {
        nodeScript("restart");
    }

    /**
     * Kills the node with SIGKILL, no shutdown of any kind, and starts the same node again keeping
     * its data (integTest/node.sh kill9); returns once it answers with a yellow or green cluster.
     * What a crash or a power cut leaves: indices recover from their last commit and the translog.
     */
    public void kill9() throws IOException, InterruptedException {
        nodeScript("kill9");
    }

    /** A full garbage collection in the node (node.sh gc), so heap readings compare live data. */
    public void gc() throws IOException, InterruptedException {
        nodeScript("gc");
    }

    private void nodeScript(String command) throws IOException, InterruptedException {
        nodeScript(dir, Map.of(), command);
    }

    /**
     * Runs integTest/node.sh with {@code NODE_DIR=dir} and {@code env}, e.g. {@code cluster-start 3},
     * {@code cluster-add}, {@code cluster-stop}; fails when it exits non-zero.
     */
    public static void nodeScript(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("audiopq.repo.dir", ".")).resolve("integTest").resolve("node.sh");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("bash", script.toString()));
        command.addAll(java.util.List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("NODE_DIR", dir.toString());
        builder.environment().putAll(env);
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("node.sh " + String.join(" ", args) + " failed with exit code " + exit);
        }
    }

    /** The nodes of the cluster that {@code node.sh cluster-start} (and {@code cluster-add}) started under {@code dir}, in start order. */
    public static java.util.List<RealNode> cluster(Path dir) throws IOException {
        Path nodes = dir.resolve("state").resolve("nodes");
        java.util.List<RealNode> cluster = new java.util.ArrayList<>();
        for (int i = 0; Files.isDirectory(nodes.resolve(Integer.toString(i))); i++) {
            String port = Files.readString(nodes.resolve(Integer.toString(i)).resolve("port")).trim();
            cluster.add(new RealNode(dir, URI.create("http://127.0.0.1:" + port)));
        }
        return cluster;
    }

    /** The node's Elasticsearch version (the integ-test distribution has no {@code GET /} handler). */
    @SuppressWarnings("unchecked")
    public String version() {
        Map<String, Object> nodes = (Map<String, Object>) get("/_nodes/_local").json().get("nodes");
        return (String) ((Map<String, Object>) nodes.values().iterator().next()).get("version");
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response put(String path, String json) {
        return send("PUT", path, json);
    }

    public Response post(String path, String json) {
        return send("POST", path, json);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    /** Sends newline-delimited JSON (for {@code _bulk}). */
    public Response bulk(String path, String ndjson) {
        return send("POST", path, ndjson, "application/x-ndjson");
    }

    /** PUT with a binary body (e.g. a bundle archive to {@code _audio_pq/models/{name}}). */
    public Response putBytes(String path, byte[] body, String contentType) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
        return exchange(request, "PUT " + path);
    }

    /** Any method; a body goes as JSON, or as newline-delimited JSON to {@code _bulk}. */
    public Response send(String method, String path, String body) {
        return send(method, path, body, path.contains("_bulk") ? "application/x-ndjson" : "application/json");
    }

    private Response send(String method, String path, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else if (contentType == null) {
            throw new IllegalArgumentException("a body needs a content type");
        } else {
            request.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return exchange(request.build(), method + " " + path);
    }

    private Response exchange(HttpRequest request, String what) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
