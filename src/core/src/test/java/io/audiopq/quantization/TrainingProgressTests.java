package io.audiopq.quantization;

import io.audiopq.testing.TestVectors;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.ArrayList;
import java.util.List;

/** The per-iteration hook of k-means and the quantisers trained with it: what it is told, that it can stop a training, that it changes nothing. */
public class TrainingProgressTests extends LuceneTestCase {

    private record Call(KMeans.Stage stage, int subspace, int iteration) {}

    /** Thrown by a hook to stop a training. */
    private static final class Stop extends RuntimeException {}

    public void testReportsEveryIterationOfEverySubspaceAndChangesNothing() {
        int n = 600, d = 8, m = 4;
        float[] data = TestVectors.uniform(random(), n, d);
        // Lloyd may stop before 3 iterations once nothing moves: the count per subspace is at most 3.
        KMeans.Params params = KMeans.Params.DEFAULT.withSeed(random().nextLong()).withIterations(3);
        List<Call> calls = new ArrayList<>();
        ProductQuantizer reported = ProductQuantizer.train(data, n, d, m, 4, params, (stage, subspace, iteration) -> calls.add(new Call(stage, subspace, iteration)));
        ProductQuantizer plain = ProductQuantizer.train(data, n, d, m, 4, params);
        assertEquals(plain.id(), reported.id());
        assertArrayEquals(plain.centroids(), reported.centroids(), 0f);
        // Seeding (0), then the Lloyd iterations, subspace after subspace, in order.
        int i = 0;
        for (int j = 0; j < m; j++) {
            assertEquals(new Call(KMeans.Stage.CODEBOOK, j, 0), calls.get(i++));
            for (int iteration = 1; i < calls.size() && calls.get(i).subspace() == j; iteration++) {
                assertEquals(new Call(KMeans.Stage.CODEBOOK, j, iteration), calls.get(i++));
                assertTrue(iteration <= 3);
            }
        }
        assertEquals(calls.size(), i);
    }

    public void testIvfReportsCentroidsThenCodebookAndChangesNothing() {
        int n = 800, d = 8;
        float[] data = TestVectors.gaussianMixture(random(), n, d, 6, 0.1f);
        KMeans.Params params = KMeans.Params.DEFAULT.withSeed(random().nextLong());
        List<Call> calls = new ArrayList<>();
        IvfPqQuantizer reported = IvfPqQuantizer.train(data, n, d, 10, 2, 4, IvfPqQuantizer.Encoding.RESIDUAL, params,
            (stage, subspace, iteration) -> calls.add(new Call(stage, subspace, iteration)));
        IvfPqQuantizer plain = IvfPqQuantizer.train(data, n, d, 10, 2, 4, IvfPqQuantizer.Encoding.RESIDUAL, params);
        assertEquals(plain.id(), reported.id());
        assertEquals(new Call(KMeans.Stage.CENTROIDS, 0, 0), calls.get(0));
        int firstCodebook = 0;
        while (calls.get(firstCodebook).stage() == KMeans.Stage.CENTROIDS) {
            firstCodebook++;
        }
        assertEquals(new Call(KMeans.Stage.CODEBOOK, 0, 0), calls.get(firstCodebook));
        assertTrue(calls.subList(firstCodebook, calls.size()).stream().allMatch(c -> c.stage() == KMeans.Stage.CODEBOOK));
        assertEquals(1, calls.get(calls.size() - 1).subspace());

        CoarseQuantizer coarse = CoarseQuantizer.train(data, n, d, 10, params, (stage, subspace, iteration) -> assertEquals(KMeans.Stage.CENTROIDS, stage));
        assertEquals(CoarseQuantizer.train(data, n, d, 10, params).id(), coarse.id());
    }

    public void testAHookThatThrowsStopsTheTrainingAtOnce() {
        int n = 600, d = 8, m = 4;
        float[] data = TestVectors.uniform(random(), n, d);
        int stopAt = random().nextInt(3); // during subspace 0, 1 or 2 of 4
        List<Call> calls = new ArrayList<>();
        expectThrows(Stop.class, () -> ProductQuantizer.train(data, n, d, m, 4, KMeans.Params.DEFAULT, (stage, subspace, iteration) -> {
            calls.add(new Call(stage, subspace, iteration));
            if (subspace == stopAt && iteration == 1) {
                throw new Stop();
            }
        }));
        // Nothing ran after the hook threw: the last call is the one that stopped it.
        assertEquals(new Call(KMeans.Stage.CODEBOOK, stopAt, 1), calls.get(calls.size() - 1));
        expectThrows(Stop.class, () -> CoarseQuantizer.train(data, n, d, 8, KMeans.Params.DEFAULT, (stage, subspace, iteration) -> {
            throw new Stop();
        }));
    }
}
