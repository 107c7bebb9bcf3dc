package io.audiopq.elasticsearch.ingest;

import io.audiopq.audio.StageTimer;

import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the {@code audio_embedding} processor's time goes on this node, per model bundle, since the
 * node started: documents embedded, seconds of audio, and the time spent in each stage (decode,
 * resample, front end, inference), summed over all threads. {@code GET _audio_pq/models} shows them
 * as {@code ingest}; {@code _embed} and {@code query_audio} are not counted. Lock-free: every write
 * thread adds to shared {@link LongAdder}s.
 */
public final class IngestTimings {

    private final ConcurrentHashMap<String, Model> models = new ConcurrentHashMap<>();

    /** The counters of bundle {@code name} (created on first use). */
    public Model forModel(String name) {
        return models.computeIfAbsent(name, k -> new Model());
    }

    /** Writes bundle {@code name}'s counters as the field {@code ingest}; nothing when it has embedded no document on this node. */
    public void toXContent(XContentBuilder builder, String name) throws IOException {
        Model model = models.get(name);
        if (model == null) {
            return;
        }
        builder.startObject("ingest");
        builder.field("documents", model.documents.sum());
        builder.field("audio_seconds", Math.round(model.audioSeconds.sum() * 1000) / 1000.0);
        for (StageTimer.Stage stage : StageTimer.Stage.values()) {
            builder.startObject(stage.name().toLowerCase(Locale.ROOT));
            builder.field("time_in_millis", TimeUnit.NANOSECONDS.toMillis(model.nanos(stage)));
            builder.endObject();
        }
        builder.endObject();
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
}
