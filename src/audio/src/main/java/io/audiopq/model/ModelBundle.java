package io.audiopq.model;

import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import java.nio.file.Path;
import java.util.List;

/**
 * A loaded, validated bundle: its descriptor, the product quantiser read from its codebook, and
 * the checksums that identify it (a mapping records {@link #checksum()}). This is the bundle's
 * content; {@link ModelEntry} is a registry's record of loading it (or of why that failed) and
 * {@link AudioEmbedderCache.BundleEmbedder} its running ONNX pipeline.
 *
 * @param directory  the bundle folder
 * @param descriptor the parsed model.json
 * @param quantizer  the codebook, already checked against the descriptor's D, M and bits
 * @param ivf        the bundle's IVF model (its coarse centroids with {@code quantizer} and the
 *                   descriptor's encoding), or null when it has no {@code ivf} section
 * @param files      model.json and every file it names, sorted by path
 * @param checksum   {@link BundleChecksums#bundleChecksum} over {@code files}
 */
public record ModelBundle(
    Path directory,
    ModelDescriptor descriptor,
    ProductQuantizer quantizer,
    IvfPqQuantizer ivf,
    List<FileChecksum> files,
    String checksum
) {

    public ModelBundle {
        files = List.copyOf(files);
    }

    public String name() {
        return descriptor.name();
    }
}
