package io.audiopq.elasticsearch.action;

import io.audiopq.quantization.KMeans;

import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

import java.util.List;
import java.util.Map;

/** {@link TrainModelTask.Status} on the wire (GET _tasks from another node) and as GET _tasks?detailed shows it. */
public class TrainModelStatusTests extends AbstractWireSerializingTestCase<TrainModelTask.Status> {

    @Override
    protected Writeable.Reader<TrainModelTask.Status> instanceReader() {
        return TrainModelTask.Status::new;
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(List.of(new NamedWriteableRegistry.Entry(Task.Status.class, TrainModelTask.Status.NAME,
            TrainModelTask.Status::new)));
    }

    @Override
    protected TrainModelTask.Status createTestInstance() {
        boolean training = randomBoolean();
        return new TrainModelTask.Status(randomFrom("checking", "sampling", "training", "storing"), randomLongBetween(-1, 1_000_000),
            randomNonNegativeLong(), training ? randomFrom("codebook", "centroids") : null, training ? randomIntBetween(0, 63) : -1,
            randomIntBetween(0, 64), training ? randomIntBetween(0, 100) : -1, randomIntBetween(0, 100));
    }

    @Override
    protected TrainModelTask.Status mutateInstance(TrainModelTask.Status s) {
        return switch (between(0, 7)) {
            case 0 -> new TrainModelTask.Status(s.phase() + "x", s.vectorsTotal(), s.vectorsRead(), s.stage(), s.subspace(), s.subspaces(), s.iteration(), s.iterations());
            case 1 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal() + 1, s.vectorsRead(), s.stage(), s.subspace(), s.subspaces(), s.iteration(), s.iterations());
            case 2 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead() + 1, s.stage(), s.subspace(), s.subspaces(), s.iteration(), s.iterations());
            case 3 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead(), s.stage() == null ? "codebook" : null, s.subspace(), s.subspaces(), s.iteration(), s.iterations());
            case 4 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead(), s.stage(), s.subspace() + 1, s.subspaces(), s.iteration(), s.iterations());
            case 5 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead(), s.stage(), s.subspace(), s.subspaces() + 1, s.iteration(), s.iterations());
            case 6 -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead(), s.stage(), s.subspace(), s.subspaces(), s.iteration() + 1, s.iterations());
            default -> new TrainModelTask.Status(s.phase(), s.vectorsTotal(), s.vectorsRead(), s.stage(), s.subspace(), s.subspaces(), s.iteration(), s.iterations() + 1);
        };
    }

    public void testTheTaskReportsWhereItIs() {
        TrainModelTask task = new TrainModelTask(1, "transport", TrainModelAction.NAME, "train", TaskId.EMPTY_TASK_ID, Map.of());
        assertEquals("{\"phase\":\"checking\",\"vectors_read\":0}", Strings.toString(task.getStatus()));
        task.vectorsTotal(5000);
        task.phase(TrainModelTask.Phase.SAMPLING);
        task.vectorsRead(3000);
        assertEquals("{\"phase\":\"sampling\",\"vectors_total\":5000,\"vectors_read\":3000}", Strings.toString(task.getStatus()));
        task.vectorsRead(5000);
        task.phase(TrainModelTask.Phase.TRAINING);
        task.plan(8, 25);
        task.iteration(KMeans.Stage.CODEBOOK, 3, 7);
        assertEquals("{\"phase\":\"training\",\"vectors_total\":5000,\"vectors_read\":5000,\"stage\":\"codebook\",\"subspace\":3,"
            + "\"subspaces\":8,\"iteration\":7,\"iterations\":25}", Strings.toString(task.getStatus()));
        assertTrue(task.shouldCancelChildrenOnCancellation());
    }
}
