package io.audiopq.model;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

public class ModelBundleLoaderTests extends LuceneTestCase {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    @Test
    public void loadsAValidBundleWithItsCodebookAndChecksums() throws Exception {
        Path dir = BundleFixtures.validBundle(temp.getRoot().toPath(), "good");
        ModelBundle bundle = ModelBundleLoader.load(dir);

        assertEquals("good", bundle.name());
        assertEquals(8, bundle.descriptor().dimensions());
        ProductQuantizer expected = ProductQuantizer.fromBytes(Files.readAllBytes(dir.resolve("codebook.pq")));
        assertArrayEquals(expected.centroids(), bundle.quantizer().centroids(), 0f);

        // Checksums recomputed here from the bytes on disk, manifest built as README documents it.
        String codebookSha = sha256(Files.readAllBytes(dir.resolve("codebook.pq")));
        String modelSha = sha256(Files.readAllBytes(dir.resolve("model.json")));
        assertEquals(
            List.of(
                new FileChecksum("codebook.pq", codebookSha, Files.size(dir.resolve("codebook.pq"))),
                new FileChecksum("model.json", modelSha, Files.size(dir.resolve("model.json")))
            ),
            bundle.files()
        );
        String manifest = codebookSha + "  codebook.pq\n" + modelSha + "  model.json\n";
        assertEquals(sha256(manifest.getBytes(StandardCharsets.UTF_8)), bundle.checksum());
    }

    @Test
    public void anyByteChangeChangesTheBundleChecksum() throws Exception {
        Path dir = BundleFixtures.validBundle(temp.getRoot().toPath(), "good");
        String before = ModelBundleLoader.load(dir).checksum();

        Files.writeString(dir.resolve("model.json"), Files.readString(dir.resolve("model.json")) + " ");
        String afterDescriptorEdit = ModelBundleLoader.load(dir).checksum();
        assertNotEquals(before, afterDescriptorEdit);

        Files.write(dir.resolve("codebook.pq"), BundleFixtures.trainedQuantizer(8, 2, 4, 99).toBytes());
        assertNotEquals(afterDescriptorEdit, ModelBundleLoader.load(dir).checksum());
    }

    @Test
    public void codebookThatDisagreesWithModelJsonIsRejectedPerKey() throws Exception {
        Path root = temp.getRoot().toPath();
        // model.json says D=8, M=2, bits=4; each codebook differs in exactly one of them.
        assertLoadError(
            BundleFixtures.bundleFolder(root, "d", BundleFixtures.modelJson("d", 8, 2, 4, "l2_norm", "codebook.pq"), 16, 2, 4),
            "dimensions",
            "is 8 but codebook [codebook.pq] was trained for D=16"
        );
        assertLoadError(
            BundleFixtures.bundleFolder(root, "m", BundleFixtures.modelJson("m", 8, 2, 4, "l2_norm", "codebook.pq"), 8, 4, 4),
            "pq.m",
            "is 2 but codebook [codebook.pq] was trained for M=4"
        );
        assertLoadError(
            BundleFixtures.bundleFolder(root, "b", BundleFixtures.modelJson("b", 8, 2, 4, "l2_norm", "codebook.pq"), 8, 2, 8),
            "pq.bits",
            "is 4 but codebook [codebook.pq] was trained for 8-bit codes"
        );
    }

    @Test
    public void missingOrCorruptFilesAreNamed() throws Exception {
        Path root = temp.getRoot().toPath();
        Path missing = BundleFixtures.bundleFolder(root, "missing", BundleFixtures.modelJson("missing", 8, 2, 4, "l2_norm", "other.pq"), 8, 2, 4);
        assertLoadError(missing, "pq.codebook", "file [other.pq] does not exist");

        Path corrupt = BundleFixtures.validBundle(root, "corrupt");
        byte[] bytes = Files.readAllBytes(corrupt.resolve("codebook.pq"));
        bytes[40] ^= 0x10;
        Files.write(corrupt.resolve("codebook.pq"), bytes);
        assertLoadError(corrupt, "pq.codebook", "file [codebook.pq] is not a valid PQ codebook: PQ codebook checksum mismatch");

        Path notACodebook = BundleFixtures.validBundle(root, "text");
        Files.writeString(notACodebook.resolve("codebook.pq"), "hello, I am not a codebook; this is plain text long enough to have a header");
        assertLoadError(notACodebook, "pq.codebook", "bad magic");

        Path directory = BundleFixtures.validBundle(root, "dir");
        Files.delete(directory.resolve("codebook.pq"));
        Files.createDirectory(directory.resolve("codebook.pq"));
        assertLoadError(directory, "pq.codebook", "[codebook.pq] is not a regular file");

        Path noDescriptor = Files.createDirectories(root.resolve("empty"));
        assertLoadError(noDescriptor, null, "no model.json in");

        Path badUtf8 = BundleFixtures.validBundle(root, "utf");
        Files.write(badUtf8.resolve("model.json"), new byte[] { '{', (byte) 0xC3, '}' });
        assertLoadError(badUtf8, null, "model.json is not valid UTF-8");
    }

    @Test
    public void symlinkEscapingTheBundleIsRejected() throws Exception {
        Path root = temp.getRoot().toPath();
        Path outside = root.resolve("outside.pq");
        Files.write(outside, BundleFixtures.trainedQuantizer(8, 2, 4, 1).toBytes());
        Path dir = BundleFixtures.bundleFolder(root, "link", BundleFixtures.modelJson("link", 8, 2, 4, "l2_norm", "linked.pq"), 8, 2, 4);
        Files.createSymbolicLink(dir.resolve("linked.pq"), outside);
        assertLoadError(dir, "pq.codebook", "resolves to a path outside the bundle folder");
    }

    @Test
    public void ivfCentroidsAreRequiredToExistAndAreChecksummed() throws Exception {
        Path root = temp.getRoot().toPath();
        String json = BundleFixtures.modelJson("ivf", 8, 2, 4, "l2_norm", "codebook.pq")
            .replace("\"pq\":", "\"ivf\": {\"centroids\": \"coarse.bin\"},\n  \"pq\":");
        Path dir = BundleFixtures.bundleFolder(root, "ivf", json, 8, 2, 4);
        assertLoadError(dir, "ivf.centroids", "file [coarse.bin] does not exist");

        byte[] garbage = new byte[100_000];
        new java.util.Random(3).nextBytes(garbage);
        Files.write(dir.resolve("coarse.bin"), garbage);
        assertLoadError(dir, "ivf.centroids", "file [coarse.bin] is not a valid IVF centroids file");
        Files.write(dir.resolve("coarse.bin"), new CoarseQuantizer(4, 3, new float[12]).toBytes());
        assertLoadError(dir, "ivf.centroids", "holds centroids of D=4 but dimensions is 8");

        CoarseQuantizer trained = new CoarseQuantizer(8, 3, new float[24]);
        byte[] centroids = trained.toBytes();
        Files.write(dir.resolve("coarse.bin"), centroids);
        ModelBundle bundle = ModelBundleLoader.load(dir);
        assertEquals(List.of("coarse.bin", "codebook.pq", "model.json"), bundle.files().stream().map(FileChecksum::path).toList());
        FileChecksum coarse = bundle.files().get(0);
        assertEquals(sha256(centroids), coarse.sha256());
        assertEquals(centroids.length, coarse.sizeInBytes());
        assertEquals(trained.id(), bundle.ivf().coarse().id());
        assertEquals(bundle.quantizer(), bundle.ivf().pq());
        assertEquals(IvfPqQuantizer.Encoding.DIRECT, bundle.ivf().encoding());
    }

    @Test
    public void writerAndLoaderRoundTripResidualIvf() throws Exception {
        ProductQuantizer pq = BundleFixtures.trainedQuantizer(8, 2, 4, 1);
        CoarseQuantizer centroids = new CoarseQuantizer(8, 2, new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1});
        ModelDescriptor descriptor = new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, "res", ModelKind.VECTORS, null, 8, Similarity.L2_NORM,
            new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, 2, 4),
            new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, IvfPqQuantizer.Encoding.RESIDUAL), null);
        Path dir = ModelBundleWriter.write(temp.getRoot().toPath(), descriptor, pq, centroids, java.util.Map.of(), false);
        ModelBundle bundle = ModelBundleLoader.load(dir);
        assertEquals(descriptor, bundle.descriptor());
        assertEquals(IvfPqQuantizer.Encoding.RESIDUAL, bundle.ivf().encoding());
        assertEquals(centroids.id(), bundle.ivf().coarse().id());
        assertThrows(IllegalArgumentException.class, () -> ModelBundleWriter.write(temp.getRoot().toPath(), descriptor, pq, null, java.util.Map.of(), true));
    }

    @Test
    public void descriptorErrorsCarryTheBundleName() throws Exception {
        Path dir = BundleFixtures.bundleFolder(
            temp.getRoot().toPath(),
            "typo",
            BundleFixtures.modelJson("typo", 8, 2, 4, "l2_norm", "codebook.pq").replace("\"dimensions\"", "\"dimension\""),
            8,
            2,
            4
        );
        InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> ModelBundleLoader.load(dir));
        assertEquals("typo", e.bundle());
        assertTrue(e.getMessage(), e.getMessage().startsWith("model bundle [typo]: key [dimensions]: is required but missing"));
    }

    static void assertLoadError(Path dir, String key, String problem) {
        InvalidBundleException e = assertThrows(InvalidBundleException.class, () -> ModelBundleLoader.load(dir));
        assertEquals(e.getMessage(), dir.getFileName().toString(), e.bundle());
        assertEquals(e.getMessage(), key, e.key());
        assertTrue(e.getMessage(), e.getMessage().contains(problem));
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
