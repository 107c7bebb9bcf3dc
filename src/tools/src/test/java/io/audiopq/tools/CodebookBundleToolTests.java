package io.audiopq.tools;

import org.apache.lucene.tests.util.LuceneTestCase;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.Similarity;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class CodebookBundleToolTests extends LuceneTestCase {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** n vectors of dimension d around 8 well-separated centres, scaled by {@code scale}. */
    private static float[][] clusteredVectors(int n, int d, float scale, long seed) {
        Random random = new Random(seed);
        float[][] centres = new float[8][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) random.nextGaussian();
            }
        }
        float[][] vectors = new float[n][d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[random.nextInt(centres.length)];
            for (int j = 0; j < d; j++) {
                vectors[i][j] = scale * (c[j] + 0.05f * (float) random.nextGaussian());
            }
        }
        return vectors;
    }

    private Path writeJsonLines(String file, float[][] vectors, boolean asObjects) throws IOException {
        StringBuilder out = new StringBuilder();
        for (float[] v : vectors) {
            StringBuilder array = new StringBuilder("[");
            for (int j = 0; j < v.length; j++) {
                array.append(j == 0 ? "" : ",").append(v[j]);
            }
            array.append(']');
            out.append(asObjects ? "{\"id\": 1, \"emb\": " + array + "}" : array).append('\n');
            if (out.length() % 7 == 0) {
                out.append('\n'); // blank lines are allowed
            }
        }
        Path path = temp.getRoot().toPath().resolve(file);
        Files.writeString(path, out, StandardCharsets.UTF_8);
        return path;
    }

    private Path writeFvecs(String file, float[][] vectors) throws IOException {
        int d = vectors[0].length;
        ByteBuffer buffer = ByteBuffer.allocate(vectors.length * (4 + 4 * d)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : vectors) {
            buffer.putInt(d);
            for (float x : v) {
                buffer.putFloat(x);
            }
        }
        Path path = temp.getRoot().toPath().resolve(file);
        Files.write(path, buffer.array());
        return path;
    }

    private int run(String... args) {
        return CodebookBundleTool.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    private Path outDir() {
        return temp.getRoot().toPath().resolve("bundles");
    }

    @Test
    public void trainsFromJsonLinesAndTheNodeLoaderReadsTheResult() throws Exception {
        float[][] vectors = clusteredVectors(600, 16, 1f, 1);
        Path input = writeJsonLines("vectors.jsonl", vectors, false);

        int status = run("--input", input.toString(), "--name", "my-vectors", "--m", "4", "--bits", "4", "--out", outDir().toString());
        assertEquals(err(), 0, status);

        ModelBundle bundle = ModelBundleLoader.load(outDir().resolve("my-vectors"));
        assertEquals(16, bundle.descriptor().dimensions());
        assertEquals(4, bundle.descriptor().pq().m());
        assertEquals(4, bundle.descriptor().pq().bits());
        assertEquals(Similarity.L2_NORM, bundle.descriptor().similarity());
        assertEquals(Long.valueOf(600), bundle.descriptor().training().vectors());
        assertEquals("vectors.jsonl", bundle.descriptor().training().source());
        assertTrue(out(), out().contains("bundle checksum: " + bundle.checksum()));
        assertTrue(out(), out().contains("read 600 vectors of dimension 16"));

        // The codebook learned the data: its error is far below that of the vectors' own spread.
        float[] flat = flatten(vectors);
        double error = bundle.quantizer().quantizationError(flat, vectors.length);
        assertTrue("quantisation error " + error + " vs variance " + totalVariance(vectors), error < 0.1 * totalVariance(vectors));
        // No staging folders are left behind.
        try (var listing = Files.list(outDir())) {
            assertEquals(List.of(outDir().resolve("my-vectors")), listing.toList());
        }
    }

    @Test
    public void trainsIvfCentroidsWithNlistFromTheTrainingSizeOrAsAsked() throws Exception {
        float[][] vectors = clusteredVectors(2000, 8, 1f, 8);
        Path input = writeJsonLines("v.jsonl", vectors, false);
        assertEquals(err(), 0, run("--input", input.toString(), "--name", "auto", "--m", "2", "--bits", "4", "--out", outDir().toString()));
        // min(4 * sqrt(2000), 2000 / 39) = min(179, 51) = 51, and the rule is printed.
        assertEquals(51, io.audiopq.model.CodebookTraining.autoNlist(2000));
        assertTrue(out(), out().contains("IVF: nlist = min(4*sqrt(n), n/39) = 51 for n = 2000 training vectors"));
        ModelBundle auto = ModelBundleLoader.load(outDir().resolve("auto"));
        assertEquals(51, auto.ivf().nlist());
        assertEquals(IvfPqQuantizer.Encoding.DIRECT, auto.descriptor().ivf().encoding());
        assertEquals(auto.quantizer(), auto.ivf().pq());

        assertEquals(err(), 0, run("--input", input.toString(), "--name", "res", "--m", "2", "--bits", "4", "--nlist", "8",
            "--ivf-encoding", "residual", "--out", outDir().toString()));
        ModelBundle residual = ModelBundleLoader.load(outDir().resolve("res"));
        assertEquals(8, residual.ivf().nlist());
        assertEquals(IvfPqQuantizer.Encoding.RESIDUAL, residual.ivf().encoding());
        // Residuals from 8 centroids of 8 clusters are small: so are the codewords trained on them.
        assertTrue(maxAbs(residual.quantizer().centroids()) < 0.5 * maxAbs(auto.quantizer().centroids()));

        assertEquals(err(), 0, run("--input", input.toString(), "--name", "none", "--m", "2", "--bits", "4", "--nlist", "0", "--out", outDir().toString()));
        assertNull(ModelBundleLoader.load(outDir().resolve("none")).ivf());
        assertEquals(0, io.audiopq.model.CodebookTraining.autoNlist(77));
        assertEquals(1, run("--input", input.toString(), "--name", "big", "--m", "2", "--nlist", "3000", "--out", outDir().toString()));
        assertTrue(err(), err().contains("--nlist 3000 needs at least as many training vectors, got 2000"));
        assertEquals(2, run("--input", input.toString(), "--name", "bad", "--m", "2", "--ivf-encoding", "residuals", "--out", outDir().toString()));
        assertTrue(err(), err().contains("--ivf-encoding must be direct or residual, got [residuals]"));
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    @Test
    public void readsObjectLinesAndFvecsTogether() throws Exception {
        float[][] first = clusteredVectors(300, 8, 1f, 2);
        float[][] second = clusteredVectors(200, 8, 1f, 3);
        Path jsonl = writeJsonLines("objects.json", first, true);
        Path fvecs = writeFvecs("more.fvecs", second);

        int status = run(
            "--input", jsonl.toString(), "--input", fvecs.toString(), "--field", "emb",
            "--name", "mixed", "--m", "2", "--bits", "8", "--out", outDir().toString()
        );
        assertEquals(err(), 0, status);
        ModelBundle bundle = ModelBundleLoader.load(outDir().resolve("mixed"));
        assertEquals(Long.valueOf(500), bundle.descriptor().training().vectors());
        assertEquals("objects.json, more.fvecs", bundle.descriptor().training().source());
        assertEquals(8, bundle.quantizer().nbits());
    }

    @Test
    public void cosineTrainsOnNormalisedVectors() throws Exception {
        // Vectors of norm ~40: an l2 codebook reproduces that scale, a cosine codebook unit vectors.
        float[][] vectors = clusteredVectors(400, 8, 10f, 4);
        Path input = writeJsonLines("big.jsonl", vectors, false);
        assertEquals(err(), 0, run("--input", input.toString(), "--name", "cos", "--m", "2", "--bits", "4", "--similarity", "cosine", "--out", outDir().toString()));
        assertEquals(err(), 0, run("--input", input.toString(), "--name", "l2", "--m", "2", "--bits", "4", "--out", outDir().toString()));

        ProductQuantizer cosine = ModelBundleLoader.load(outDir().resolve("cos")).quantizer();
        ProductQuantizer l2 = ModelBundleLoader.load(outDir().resolve("l2")).quantizer();
        for (float[] v : vectors) {
            float[] unit = io.audiopq.quantization.VectorMath.normalized(v);
            assertEquals(1.0, norm(cosine.decode(cosine.encode(unit))), 0.1);
            assertEquals(norm(v), norm(l2.decode(l2.encode(v))), 0.1 * norm(v));
        }
        assertEquals(Similarity.COSINE, ModelBundleLoader.load(outDir().resolve("cos")).descriptor().similarity());
    }

    @Test
    public void sameSeedSameBundleOtherSeedOtherCodebook() throws Exception {
        Path input = writeJsonLines("v.jsonl", clusteredVectors(300, 8, 1f, 5), false);
        String[] common = { "--input", input.toString(), "--name", "s", "--m", "2", "--bits", "4", "--force" };
        assertEquals(0, run(concat(common, "--seed", "11", "--out", outDir().resolve("a").toString())));
        assertEquals(0, run(concat(common, "--seed", "11", "--out", outDir().resolve("b").toString())));
        assertEquals(0, run(concat(common, "--seed", "12", "--out", outDir().resolve("c").toString())));
        ModelBundle a = ModelBundleLoader.load(outDir().resolve("a/s"));
        ModelBundle b = ModelBundleLoader.load(outDir().resolve("b/s"));
        ModelBundle c = ModelBundleLoader.load(outDir().resolve("c/s"));
        assertEquals(a.checksum(), b.checksum());
        assertNotEquals(a.quantizer().id(), c.quantizer().id());
    }

    @Test
    public void maxTrainingVectorsSamplesTheInput() throws Exception {
        Path input = writeJsonLines("v.jsonl", clusteredVectors(1000, 8, 1f, 6), false);
        assertEquals(err(), 0, run("--input", input.toString(), "--name", "sampled", "--m", "2", "--bits", "4", "--max-training-vectors", "100", "--out", outDir().toString()));
        assertEquals(Long.valueOf(100), ModelBundleLoader.load(outDir().resolve("sampled")).descriptor().training().vectors());
        assertTrue(out(), out().contains("read 1000 vectors of dimension 8; training on 100"));
    }

    @Test
    public void existingBundleNeedsForce() throws Exception {
        Path input = writeJsonLines("v.jsonl", clusteredVectors(100, 8, 1f, 7), false);
        String[] args = { "--input", input.toString(), "--name", "x", "--m", "2", "--bits", "4", "--out", outDir().toString() };
        assertEquals(0, run(args));
        String before = ModelBundleLoader.load(outDir().resolve("x")).checksum();
        assertEquals(1, run(args));
        assertTrue(err(), err().contains("bundle folder exists"));
        assertEquals(0, run(concat(args, "--force", "--seed", "3")));
        assertNotEquals(before, ModelBundleLoader.load(outDir().resolve("x")).checksum());
    }

    @Test
    public void badInputIsReportedWithFileAndLine() throws Exception {
        Path root = temp.getRoot().toPath();
        Files.writeString(root.resolve("mixed-dims.jsonl"), "[1,2,3,4]\n[1,2,3]\n");
        Files.writeString(root.resolve("zero.jsonl"), "[1,2,3,4]\n[0,0,0,0]\n");
        Files.writeString(root.resolve("strings.jsonl"), "[1,\"2\",3,4]\n");
        Files.writeString(root.resolve("nofield.jsonl"), "{\"vec\": [1,2]}\n");
        Files.writeString(root.resolve("broken.jsonl"), "[1,2,\n");
        Files.writeString(root.resolve("dupkey.jsonl"), "{\"vector\": [1,2,3,4], \"vector\": [5,6,7,8]}\n");
        Files.writeString(root.resolve("huge.jsonl"), "[1,2,3,4]\n[1,1e999,3,4]\n");
        Files.writeString(root.resolve("nofloat.jsonl"), "[1,2,3,4]\n[1,1e300,3,4]\n");
        Files.writeString(root.resolve("notarray.jsonl"), "[1,2,3,4]\n\"1,2,3,4\"\n");
        Files.write(root.resolve("short.fvecs"), ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(4).putFloat(1f).putFloat(2f).array());
        Files.writeString(root.resolve("empty.jsonl"), "\n\n");

        assertFails("mixed-dims.jsonl", "l2_norm", "mixed-dims.jsonl:2: vector has 3 dimensions, but");
        assertFails("zero.jsonl", "cosine", "zero.jsonl:2: zero vector");
        assertFails("strings.jsonl", "l2_norm", "strings.jsonl:1: element 1 is string, expected a number");
        assertFails("nofield.jsonl", "l2_norm", "nofield.jsonl:1: object has no key [vector]");
        assertFails("broken.jsonl", "l2_norm", "broken.jsonl:1: not valid JSON");
        assertFails("dupkey.jsonl", "l2_norm", "dupkey.jsonl:1: not valid JSON: Duplicate field 'vector' at line 1, column ");
        assertFails("huge.jsonl", "l2_norm", "huge.jsonl:2: not valid JSON: number out of range: 1e999 at line 1, column ");
        assertFails("nofloat.jsonl", "l2_norm", "nofloat.jsonl:2: element 1 (1.0E300) does not fit a float");
        assertFails("notarray.jsonl", "l2_norm", "notarray.jsonl:2: expected an array of numbers or an object with key [vector], got string");
        assertFails("short.fvecs", "l2_norm", "short.fvecs: vector 0: file ends in the middle of a vector");
        assertFails("empty.jsonl", "l2_norm", "no vectors found");
        assertFails("missing.jsonl", "l2_norm", "missing.jsonl");
    }

    @Test
    public void tooFewVectorsOrBadShapeFailBeforeWriting() throws Exception {
        Path input = writeJsonLines("few.jsonl", clusteredVectors(10, 8, 1f, 8), false);
        assertEquals(1, run("--input", input.toString(), "--name", "few", "--m", "2", "--bits", "4", "--out", outDir().toString()));
        assertTrue(err(), err().contains("needs at least 16 vectors"));
        assertEquals(1, run("--input", input.toString(), "--name", "few", "--m", "3", "--bits", "4", "--out", outDir().toString()));
        assertTrue(err(), err().contains("--m 3 must divide the vectors' dimension 8"));
        assertFalse(Files.exists(outDir().resolve("few")));
    }

    @Test
    public void usageErrorsExitWithTwoAndNameTheOption() {
        assertUsage("--name is required", "--input", "x", "--m", "2", "--out", "o");
        assertUsage("--input is required", "--name", "x", "--m", "2", "--out", "o");
        assertUsage("--m is required", "--input", "x", "--name", "x", "--out", "o");
        assertUsage("--out is required", "--input", "x", "--name", "x", "--m", "2");
        assertUsage("--bits must be 4 or 8, got 6", "--bits", "6");
        assertUsage("--similarity must be one of [l2_norm, cosine, dot_product], got [cos]", "--similarity", "cos");
        assertUsage("--m must be an integer, got [two]", "--m", "two");
        assertUsage("--name [My Vectors] is not a valid bundle name", "--input", "x", "--name", "My Vectors", "--m", "2", "--out", "o");
        assertUsage("unknown option [--dims]", "--dims", "3");
        assertUsage("--seed needs a value", "--seed");
        assertEquals(0, run("--help"));
        assertTrue(out().contains("Usage: make-bundle.sh"));
    }

    @Test
    public void parseKeepsDefaultsDocumentedInUsage() throws Exception {
        CodebookBundleTool.Options options = CodebookBundleTool.parse(new String[] { "--input", "a", "--name", "n", "--m", "4", "--out", "o" });
        assertEquals(8, options.bits());
        assertEquals(Similarity.L2_NORM, options.similarity());
        assertEquals(42L, options.seed());
        assertEquals(25, options.iterations());
        assertEquals(65_536, options.maxTrainingVectors());
        assertEquals("vector", options.field());
        assertEquals("auto", options.format());
        assertNull(options.description());
        assertFalse(options.force());
        for (String documented : List.of("default 8", "default l2_norm", "default 42", "default 25", "default 65536", "default vector")) {
            assertTrue(documented, CodebookBundleTool.USAGE.contains(documented));
        }
    }

    private void assertFails(String file, String similarity, String message) {
        stderr.reset();
        Path input = temp.getRoot().toPath().resolve(file);
        int status = run("--input", input.toString(), "--name", "bad", "--m", "2", "--bits", "4", "--similarity", similarity, "--out", outDir().toString());
        assertEquals(err(), 1, status);
        assertTrue(err(), err().contains(message));
        assertFalse(Files.exists(outDir().resolve("bad")));
    }

    private void assertUsage(String message, String... args) {
        stderr.reset();
        assertEquals(2, run(args));
        assertTrue(err(), err().contains("error: " + message));
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static float[] flatten(float[][] vectors) {
        int d = vectors[0].length;
        float[] flat = new float[vectors.length * d];
        for (int i = 0; i < vectors.length; i++) {
            System.arraycopy(vectors[i], 0, flat, i * d, d);
        }
        return flat;
    }

    private static double totalVariance(float[][] vectors) {
        int d = vectors[0].length;
        double[] mean = new double[d];
        for (float[] v : vectors) {
            for (int j = 0; j < d; j++) {
                mean[j] += v[j] / (double) vectors.length;
            }
        }
        double total = 0;
        for (float[] v : vectors) {
            for (int j = 0; j < d; j++) {
                total += (v[j] - mean[j]) * (v[j] - mean[j]);
            }
        }
        return total / vectors.length;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
