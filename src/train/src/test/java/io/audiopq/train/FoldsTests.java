package io.audiopq.train;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Folds given as any strings (speakers, sessions, recorders), iterated in an order that depends on their values only. */
public class FoldsTests extends LuceneTestCase {

    public void testLabelledClipsAcceptsStringFolds() throws Exception {
        Path csv = createTempDir().resolve("labels.csv");
        Files.writeString(csv, "file,label,speaker\na.wav,one,george\nb.wav,two,jackson\nc.wav,one,\"theo, jr\"\nd.wav,two,george\n");
        List<LabelledClips.Entry> e = LabelledClips.read(csv, null, null, "speaker");
        assertEquals(List.of("george", "jackson", "theo, jr", "george"), e.stream().map(LabelledClips.Entry::fold).toList());
        Files.writeString(csv, "file,label\na.wav,one\n");
        assertEquals("0", LabelledClips.read(csv, null, null, null).get(0).fold());
    }

    public void testFoldValuesInAStableOrder() {
        assertEquals(List.of("george", "jackson", "nicolas", "theo"), dataset("theo", "george", "nicolas", "jackson", "george").foldValues());
        assertEquals(List.of("george", "jackson", "nicolas", "theo"), dataset("george", "jackson", "theo", "nicolas", "theo").foldValues());
        // integers numerically: 2 before 10
        assertEquals(List.of("1", "2", "10"), dataset("10", "2", "1", "2").foldValues());
        Dataset ds = dataset("theo", "george", "theo", "jackson");
        assertArrayEquals(new int[] { 0, 2 }, ds.foldIndices("theo", true));
        assertArrayEquals(new int[] { 1, 3 }, ds.foldIndices("theo", false));
    }

    public void testHeldOutProtocolRunsOverSpeakers() {
        // the clusters' folds renamed to speakers: one held-out run per speaker, the same figures as with numbered folds
        Dataset numbered = HeadTrainerTests.clusters(5);
        String[] names = { "", "george", "jackson", "lucas", "nicolas", "theo" };
        String[] speakers = java.util.Arrays.stream(numbered.folds()).map(f -> names[Integer.parseInt(f)]).toArray(String[]::new);
        Dataset named = new Dataset(numbered.ids(), numbered.vectors(), numbered.labels(), speakers, numbered.classNames());
        Evaluation.Config cfg = new Evaluation.Config(new int[] { 8 }, new double[] { 0.5 }, 1, List.of(), List.of(), 8, true,
            HeadTrainerTests.small(TrainConfig.Method.DQN), false);
        List<Evaluation.Cell> a = Evaluation.run(numbered, cfg, Progress.silent()), b = Evaluation.run(named, cfg, Progress.silent());
        Evaluation.Cell heldA = a.stream().filter(c -> c.protocol().equals("held-out fold") && c.system().startsWith("PQ")).findFirst().orElseThrow();
        Evaluation.Cell heldB = b.stream().filter(c -> c.protocol().equals("held-out fold") && c.system().startsWith("PQ")).findFirst().orElseThrow();
        assertEquals(5, heldB.runs().size());
        for (int i = 0; i < 5; i++) {
            assertEquals(heldA.runs().get(i).map(), heldB.runs().get(i).map(), 1e-12);
        }
    }

    private static Dataset dataset(String... folds) {
        int n = folds.length;
        float[][] v = new float[n][] ;
        for (int i = 0; i < n; i++) {
            v[i] = new float[] { i, 1 };
        }
        return new Dataset(java.util.stream.IntStream.range(0, n).mapToObj(i -> "item" + i).toList(), v, new int[n], folds, List.of("a"));
    }
}
