package io.audiopq.model;

import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** The one training path of the bundle tools and {@code _train}: nlist rule and checks, and the in-memory archive being the folder bundle. */
public class CodebookTrainingTests {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    @Test
    public void autoNlistIsTheLowEndOfFaissRangeWithin39PerCentroid() {
        assertEquals(51, CodebookTraining.autoNlist(2000)); // min(179, 51)
        assertEquals(1265, CodebookTraining.autoNlist(100_000)); // min(1265, 2564)
        assertEquals(0, CodebookTraining.autoNlist(77)); // 1 list is no IVF
        assertEquals(CodebookTraining.MAX_NLIST, CodebookTraining.autoNlist(Integer.MAX_VALUE));
        assertEquals("nlist = min(4*sqrt(n), n/39) = 51 for n = 2000 training vectors (FAISS: 4-16*sqrt(N) lists, >= 39 training vectors per list)",
            CodebookTraining.autoNlistRule(2000));
    }

    @Test
    public void nlistChecksNameTheCallersParameters() {
        assertEquals("[ivf.nlist] 200 needs at least as many training vectors, got 100", assertThrows(IllegalArgumentException.class,
            () -> CodebookTraining.checkNlist(200, 100, IvfPqQuantizer.Encoding.DIRECT, "[ivf.nlist]", "[ivf.encoding]")).getMessage());
        assertEquals("--nlist must be at most 65536, got 70000", assertThrows(IllegalArgumentException.class,
            () -> CodebookTraining.checkNlist(70_000, 1_000_000, IvfPqQuantizer.Encoding.DIRECT, "--nlist", "--ivf-encoding")).getMessage());
        assertEquals("--ivf-encoding residual needs IVF centroids, but nlist is 0 for 50 training vectors", assertThrows(IllegalArgumentException.class,
            () -> CodebookTraining.checkNlist(0, 50, IvfPqQuantizer.Encoding.RESIDUAL, "--nlist", "--ivf-encoding")).getMessage());
        CodebookTraining.checkNlist(0, 50, IvfPqQuantizer.Encoding.DIRECT, "--nlist", "--ivf-encoding");
    }

    @Test
    public void theZippedBundleIsTheFolderBundle() throws Exception {
        int n = 600, d = 8;
        float[] data = new float[n * d];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        for (int nlist : new int[] { 0, 12 }) {
            CodebookTraining.Trained trained = CodebookTraining.train(data, n, d, 2, 4, nlist, IvfPqQuantizer.Encoding.DIRECT, KMeans.Params.DEFAULT,
                KMeans.Progress.NONE);
            assertEquals(nlist, trained.nlist());
            if (nlist == 0) {
                assertNull(trained.descriptor());
            }
            ModelDescriptor descriptor = CodebookTraining.descriptor("zipped", null, Similarity.L2_NORM, trained,
                new ModelDescriptor.Training((long) n, 42L, 25L, "a test"));
            Path folder = ModelBundleWriter.write(temp.newFolder().toPath(), descriptor, trained.pq(), trained.centroids(), Map.of(), false);
            byte[] zip = ModelBundleWriter.zip(descriptor, trained.pq(), trained.centroids());
            Path unpacked = BundleArchive.extract(zip, temp.newFolder().toPath(), "zipped", 1 << 20);
            ModelBundle fromFolder = ModelBundleLoader.load(folder);
            ModelBundle fromZip = ModelBundleLoader.load(unpacked);
            assertEquals(fromFolder.checksum(), fromZip.checksum());
            assertEquals(nlist == 0 ? 2 : 3, Files.list(unpacked).count());
        }
    }

    @Test
    public void aMismatchedDescriptorIsRefused() {
        float[] data = new float[300 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 17;
        }
        CodebookTraining.Trained trained = CodebookTraining.train(data, 300, 4, 2, 4, 0, IvfPqQuantizer.Encoding.DIRECT, KMeans.Params.DEFAULT,
            KMeans.Progress.NONE);
        ModelDescriptor descriptor = CodebookTraining.descriptor("x", null, Similarity.L2_NORM, trained, null);
        ModelDescriptor withIvf = new ModelDescriptor(descriptor.formatVersion(), "x", descriptor.kind(), null, 4, Similarity.L2_NORM, descriptor.pq(),
            new ModelDescriptor.Ivf(ModelBundleWriter.CENTROIDS_FILE, IvfPqQuantizer.Encoding.DIRECT), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelBundleWriter.zip(withIvf, trained.pq(), null));
        assertTrue(e.getMessage(), e.getMessage().contains("the descriptor's ivf section needs centroids"));
    }
}
