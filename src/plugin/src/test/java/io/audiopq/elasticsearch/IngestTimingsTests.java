package io.audiopq.elasticsearch;

import io.audiopq.audio.StageTimer;

import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.List;

public class IngestTimingsTests extends ESTestCase {

    private static String render(IngestTimings timings, String name) throws IOException {
        XContentBuilder builder = JsonXContent.contentBuilder().startObject();
        timings.snapshot(name).toXContent(builder);
        return Strings.toString(builder.endObject());
    }

    public void testRendersEachModelsCounters() throws IOException {
        IngestTimings timings = new IngestTimings();
        IngestTimings.Model model = timings.forModel("m");
        assertSame(model, timings.forModel("m"));
        model.add(StageTimer.Stage.DECODE, 2_500_000);
        model.add(StageTimer.Stage.DECODE, 1_000_000);
        model.add(StageTimer.Stage.RESAMPLE, 7_000_000);
        model.add(StageTimer.Stage.FRONT_END, 1_000_000);
        model.add(StageTimer.Stage.INFERENCE, 40_000_000);
        model.document(5.0);
        model.document(2.25);
        timings.forModel("other").document(1.0);
        assertEquals(
            "{\"ingest\":{\"documents\":2,\"audio_seconds\":7.25,\"decode\":{\"time_in_millis\":3},\"resample\":{\"time_in_millis\":7},"
                + "\"front_end\":{\"time_in_millis\":1},\"inference\":{\"time_in_millis\":40}}}",
            render(timings, "m")
        );
    }

    public void testModelWithoutDocumentsRendersZeros() throws IOException {
        assertEquals(
            "{\"ingest\":{\"documents\":0,\"audio_seconds\":0.0,\"decode\":{\"time_in_millis\":0},\"resample\":{\"time_in_millis\":0},"
                + "\"front_end\":{\"time_in_millis\":0},\"inference\":{\"time_in_millis\":0}}}",
            render(new IngestTimings(), "never-used")
        );
    }

    public void testSnapshotsSumAndTravelOverTheWire() throws IOException {
        IngestTimings a = new IngestTimings(), b = new IngestTimings();
        a.forModel("m").add(StageTimer.Stage.DECODE, 5);
        a.forModel("m").document(1.5);
        b.forModel("m").add(StageTimer.Stage.DECODE, 7);
        b.forModel("m").add(StageTimer.Stage.INFERENCE, 11);
        b.forModel("m").document(2.0);
        assertTrue(a.snapshot("other").isEmpty());
        assertFalse(a.snapshot("m").isEmpty());
        IngestTimings.Snapshot sum = a.snapshot("m").plus(b.snapshot("m"));
        assertEquals(2, sum.documents());
        assertEquals(3.5, sum.audioSeconds(), 0);
        assertEquals(12, sum.nanos(StageTimer.Stage.DECODE));
        assertEquals(11, sum.nanos(StageTimer.Stage.INFERENCE));
        assertEquals(0, sum.nanos(StageTimer.Stage.RESAMPLE));
        assertEquals(sum, copyWriteable(sum, new NamedWriteableRegistry(List.of()),
            IngestTimings.Snapshot::new));
    }

    public void testConcurrentAddsAreAllCounted() throws Exception {
        IngestTimings.Model model = new IngestTimings().forModel("m");
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    model.add(StageTimer.Stage.INFERENCE, 3);
                    model.document(0.5);
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(40_000, model.documents());
        assertEquals(120_000, model.nanos(StageTimer.Stage.INFERENCE));
        assertEquals(20_000.0, model.audioSeconds(), 0);
    }
}
