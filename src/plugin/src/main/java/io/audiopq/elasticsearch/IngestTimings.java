package io.audiopq.elasticsearch;

import io.audiopq.audio.StageTimer;

import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the {@code audio_embedding} processor's time goes on this node, per model bundle, since the
 * node started: documents embedded, seconds of audio, and the time spent in each stage (decode,
 * resample, front end, inference), summed over all threads. Each node sends a {@link Snapshot} in
 * its models nodes-action response; {@code GET _audio_pq/models} and {@code _stats} show them as
 * {@code ingest}. {@code _embed} and {@code query_audio} are not counted. Lock-free: every write
 * thread adds to shared {@link LongAdder}s.
 */
public final class IngestTimings {

    private final ConcurrentHashMap<String, Model> models = new ConcurrentHashMap<>();

    /** The counters of bundle {@code name} (created on first use). */
    public Model forModel(String name) {
        return models.computeIfAbsent(name, k -> new Model());
    }

    /** Bundle {@code name}'s counters now ({@link Snapshot#EMPTY} when it has embedded no document on this node). */
    public Snapshot snapshot(String name) {
        Model model = models.get(name);
        if (model == null) {
            return Snapshot.EMPTY;
        }
        long[] nanos = new long[StageTimer.Stage.values().length];
        for (StageTimer.Stage stage : StageTimer.Stage.values()) {
            nanos[stage.ordinal()] = model.nanos(stage);
        }
        return new Snapshot(model.documents(), model.audioSeconds(), nanos);
    }

    /** One bundle's counters; the processor tells it each stage's time and each finished document. */
    public static final class Model implements StageTimer {

        private final LongAdder[] nanos = new LongAdder[Stage.values().length];
        private final LongAdder documents = new LongAdder();
        private final DoubleAdder audioSeconds = new DoubleAdder();

        private Model() {
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] = new LongAdder();
            }
        }

        @Override
        public void add(Stage stage, long elapsedNanos) {
            nanos[stage.ordinal()].add(elapsedNanos);
        }

        /** A document was embedded, {@code seconds} of audio. */
        public void document(double seconds) {
            documents.increment();
            audioSeconds.add(seconds);
        }

        public long documents() {
            return documents.sum();
        }

        public double audioSeconds() {
            return audioSeconds.sum();
        }

        public long nanos(Stage stage) {
            return nanos[stage.ordinal()].sum();
        }
    }

    /** The counters of one bundle at one moment, on one node or summed over several; {@code stageNanos} by {@link StageTimer.Stage} ordinal. */
    public record Snapshot(long documents, double audioSeconds, long[] stageNanos) implements Writeable {

        public static final Snapshot EMPTY = new Snapshot(0, 0, new long[StageTimer.Stage.values().length]);

        public Snapshot(StreamInput in) throws IOException {
            this(in.readVLong(), in.readDouble(), in.readVLongArray());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(documents);
            out.writeDouble(audioSeconds);
            out.writeVLongArray(stageNanos);
        }

        /** Nothing counted: no document and no stage time. */
        public boolean isEmpty() {
            return documents == 0 && Arrays.stream(stageNanos).allMatch(n -> n == 0);
        }

        public long nanos(StageTimer.Stage stage) {
            return stage.ordinal() < stageNanos.length ? stageNanos[stage.ordinal()] : 0;
        }

        /** This and {@code other} summed (for the cluster-wide figure). */
        public Snapshot plus(Snapshot other) {
            long[] sum = Arrays.copyOf(stageNanos, Math.max(stageNanos.length, other.stageNanos.length));
            for (int i = 0; i < other.stageNanos.length; i++) {
                sum[i] += other.stageNanos[i];
            }
            return new Snapshot(documents + other.documents, audioSeconds + other.audioSeconds, sum);
        }

        /** Writes the counters as the field {@code ingest}. */
        public void toXContent(XContentBuilder builder) throws IOException {
            builder.startObject("ingest");
            builder.field("documents", documents);
            builder.field("audio_seconds", Math.round(audioSeconds * 1000) / 1000.0);
            for (StageTimer.Stage stage : StageTimer.Stage.values()) {
                builder.startObject(stage.name().toLowerCase(Locale.ROOT));
                builder.field("time_in_millis", TimeUnit.NANOSECONDS.toMillis(nanos(stage)));
                builder.endObject();
            }
            builder.endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s && documents == s.documents && audioSeconds == s.audioSeconds && Arrays.equals(stageNanos, s.stageNanos);
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(documents) + Arrays.hashCode(stageNanos);
        }

        @Override
        public String toString() {
            return "Snapshot[documents=" + documents + ", audioSeconds=" + audioSeconds + ", stageNanos=" + Arrays.toString(stageNanos) + "]";
        }
    }
}
