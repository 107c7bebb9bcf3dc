package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

/**
 * {@code src/scripts/check-index.sh} (docs/operations.md, "Checking an index with CheckIndex") on a
 * copy of a real shard with a {@code pq_vector} field: Lucene's CheckIndex on the distribution's
 * jars plus the installed plugin's resolves the Elasticsearch codec and the PQ format by SPI and
 * finds no problems; a copy with one flipped byte in the PQ codes (or the compound file holding
 * them) is reported as broken.
 */
public class CheckIndexIT {

    private static final String INDEX = "check-index-it";
    private final RealNode node = RealNode.fromBuild();

    @Test
    @SuppressWarnings("unchecked")
    public void checkIndexPassesOnACopyOfAPqShardAndCatchesACorruptedOne() throws Exception {
        node.delete("/" + INDEX);
        RealNode.Response created = node.put("/" + INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"title": {"type": "keyword"}, "emb": {"type": "pq_vector", "model": "integ-vectors"}}}}""");
        assertEquals(created.body(), 200, created.status());
        Random random = new Random(5);
        // Three bulks, refreshed each: three segments; a few deletions so CheckIndex sees deleted docs too.
        for (int b = 0; b < 3; b++) {
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                float[] v = new float[16];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) random.nextGaussian();
                }
                bulk.append("{\"index\": {\"_id\": \"c").append(b * 100 + i).append("\"}}\n{\"title\": \"t").append(i).append("\", \"emb\": ")
                    .append(PqVectorIT.json(v)).append("}\n");
            }
            RealNode.Response r = node.bulk("/" + INDEX + "/_bulk?refresh=true", bulk.toString());
            assertEquals(r.body(), false, r.json().get("errors"));
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(200, node.delete("/" + INDEX + "/_doc/c" + (i * 37)).status());
        }
        assertEquals(200, node.post("/" + INDEX + "/_flush", null).status());
        Map<String, Object> settings = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) node.get("/" + INDEX + "/_settings")
            .json().get(INDEX)).get("settings")).get("index");
        String uuid = (String) settings.get("uuid");
        // Closed: nothing writes to the shard while it is copied.
        RealNode.Response closed = node.post("/" + INDEX + "/_close", null);
        assertEquals(closed.body(), 200, closed.status());

        Path shard = node.dataDir().resolve("indices").resolve(uuid).resolve("0");
        assertTrue("no shard folder " + shard, Files.isDirectory(shard.resolve("index")));
        Path work = Files.createTempDirectory("check-index-it");
        try {
            Path copy = work.resolve("good").resolve("0");
            copyTree(shard, copy);
            assertEquals(200, node.delete("/" + INDEX).status());

            // The shard folder: the script finds index/ below it.
            Result good = checkIndex(copy);
            System.out.println("[CheckIndexIT] check-index.sh output:\n" + good.output);
            assertEquals(good.output, 0, good.exit);
            // pq_vector indexes its vectors in the child field emb.pq (normalised: cosine is a dot product there).
            assertTrue(good.output, good.output.contains("vector field [emb.pq] format [AudioPqVectors1] dims 16"));
            assertTrue(good.output, good.output.contains("test: vectors.............OK"));
            assertTrue(good.output, good.output.contains("No problems were detected with this index"));

            // One flipped byte in the PQ codes: the checksum check reports it and the exit code is not 0.
            Path bad = work.resolve("bad").resolve("0");
            copyTree(copy, bad);
            Path victim;
            try (Stream<Path> files = Files.list(bad.resolve("index"))) {
                // The PQ codes file, or the compound file that holds it (small segments are compound by default).
                List<Path> candidates = files.filter(p -> p.getFileName().toString().endsWith(".vpq") || p.getFileName().toString().endsWith(".cfs"))
                    .toList();
                victim = candidates.stream().filter(p -> p.toString().endsWith(".vpq")).max(Comparator.comparingLong(CheckIndexIT::size))
                    .or(() -> candidates.stream().max(Comparator.comparingLong(CheckIndexIT::size)))
                    .orElseThrow(() -> new AssertionError("no .vpq or .cfs file in " + bad.resolve("index")));
            }
            try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long at = ch.size() / 2;
                ByteBuffer one = ByteBuffer.allocate(1);
                ch.read(one, at);
                one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
                ch.write(one, at);
            }
            Result broken = checkIndex(bad.resolve("index"));
            System.out.println("[CheckIndexIT] on a copy with one flipped byte in " + victim.getFileName() + ": exit " + broken.exit);
            assertNotEquals(broken.output, 0, broken.exit);
            assertTrue(broken.output, broken.output.contains("No problems were detected") == false);
        } finally {
            deleteTree(work);
            node.delete("/" + INDEX);
        }
    }

    private record Result(int exit, String output) {}

    private Result checkIndex(Path path) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("audiopq.repo.dir", ".")).resolve("src/scripts/check-index.sh");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), "--es-home", node.home().toString(), path.toString())
            .redirectErrorStream(true);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue("check-index.sh did not finish", process.waitFor(5, TimeUnit.MINUTES));
        return new Result(process.exitValue(), new String(out, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (p.getFileName().toString().equals("write.lock") == false) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
