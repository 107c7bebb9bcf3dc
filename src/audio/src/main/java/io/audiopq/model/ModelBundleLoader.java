package io.audiopq.model;

import io.audiopq.audio.ClassifierLabels;
import io.audiopq.quantization.CoarseQuantizer;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads one bundle folder: parses model.json strictly, checks that every named file exists inside
 * the folder, computes the file and bundle checksums, and loads the PQ codebook (verifying that it
 * was trained for the descriptor's dimensions, M and bits) and the IVF centroids, if any. Everything that can be wrong with a
 * bundle surfaces as an {@link InvalidBundleException} naming the bundle, the key and the problem.
 */
public final class ModelBundleLoader {

    /** model.json is a few hundred bytes; anything this large is not one. */
    static final long MAX_DESCRIPTOR_BYTES = 1 << 20;
    /** A codebook is M × 2^bits × D/M floats: 16 MiB at D=4096 and 8 bits; the cap leaves room. */
    static final long MAX_CODEBOOK_BYTES = 64L << 20;
    /** The most IVF lists a field can have (as Lucene's format allows). */
    static final int MAX_NLIST = 1 << 16;
    /** IVF centroids are nlist × D floats: 64 MiB is 16,384 lists at D=1024 (or 4,096 at the largest D). */
    static final long MAX_CENTROIDS_BYTES = 64L << 20;

    private ModelBundleLoader() {}

    /** Loads the bundle in {@code directory}; its name is the folder name. */
    public static ModelBundle load(Path directory) throws InvalidBundleException {
        String bundle = directory.getFileName().toString();
        Path descriptorPath = directory.resolve(ModelDescriptor.FILE_NAME);
        if (Files.isRegularFile(descriptorPath) == false) {
            throw new InvalidBundleException(bundle, null, "no " + ModelDescriptor.FILE_NAME + " in " + directory);
        }
        byte[] descriptorBytes = readSmallFile(bundle, null, directory, ModelDescriptor.FILE_NAME, MAX_DESCRIPTOR_BYTES);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(descriptorBytes))
                .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidBundleException(bundle, null, "model.json is not valid UTF-8", e);
        }
        ModelDescriptor descriptor = ModelDescriptor.parse(bundle, json);

        List<FileChecksum> files = new ArrayList<>();
        files.add(new FileChecksum(ModelDescriptor.FILE_NAME, BundleChecksums.sha256(descriptorBytes), descriptorBytes.length));

        String codebookKey = "pq.codebook";
        String codebookPath = descriptor.pq().codebook();
        checkFile(bundle, codebookKey, directory, codebookPath);
        byte[] codebookBytes = readSmallFile(bundle, codebookKey, directory, codebookPath, MAX_CODEBOOK_BYTES);
        files.add(new FileChecksum(codebookPath, BundleChecksums.sha256(codebookBytes), codebookBytes.length));
        ProductQuantizer quantizer = readCodebook(bundle, descriptor, codebookBytes);

        IvfPqQuantizer ivf = null;
        String centroidsKey = "ivf.centroids";
        if (descriptor.ivf() != null) {
            String centroidsPath = descriptor.ivf().centroids();
            checkFile(bundle, centroidsKey, directory, centroidsPath);
            byte[] centroidBytes = readSmallFile(bundle, centroidsKey, directory, centroidsPath, MAX_CENTROIDS_BYTES);
            files.add(new FileChecksum(centroidsPath, BundleChecksums.sha256(centroidBytes), centroidBytes.length));
            ivf = readIvf(bundle, descriptor, quantizer, centroidBytes);
        }

        // Every other named file (ONNX models and their external data, label files) must exist
        // inside the folder and is checksummed, streamed: ONNX files can be large.
        for (String[] file : descriptor.referencedFilesWithKeys()) {
            String key = file[0], path = file[1];
            if (key.equals(codebookKey) || key.equals(centroidsKey)) {
                continue;
            }
            checkFile(bundle, key, directory, path);
            try {
                files.add(BundleChecksums.ofFile(directory, path));
            } catch (IOException e) {
                throw new InvalidBundleException(bundle, key, "cannot read file [" + path + "]: " + e, e);
            }
        }
        if (descriptor.audio() != null && descriptor.audio().classifier() != null) {
            readLabels(bundle, directory, descriptor.audio().classifier().labels());
        }
        files.sort(Comparator.comparing(FileChecksum::path));
        return new ModelBundle(directory, descriptor, quantizer, ivf, files, BundleChecksums.bundleChecksum(files));
    }

    /** Reads a classifier's label file: it must be a valid {@code index,mid,display_name} CSV with at least one class. */
    public static ClassifierLabels readLabels(String bundle, Path directory, String path) throws InvalidBundleException {
        try {
            ClassifierLabels labels = ClassifierLabels.readCsv(directory.resolve(path));
            if (labels.size() == 0) {
                throw new InvalidBundleException(bundle, "audio.classifier.labels", "file [" + path + "] lists no classes");
            }
            return labels;
        } catch (IOException | RuntimeException e) {
            throw new InvalidBundleException(bundle, "audio.classifier.labels", "file [" + path + "] is not a valid label CSV: " + e.getMessage(), e);
        }
    }

    private static ProductQuantizer readCodebook(String bundle, ModelDescriptor descriptor, byte[] bytes) throws InvalidBundleException {
        String path = descriptor.pq().codebook();
        ProductQuantizer quantizer;
        try {
            quantizer = ProductQuantizer.fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidBundleException(bundle, "pq.codebook", "file [" + path + "] is not a valid PQ codebook: " + e.getMessage(), e);
        }
        if (quantizer.dimension() != descriptor.dimensions()) {
            throw mismatch(bundle, "dimensions", descriptor.dimensions(), path, "D=" + quantizer.dimension());
        }
        if (quantizer.m() != descriptor.pq().m()) {
            throw mismatch(bundle, "pq.m", descriptor.pq().m(), path, "M=" + quantizer.m());
        }
        if (quantizer.nbits() != descriptor.pq().bits()) {
            throw mismatch(bundle, "pq.bits", descriptor.pq().bits(), path, quantizer.nbits() + "-bit codes");
        }
        return quantizer;
    }

    private static IvfPqQuantizer readIvf(String bundle, ModelDescriptor descriptor, ProductQuantizer quantizer, byte[] bytes)
        throws InvalidBundleException {
        String path = descriptor.ivf().centroids();
        CoarseQuantizer coarse;
        try {
            coarse = CoarseQuantizer.fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidBundleException(bundle, "ivf.centroids", "file [" + path + "] is not a valid IVF centroids file: " + e.getMessage(), e);
        }
        if (coarse.dimension() != descriptor.dimensions()) {
            throw new InvalidBundleException(
                bundle, "ivf.centroids", "file [" + path + "] holds centroids of D=" + coarse.dimension() + " but dimensions is " + descriptor.dimensions()
            );
        }
        if (coarse.nlist() > MAX_NLIST) {
            throw new InvalidBundleException(bundle, "ivf.centroids", "file [" + path + "] holds " + coarse.nlist() + " centroids, more than " + MAX_NLIST);
        }
        return new IvfPqQuantizer(coarse, quantizer, descriptor.ivf().encoding());
    }

    private static InvalidBundleException mismatch(String bundle, String key, int declared, String path, String actual) {
        return new InvalidBundleException(bundle, key, "is " + declared + " but codebook [" + path + "] was trained for " + actual);
    }

    /** The named file must exist, be a regular file, and (links resolved) lie inside the bundle folder. */
    private static void checkFile(String bundle, String key, Path directory, String relativePath) throws InvalidBundleException {
        Path file = directory.resolve(relativePath);
        if (Files.exists(file) == false) {
            throw new InvalidBundleException(bundle, key, "file [" + relativePath + "] does not exist in " + directory);
        }
        if (Files.isRegularFile(file) == false) {
            throw new InvalidBundleException(bundle, key, "[" + relativePath + "] is not a regular file");
        }
        try {
            if (file.toRealPath().startsWith(directory.toRealPath()) == false) {
                throw new InvalidBundleException(bundle, key, "file [" + relativePath + "] resolves to a path outside the bundle folder");
            }
        } catch (IOException e) {
            throw new InvalidBundleException(bundle, key, "cannot resolve file [" + relativePath + "]: " + e, e);
        }
    }

    private static byte[] readSmallFile(String bundle, String key, Path directory, String relativePath, long maxBytes)
        throws InvalidBundleException {
        Path file = directory.resolve(relativePath);
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new InvalidBundleException(bundle, key, "file [" + relativePath + "] is " + size + " bytes, more than the " + maxBytes + " allowed");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidBundleException(bundle, key, "file [" + relativePath + "] does not exist in " + directory, e);
        } catch (IOException e) {
            throw new InvalidBundleException(bundle, key, "cannot read file [" + relativePath + "]: " + e, e);
        }
    }
}
