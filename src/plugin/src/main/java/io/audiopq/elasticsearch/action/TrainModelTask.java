package io.audiopq.elasticsearch.action;

import io.audiopq.quantization.KMeans;

import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * The task of one {@code _train}: cancellable ({@code POST _tasks/<id>/_cancel}, or the client
 * closing its connection), and telling {@code GET _tasks?detailed} where it is through its
 * {@link Status}. The transport action updates it from its own thread; readers see a snapshot.
 */
public final class TrainModelTask extends CancellableTask {

    /** Where a training is. */
    public enum Phase {
        CHECKING,
        SAMPLING,
        TRAINING,
        STORING;

        String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private volatile Phase phase = Phase.CHECKING;
    private volatile long vectorsTotal = -1;
    private volatile long vectorsRead;
    private volatile KMeans.Stage stage;
    private volatile int subspace = -1;
    private volatile int subspaces;
    private volatile int iteration = -1;
    private volatile int iterations;

    TrainModelTask(long id, String type, String action, String description, TaskId parentTaskId, Map<String, String> headers) {
        super(id, type, action, description, parentTaskId, headers);
    }

    void phase(Phase phase) {
        this.phase = phase;
    }

    void vectorsTotal(long total) {
        this.vectorsTotal = total;
    }

    void vectorsRead(long read) {
        this.vectorsRead = read;
    }

    /** The k-means plan: M subspaces (and the centroids' run, when IVF) of {@code iterations} Lloyd iterations each. */
    void plan(int subspaces, int iterations) {
        this.subspaces = subspaces;
        this.iterations = iterations;
    }

    /** A {@link KMeans.Progress} hook's report; the hook checks for cancellation too. */
    void iteration(KMeans.Stage stage, int subspace, int iteration) {
        this.stage = stage;
        this.subspace = subspace;
        this.iteration = iteration;
    }

    @Override
    public Status getStatus() {
        KMeans.Stage s = stage;
        return new Status(phase.jsonName(), vectorsTotal, vectorsRead, s == null ? null : s.name().toLowerCase(Locale.ROOT), subspace, subspaces,
            iteration, iterations);
    }

    /**
     * A snapshot of a training's progress, as {@code GET _tasks?detailed} shows it.
     *
     * @param vectorsTotal vectors the field holds in the resolved indices (-1 until counted)
     * @param stage        {@code codebook} or {@code centroids} while training, else null
     * @param subspace     the sub-codebook being trained (0-based), -1 before training
     * @param iteration    0 while k-means++ seeds, then the Lloyd iteration running (1-based; k-means may stop before {@code iterations})
     */
    public record Status(String phase, long vectorsTotal, long vectorsRead, String stage, int subspace, int subspaces, int iteration,
        int iterations) implements org.elasticsearch.tasks.Task.Status {

        public static final String NAME = "audio_pq_train";

        public Status(StreamInput in) throws IOException {
            this(in.readString(), in.readLong(), in.readVLong(), in.readOptionalString(), in.readInt(), in.readVInt(), in.readInt(), in.readVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(phase);
            out.writeLong(vectorsTotal);
            out.writeVLong(vectorsRead);
            out.writeOptionalString(stage);
            out.writeInt(subspace);
            out.writeVInt(subspaces);
            out.writeInt(iteration);
            out.writeVInt(iterations);
        }

        @Override
        public String getWriteableName() {
            return NAME;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            builder.field("phase", phase);
            if (vectorsTotal >= 0) {
                builder.field("vectors_total", vectorsTotal);
            }
            builder.field("vectors_read", vectorsRead);
            if (stage != null) {
                builder.field("stage", stage);
                builder.field("subspace", subspace);
                builder.field("subspaces", subspaces);
                builder.field("iteration", iteration);
                builder.field("iterations", iterations);
            }
            return builder.endObject();
        }
    }
}
