package io.audiopq.model;

import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a bundle folder (model.json, the codebook and optionally IVF centroids) that {@link ModelBundleLoader}
 * reads back. The folder is assembled under a hidden temporary name and renamed into place, so a
 * node starting meanwhile never sees half a bundle ({@link ModelRegistry} skips hidden folders).
 */
public final class ModelBundleWriter {

    /** The codebook's file name in bundles this writer makes. */
    public static final String CODEBOOK_FILE = "codebook.pq";
    /** The IVF centroids' file name in bundles this writer makes. */
    public static final String CENTROIDS_FILE = "centroids.ivf";

    private ModelBundleWriter() {}

    /**
     * Writes {@code parent/<descriptor.name()>/}.
     *
     * @param overwrite replace an existing folder of that name; otherwise an existing one is an error
     * @return the bundle folder
     */
    public static Path write(Path parent, ModelDescriptor descriptor, ProductQuantizer quantizer, boolean overwrite) throws IOException {
        return write(parent, descriptor, quantizer, java.util.Map.of(), overwrite);
    }

    /**
     * Writes {@code parent/<descriptor.name()>/} with further files (ONNX models, label files)
     * copied in: {@code files} maps each path relative to the bundle folder to its source file.
     */
    public static Path write(Path parent, ModelDescriptor descriptor, ProductQuantizer quantizer, java.util.Map<String, Path> files,
        boolean overwrite) throws IOException {
        return write(parent, descriptor, quantizer, null, files, overwrite);
    }

    /**
     * As {@link #write(Path, ModelDescriptor, ProductQuantizer, java.util.Map, boolean)}, with the
     * IVF coarse centroids the descriptor's {@code ivf} section names ({@code null} when it has none).
     */
    public static Path write(Path parent, ModelDescriptor descriptor, ProductQuantizer quantizer, CoarseQuantizer centroids,
        java.util.Map<String, Path> files, boolean overwrite) throws IOException {
        checkMatches(descriptor, quantizer, centroids);
        Files.createDirectories(parent);
        Path target = parent.resolve(descriptor.name());
        if (Files.exists(target) && overwrite == false) {
            throw new FileAlreadyExistsException(target.toString(), null, "bundle folder exists; pass overwrite to replace it");
        }
        // Not Files.createTempDirectory: its owner-only permissions would follow the bundle into a node's config dir.
        Path staging = Files.createDirectory(parent.resolve("." + descriptor.name() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        try {
            Files.write(staging.resolve(descriptor.pq().codebook()), quantizer.toBytes());
            if (centroids != null) {
                Files.write(staging.resolve(descriptor.ivf().centroids()), centroids.toBytes());
            }
            for (java.util.Map.Entry<String, Path> file : new java.util.TreeMap<>(files).entrySet()) {
                Path target2 = staging.resolve(file.getKey());
                Files.createDirectories(target2.getParent());
                Files.copy(file.getValue(), target2);
            }
            Files.writeString(staging.resolve(ModelDescriptor.FILE_NAME), descriptor.toJson(), StandardCharsets.UTF_8);
            if (Files.exists(target)) {
                deleteRecursively(target);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(staging)) {
                deleteRecursively(staging);
            }
        }
        return target;
    }

    /**
     * The bundle as a zip archive held in memory (model.json, the codebook and the centroids at its
     * root): what {@code PUT _audio_pq/models/{name}} takes, for a bundle trained in the cluster.
     */
    public static byte[] zip(ModelDescriptor descriptor, ProductQuantizer quantizer, CoarseQuantizer centroids) {
        checkMatches(descriptor, quantizer, centroids);
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
            zipEntry(zip, descriptor.pq().codebook(), quantizer.toBytes());
            if (centroids != null) {
                zipEntry(zip, descriptor.ivf().centroids(), centroids.toBytes());
            }
            zipEntry(zip, ModelDescriptor.FILE_NAME, descriptor.toJson().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void zipEntry(java.util.zip.ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new java.util.zip.ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    private static void checkMatches(ModelDescriptor descriptor, ProductQuantizer quantizer, CoarseQuantizer centroids) {
        if ((descriptor.ivf() != null) != (centroids != null)) {
            throw new IllegalArgumentException(descriptor.ivf() == null ? "centroids given but the descriptor has no ivf section" : "the descriptor's ivf section needs centroids");
        }
        if (centroids != null && centroids.dimension() != descriptor.dimensions()) {
            throw new IllegalArgumentException("centroids have D=" + centroids.dimension() + ", the descriptor " + descriptor.dimensions());
        }
        if (quantizer.dimension() != descriptor.dimensions()
            || quantizer.m() != descriptor.pq().m()
            || quantizer.nbits() != descriptor.pq().bits()) {
            throw new IllegalArgumentException("descriptor (D=" + descriptor.dimensions() + ", M=" + descriptor.pq().m() + ", bits="
                + descriptor.pq().bits() + ") does not match " + quantizer);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
