package io.audiopq.integ;

import io.audiopq.testing.RealNode;

import org.junit.Test;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

/**
 * A crash in the middle of indexing: {@code pq_vector} documents (bundle {@code integ-vectors}, 16
 * dimensions, cosine) go in bulks from a background thread while the node is killed with SIGKILL
 * (integTest/node.sh kill9: no shutdown, no flush) in the middle of a bulk, after a flush in between
 * so that the index has both committed segments and operations only in the translog. After the
 * node comes back, every document whose bulk item was acknowledged (201) before the kill is there,
 * with its vector, and {@code pq_knn} (k=10) finds it by that vector; the top-1 rate is reported.
 */
public class DurabilityIT {

    private static final String INDEX = "durability-it";
    private static final int DIMS = 16;
    private static final int PER_BULK = 100;
    private static final int BULKS_BEFORE_KILL = 12;
    private final RealNode node = RealNode.fromBuild();

    /** The vector of document {@code id}: a function of the id alone, so it can be checked after the crash. */
    static float[] vector(int id) {
        Random random = new Random(0x5EED0000L + id);
        float[] v = new float[DIMS];
        for (int j = 0; j < DIMS; j++) {
            v[j] = (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    @SuppressWarnings("unchecked")
    public void everyAcknowledgedDocumentSurvivesAKill9() throws Exception {
        node.delete("/" + INDEX);
        RealNode.Response created = node.put("/" + INDEX, """
            {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "index.translog.durability": "request"},
             "mappings": {"properties": {"n": {"type": "integer"}, "emb": {"type": "pq_vector", "model": "integ-vectors"}}}}""");
        assertEquals(created.body(), 200, created.status());

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger bulksDone = new AtomicInteger();
        AtomicBoolean inFlight = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> endedBy = new AtomicReference<>();
        AtomicInteger sent = new AtomicInteger();
        Thread writer = new Thread(() -> {
            int next = 0;
            while (stop.get() == false) {
                StringBuilder bulk = new StringBuilder();
                int first = next;
                for (int i = 0; i < PER_BULK; i++, next++) {
                    bulk.append("{\"index\": {\"_id\": \"").append(next).append("\"}}\n{\"n\": ").append(next).append(", \"emb\": ")
                        .append(PqVectorIT.json(vector(next))).append("}\n");
                }
                sent.set(next);
                inFlight.set(true);
                RealNode.Response r;
                try {
                    r = node.bulk("/" + INDEX + "/_bulk", bulk.toString());
                } catch (UncheckedIOException e) {
                    endedBy.set("bulk [" + first + ", " + next + ") got no answer: " + e.getCause());
                    return;
                } finally {
                    inFlight.set(false);
                }
                if (r.status() != 200) {
                    endedBy.set("bulk [" + first + ", " + next + ") answered " + r.status());
                    return;
                }
                for (Object item : (List<Object>) r.json().get("items")) {
                    Map<String, Object> result = (Map<String, Object>) ((Map<String, Object>) item).get("index");
                    int status = ((Number) result.get("status")).intValue();
                    if (status == 201 || status == 200) {
                        acknowledged.add(Integer.parseInt((String) result.get("_id")));
                    }
                }
                bulksDone.incrementAndGet();
            }
            endedBy.set("stopped");
        }, "durability-writer");
        writer.setDaemon(true);
        writer.start();

        long pidBefore = node.pid();
        boolean flushed = false;
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (bulksDone.get() < BULKS_BEFORE_KILL && System.nanoTime() < deadline && writer.isAlive()) {
            if (flushed == false && bulksDone.get() >= BULKS_BEFORE_KILL / 2) {
                // Half the acknowledged documents in a commit, the rest only in the translog.
                assertEquals(200, node.post("/" + INDEX + "/_flush", null).status());
                flushed = true;
            }
            Thread.sleep(20);
        }
        assertTrue("the writer stopped early: " + endedBy.get(), writer.isAlive());
        // Mid-bulk: wait for a request to be on the wire, then kill.
        while (inFlight.get() == false) {
            Thread.onSpinWait();
        }
        node.kill9();
        stop.set(true);
        writer.join(180_000);
        assertTrue("the writer did not end", writer.isAlive() == false);
        assertNotEquals("node.sh kill9 started a new process", pidBefore, node.pid());
        System.out.printf("[DurabilityIT] killed (SIGKILL) after %d bulks: %d documents acknowledged, %d sent; the writer: %s%n",
            bulksDone.get(), acknowledged.size(), sent.get(), endedBy.get());
        assertTrue("a bulk was in flight when the node was killed: " + endedBy.get(), String.valueOf(endedBy.get()).contains("no answer"));
        assertTrue(acknowledged.size() >= BULKS_BEFORE_KILL * PER_BULK);

        RealNode.Response health = node.get("/_cluster/health/" + INDEX + "?wait_for_status=green&timeout=120s");
        assertEquals(health.body(), 200, health.status());
        assertEquals(200, node.post("/" + INDEX + "/_refresh", null).status());
        long count = ((Number) node.get("/" + INDEX + "/_count").json().get("count")).longValue();

        // Every acknowledged document is there (mget, 500 at a time), with its own vector.
        List<Integer> ids = new ArrayList<>(new TreeSet<>(acknowledged));
        List<Integer> missing = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 500) {
            StringBuilder docs = new StringBuilder("{\"ids\": [");
            List<Integer> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            for (int i = 0; i < chunk.size(); i++) {
                docs.append(i == 0 ? "" : ",").append('"').append(chunk.get(i)).append('"');
            }
            RealNode.Response got = node.post("/" + INDEX + "/_mget?_source_exclude_vectors=false", docs.append("]}").toString());
            assertEquals(got.body(), 200, got.status());
            for (Object d : (List<Object>) got.json().get("docs")) {
                Map<String, Object> doc = (Map<String, Object>) d;
                int id = Integer.parseInt((String) doc.get("_id"));
                if (Boolean.TRUE.equals(doc.get("found")) == false) {
                    missing.add(id);
                    continue;
                }
                Map<String, Object> source = (Map<String, Object>) doc.get("_source");
                assertEquals(id, ((Number) source.get("n")).intValue());
                PqVectorIT.assertVector(vector(id), source.get("emb"));
            }
        }
        assertTrue(missing.size() + " acknowledged documents lost, e.g. " + missing.subList(0, Math.min(10, missing.size())), missing.isEmpty());
        assertTrue("count " + count + " < acknowledged " + ids.size(), count >= ids.size());

        // Every acknowledged document is found by its own vector (msearch, 100 searches at a time).
        int top1 = 0;
        List<Integer> notFound = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 100) {
            List<Integer> chunk = ids.subList(from, Math.min(ids.size(), from + 100));
            StringBuilder searches = new StringBuilder();
            for (int id : chunk) {
                searches.append("{}\n{\"size\": 10, \"_source\": false, \"query\": {\"pq_knn\": {\"field\": \"emb\", \"k\": 10, \"query_vector\": ")
                    .append(PqVectorIT.json(vector(id))).append("}}}\n");
            }
            RealNode.Response r = node.bulk("/" + INDEX + "/_msearch", searches.toString());
            assertEquals(r.body(), 200, r.status());
            List<Object> responses = (List<Object>) r.json().get("responses");
            for (int i = 0; i < chunk.size(); i++) {
                Map<String, Object> one = (Map<String, Object>) responses.get(i);
                assertEquals(String.valueOf(one.get("error")), 200, ((Number) one.get("status")).intValue());
                List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) one.get("hits")).get("hits");
                List<Object> hitIds = hits.stream().map(h -> h.get("_id")).toList();
                String id = Integer.toString(chunk.get(i));
                if (hitIds.contains(id) == false) {
                    notFound.add(chunk.get(i));
                } else if (id.equals(hitIds.get(0))) {
                    top1++;
                }
            }
        }
        System.out.printf("[DurabilityIT] after kill -9 and recovery: %d acknowledged, %d in the index, %d missing, %d found by their own vector "
            + "in the top 10 (%d top-1)%n", ids.size(), count, missing.size(), ids.size() - notFound.size(), top1);
        assertTrue(notFound.size() + " documents not found by their own vector, e.g. " + notFound.subList(0, Math.min(10, notFound.size())),
            notFound.isEmpty());
        node.delete("/" + INDEX);
    }
}
