package io.audiopq.integ;

import io.audiopq.testing.RealNode;
import io.audiopq.testing.TestAudio;

import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Untrusted audio on the real node (1 GB heap): concurrent oversized clips end as 200, 429 or
 * 400 and never as a dead node; afterwards the node is healthy, serves a normal {@code _embed} and
 * search, its {@code audio_pq} breaker is back to 0 and no search/write thread is still busy; a
 * bulk that mixes good and bad audio indexes the good documents and fails each bad one with a 400
 * naming {@code field [audio]}.
 */
public class HostileAudioIT {

    private static final String BUNDLE = "audiopq-default";
    private final RealNode node = RealNode.fromBuild();

    /** A 384 kHz 16-bit mono WAV of silence, written directly (no float copy in the test JVM). */
    private static byte[] silentWav(int rate, double seconds) {
        int n = (int) (rate * seconds);
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * n).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
            .putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * n);
        return b.array();
    }

    /**
     * A FLAC stream whose STREAMINFO declares {@code seconds} of mono 16-bit audio at {@code rate},
     * followed by constant (silent) frames only as far as the declaration goes in a few bytes: what a
     * 299 s 384 kHz silent FLAC looks like to a node before it decodes anything.
     */
    private static byte[] declaredFlac(int rate, double seconds) {
        long total = (long) (rate * seconds);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 34).order(ByteOrder.BIG_ENDIAN);
        b.put("fLaC".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0x80).put((byte) 0).put((byte) 0).put((byte) 34); // last block, STREAMINFO, 34 bytes
        b.putShort((short) 4096).putShort((short) 4096); // min/max block size
        b.put(new byte[6]); // min/max frame size unknown
        // 20 bits rate, 3 bits channels-1 (0), 5 bits bps-1 (15), 36 bits total samples
        long packed = ((long) rate << 44) | (0L << 41) | (15L << 36) | total;
        b.putLong(packed);
        b.put(new byte[16]); // MD5 unknown
        return b.array();
    }

    private static String embedBody(byte[] audio) {
        return "{\"audio\": \"" + Base64.getEncoder().encodeToString(audio) + "\"}";
    }

    @Test
    public void concurrentOversizedClipsLeaveTheNodeHealthy() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bodies.add(embedBody(declaredFlac(384_000, 299)));
            bodies.add(embedBody(silentWav(384_000, 30)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<RealNode.Response>> calls = new ArrayList<>();
            for (String body : bodies) {
                calls.add(pool.submit(() -> node.post("/_audio_pq/models/" + BUNDLE + "/_embed", body)));
            }
            for (int i = 0; i < calls.size(); i++) {
                RealNode.Response r = calls.get(i).get(10, TimeUnit.MINUTES); // a hang limit, not a timing threshold
                assertTrue("call " + i + ": " + r.status() + " " + abbreviate(r.body()), r.status() == 200 || r.status() == 429 || r.status() == 400);
                if (i % 2 == 0) {
                    assertEquals("the 299 s 384 kHz FLAC is refused before decoding: " + abbreviate(r.body()), 400, r.status());
                    assertTrue(r.body(), r.body().contains("too_long"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertNodeHealthy();
    }

    @Test
    @SuppressWarnings("unchecked")
    public void bulkIndexesGoodAudioAndFailsEveryBadDocumentNamingTheField() {
        node.delete("/hostile");
        RealNode.Response p = node.put("/_ingest/pipeline/hostile", """
            {"processors": [{"audio_embedding": {"field": "audio", "model_id": "%s", "remove_binary": true}}]}
            """.formatted(BUNDLE));
        assertEquals(p.body(), 200, p.status());
        RealNode.Response created = node.put("/hostile", """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"audio_embedding": {"properties": {
               "embedding": {"type": "pq_vector", "model": "%s"}, "segments": {"type": "object", "enabled": false}}}}}}
            """.formatted(BUNDLE));
        assertEquals(created.body(), 200, created.status());
        String good = Base64.getEncoder().encodeToString(TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 1.5), 16000));
        Map<String, String> bad = Map.of(
            "corrupt", Base64.getEncoder().encodeToString("RIFF\u0000\u0000\u0000\u0000WAVEnot really".getBytes(StandardCharsets.ISO_8859_1)),
            "not-base64", "@@@",
            "too-long-flac", Base64.getEncoder().encodeToString(declaredFlac(384_000, 299)),
            "empty", ""
        );
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            bulk.append("{\"index\": {\"_id\": \"good-").append(i).append("\"}}\n{\"audio\": \"").append(good).append("\"}\n");
        }
        bad.forEach((id, audio) -> bulk.append("{\"index\": {\"_id\": \"").append(id).append("\"}}\n{\"audio\": \"").append(audio).append("\"}\n"));
        RealNode.Response r = node.bulk("/hostile/_bulk?pipeline=hostile&refresh=true", bulk.toString());
        assertEquals(r.body(), 200, r.status());
        for (Object item : (List<Object>) r.json().get("items")) {
            Map<String, Object> result = (Map<String, Object>) ((Map<String, Object>) item).get("index");
            String id = (String) result.get("_id");
            int status = ((Number) result.get("status")).intValue();
            if (id.startsWith("good-")) {
                assertEquals(result.toString(), 201, status);
            } else {
                assertEquals(result.toString(), 400, status);
                String reason = String.valueOf(((Map<String, Object>) result.get("error")).get("reason"));
                assertTrue(id + ": " + reason, reason.startsWith("field [audio]"));
            }
        }
        assertNodeHealthy();
    }

    @SuppressWarnings("unchecked")
    private void assertNodeHealthy() throws RuntimeException {
        RealNode.Response health = node.get("/_cluster/health?wait_for_status=yellow&timeout=60s");
        assertEquals(health.body(), 200, health.status());
        assertNotEquals(health.body(), "red", health.json().get("status"));
        // An index of our own, no replicas: green.
        node.delete("/hostile-health");
        RealNode.Response created = node.put("/hostile-health", """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
             "mappings": {"properties": {"v": {"type": "pq_vector", "model": "%s"}}}}
            """.formatted(BUNDLE));
        assertEquals(created.body(), 200, created.status());
        RealNode.Response green = node.get("/_cluster/health/hostile-health?wait_for_status=green&timeout=60s");
        assertEquals(green.body(), "green", green.json().get("status"));

        RealNode.Response embed = node.post("/_audio_pq/models/" + BUNDLE + "/_embed",
            embedBody(TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 1.0), 16000)));
        assertEquals(abbreviate(embed.body()), 200, embed.status());
        List<Number> vector = (List<Number>) embed.json().get("embedding");
        StringBuilder v = new StringBuilder("[");
        for (int i = 0; i < vector.size(); i++) {
            v.append(i == 0 ? "" : ",").append(vector.get(i));
        }
        v.append(']');
        assertEquals(201, node.put("/hostile-health/_doc/1?refresh=true", "{\"v\": " + v + "}").status());
        RealNode.Response search = node.post("/hostile-health/_search", "{\"query\": {\"pq_knn\": {\"field\": \"v\", \"query_vector\": " + v
            + ", \"k\": 1}}}");
        assertEquals(search.body(), 200, search.status());
        assertTrue(search.body(), search.body().contains("\"_id\":\"1\""));

        // No search/write thread still busy and the breaker back at 0 (polled: the last responses may still be unwinding).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            String pools = node.get("/_cat/thread_pool/search,write?h=name,active").body();
            Map<String, Object> breakers = node.get("/_nodes/_local/stats/breaker").json();
            Map<String, Object> nodes = (Map<String, Object>) breakers.get("nodes");
            Map<String, Object> first = (Map<String, Object>) nodes.values().iterator().next();
            Map<String, Object> audio = (Map<String, Object>) ((Map<String, Object>) first.get("breakers")).get("audio_pq");
            last = pools + " audio_pq=" + audio;
            boolean idle = pools.lines().allMatch(l -> l.trim().endsWith(" 0"));
            if (idle && ((Number) audio.get("estimated_size_in_bytes")).longValue() == 0) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("the node did not settle: " + last);
    }

    private static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "..." : s;
    }
}
