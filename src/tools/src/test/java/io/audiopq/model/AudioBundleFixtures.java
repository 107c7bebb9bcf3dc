package io.audiopq.model;

import io.audiopq.testing.TestAudio;
import io.audiopq.quantization.ProductQuantizer;
import io.audiopq.tools.AudioBundleTool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Audio bundle folders for tests, made with the project's own ONNX writer (no model files in the repository). */
public final class AudioBundleFixtures {

    private AudioBundleFixtures() {}

    /** Dimension of the statistics backbone over 64 mel bands. */
    public static final int STATISTICS_DIMENSIONS = AudioBundleTool.STATISTICS_DIMENSIONS;

    /**
     * A small audio bundle {@code parent/name/}: the default bundle's statistics backbone (without
     * standardisation), YAMNet-style front end, and a 4-bit codebook trained on Gaussian vectors.
     */
    public static Path statisticsBundle(Path parent, String name) throws IOException {
        ProductQuantizer pq = BundleFixtures.trainedQuantizer(STATISTICS_DIMENSIONS, 8, 4, 11);
        ModelDescriptor descriptor = new ModelDescriptor(ModelDescriptor.FORMAT_VERSION, name, ModelKind.AUDIO, "test audio bundle",
            STATISTICS_DIMENSIONS, Similarity.COSINE, new ModelDescriptor.Pq(ModelBundleWriter.CODEBOOK_FILE, 8, 4), null, null,
            AudioBundleTool.defaultSpec());
        Path backbone = Files.createTempFile(parent, "backbone", ".onnx");
        float[] ones = new float[STATISTICS_DIMENSIONS];
        Arrays.fill(ones, 1f);
        Files.write(backbone, AudioBundleTool.statisticsBackbone(64, new float[STATISTICS_DIMENSIONS], ones));
        try {
            return ModelBundleWriter.write(parent, descriptor, pq, Map.of("backbone.onnx", backbone), true);
        } finally {
            Files.delete(backbone);
        }
    }

    /**
     * A mn04 bundle {@code parent/name/} (files copied from ../shared; skips the test when absent)
     * with a 4-bit codebook trained on Gaussian vectors: enough for the processor, not for search.
     */
    public static Path mn04Bundle(Path parent, String name) throws IOException {
        Path model = TestAudio.requireMn04();
        ProductQuantizer pq = BundleFixtures.trainedQuantizer(384, 8, 4, 13);
        return AudioBundleTool.writeMn04Bundle(model.getParent(), parent, name, pq, null, null);
    }
}
