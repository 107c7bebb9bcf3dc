package io.audiopq.model;

import io.audiopq.quantization.ProductQuantizer;

import java.nio.file.Path;
import java.util.List;

/**
 * A loaded, validated bundle: its descriptor, the product quantiser read from its codebook, and
 * the checksums that identify it (a mapping records {@link #checksum()}).
 *
 * @param directory  the bundle folder
 * @param descriptor the parsed model.json
 * @param quantizer  the codebook, already checked against the descriptor's D, M and bits
 * @param files      model.json and every file it names, sorted by path
 * @param checksum   {@link BundleChecksums#bundleChecksum} over {@code files}
 */
public record ModelBundle(Path directory, ModelDescriptor descriptor, ProductQuantizer quantizer, List<FileChecksum> files, String checksum) {

    public ModelBundle {
        files = List.copyOf(files);
    }

    public String name() {
        return descriptor.name();
    }
}
