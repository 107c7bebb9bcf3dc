package io.audiopq.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 checksums of bundle files and of a whole bundle.
 *
 * <p>The bundle checksum is the SHA-256 of a manifest with one line {@code <sha256>  <path>\n} per
 * file (model.json and every file it names), sorted by path: exactly what
 * {@code sha256sum model.json codebook.pq | LC_ALL=C sort -k2 | sha256sum} prints, so an operator
 * can check a bundle on disk without this code. Two nodes agree on the checksum exactly when they
 * hold byte-identical bundles.
 */
public final class BundleChecksums {

    private BundleChecksums() {}

    /** Lowercase hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Streams a file through SHA-256 (IVF centroids can be large; they are not held in memory). */
    public static FileChecksum ofFile(Path bundleDir, String relativePath) throws IOException {
        MessageDigest digest = digest();
        long size = 0;
        try (InputStream in = Files.newInputStream(bundleDir.resolve(relativePath))) {
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) != -1) {
                digest.update(buffer, 0, read);
                size += read;
            }
        }
        return new FileChecksum(relativePath, HexFormat.of().formatHex(digest.digest()), size);
    }

    /** The bundle checksum over {@code files} (any order; sorted here). */
    public static String bundleChecksum(List<FileChecksum> files) {
        StringBuilder manifest = new StringBuilder();
        files.stream()
            .sorted(Comparator.comparing(FileChecksum::path))
            .forEach(f -> manifest.append(f.sha256()).append("  ").append(f.path()).append('\n'));
        return sha256(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
