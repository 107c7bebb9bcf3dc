package io.audiopq.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a bundle sent as one archive (zip, tar or gzip-compressed tar of the bundle folder) into
 * a folder that {@link ModelBundleLoader} then validates exactly as a bundle copied by hand. The
 * archive is untrusted input: entries may only be regular files and folders with relative paths
 * that stay inside the target (no {@code ..}, no absolute paths, no links), the unpacked total is
 * bounded (a small archive may expand enormously), and so is the number of files. The files may
 * sit at the archive root or inside one top folder (what {@code zip -r name.zip name/} writes).
 */
public final class BundleArchive {

    /** A bundle is model.json and a handful of files; more entries than this are not a bundle. */
    static final int MAX_FILES = 256;

    private static final int TAR_BLOCK = 512;

    private BundleArchive() {}

    /**
     * Unpacks {@code archive} into {@code target/name/} ({@code target} must exist and be empty)
     * and returns that folder.
     *
     * @param maxUnpackedBytes the most bytes all files together may hold once unpacked
     * @throws InvalidBundleException naming the bundle and the entry when the archive is unreadable,
     *                                of an unknown format, holds an unsafe or duplicate entry, or is too large
     */
    public static Path extract(byte[] archive, Path target, String name, long maxUnpackedBytes) throws InvalidBundleException {
        Map<String, byte[]> files = read(archive, name, maxUnpackedBytes);
        if (files.isEmpty()) {
            throw new InvalidBundleException(name, null, "the archive holds no files");
        }
        String prefix = commonFolder(files);
        Path folder = target.resolve(name);
        try {
            Files.createDirectories(folder);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = folder.resolve(file.getKey().substring(prefix.length()));
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        } catch (IOException e) {
            throw new InvalidBundleException(name, null, "cannot unpack the archive into " + folder + ": " + e, e);
        }
        return folder;
    }

    /** Entry path → bytes, in archive order. */
    private static Map<String, byte[]> read(byte[] archive, String name, long maxBytes) throws InvalidBundleException {
        try {
            if (archive.length >= 4 && archive[0] == 'P' && archive[1] == 'K' && archive[2] == 3 && archive[3] == 4) {
                return readZip(archive, name, maxBytes);
            }
            if (archive.length >= 2 && (archive[0] & 0xff) == 0x1f && (archive[1] & 0xff) == 0x8b) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(archive))) {
                    return readTar(in, name, maxBytes);
                }
            }
            if (archive.length >= TAR_BLOCK && new String(archive, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                return readTar(new ByteArrayInputStream(archive), name, maxBytes);
            }
        } catch (ZipException e) {
            throw new InvalidBundleException(name, null, "the archive is not a readable zip: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidBundleException(name, null, "the archive is not readable: " + e, e);
        }
        throw new InvalidBundleException(name, null, "the body is not a bundle archive: expected a zip, a tar or a gzip-compressed tar of the bundle folder");
    }

    private static Map<String, byte[]> readZip(byte[] archive, String name, long maxBytes) throws IOException, InvalidBundleException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long[] total = { 0 };
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null;) {
                String path = checkPath(name, entry.getName());
                if (entry.isDirectory()) {
                    continue;
                }
                // The declared size may lie: count the bytes actually inflated.
                add(files, name, path, readBounded(zip, name, path, maxBytes, total));
            }
        }
        return files;
    }

    /** POSIX ustar (and GNU tar's default output for short names): regular files and folders only; pax headers are skipped. */
    private static Map<String, byte[]> readTar(InputStream in, String name, long maxBytes) throws IOException, InvalidBundleException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long[] total = { 0 };
        byte[] header = new byte[TAR_BLOCK];
        while (true) {
            if (in.readNBytes(header, 0, TAR_BLOCK) < TAR_BLOCK) {
                throw new InvalidBundleException(name, null, "the tar archive ends inside an entry header");
            }
            if (allZero(header)) {
                return files;
            }
            String entryName = cString(header, 0, 100);
            String prefix = cString(header, 345, 155);
            String path = prefix.isEmpty() ? entryName : prefix + "/" + entryName;
            long size = octal(header, 124, 12, name, path);
            char type = (char) header[156];
            long padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
            switch (type) {
                case '0', '\0' -> {
                    String checked = checkPath(name, path);
                    if (total[0] + size > maxBytes) {
                        throw tooLarge(name, maxBytes);
                    }
                    byte[] data = in.readNBytes((int) size);
                    if (data.length < size) {
                        throw new InvalidBundleException(name, null, "the tar archive ends inside entry [" + path + "]");
                    }
                    total[0] += size;
                    add(files, name, checked, data);
                    in.skipNBytes(padded - size);
                }
                case '5' -> {
                    checkPath(name, path);
                    in.skipNBytes(padded);
                }
                case 'x', 'g' -> in.skipNBytes(padded); // pax extended headers (mtime, owner...): nothing a bundle needs
                default -> throw new InvalidBundleException(name, null, "archive entry [" + path + "] is of tar type [" + type
                    + "]; a bundle archive holds only regular files and folders (no links or devices)");
            }
        }
    }

    private static byte[] readBounded(InputStream in, String name, String path, long maxBytes, long[] total) throws IOException,
        InvalidBundleException {
        var out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        for (int read; (read = in.read(buffer)) != -1;) {
            total[0] += read;
            if (total[0] > maxBytes) {
                throw tooLarge(name, maxBytes);
            }
            out.write(buffer, 0, read);
        }
        return out.toByteArray();
    }

    private static InvalidBundleException tooLarge(String name, long maxBytes) {
        return new InvalidBundleException(name, null, "the archive unpacks to more than " + maxBytes + " bytes, the most a bundle may hold");
    }

    private static void add(Map<String, byte[]> files, String name, String path, byte[] data) throws InvalidBundleException {
        if (files.putIfAbsent(path, data) != null) {
            throw new InvalidBundleException(name, null, "archive entry [" + path + "] appears twice");
        }
        if (files.size() > MAX_FILES) {
            throw new InvalidBundleException(name, null, "the archive holds more than " + MAX_FILES + " files; a bundle is model.json and the files it names");
        }
    }

    /** A relative path of plain names: no absolute path, drive, backslash, {@code .} or {@code ..} segment. */
    private static String checkPath(String name, String path) throws InvalidBundleException {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        boolean bad = trimmed.isEmpty() || trimmed.startsWith("/") || trimmed.indexOf('\\') >= 0 || trimmed.indexOf(':') >= 0
            || trimmed.indexOf('\0') >= 0;
        for (String segment : trimmed.split("/", -1)) {
            bad |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (bad) {
            throw new InvalidBundleException(name, null, "archive entry [" + path + "] is not a plain relative path inside the bundle folder");
        }
        return trimmed;
    }

    /** {@code "top/"} when every file lies under one folder and no model.json sits at the root; otherwise {@code ""}. */
    private static String commonFolder(Map<String, byte[]> files) {
        if (files.containsKey(ModelDescriptor.FILE_NAME)) {
            return "";
        }
        Set<String> tops = new HashSet<>();
        for (String path : files.keySet()) {
            int slash = path.indexOf('/');
            tops.add(slash < 0 ? "" : path.substring(0, slash + 1));
        }
        return tops.size() == 1 ? tops.iterator().next() : "";
    }

    private static boolean allZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length, String name, String path) throws InvalidBundleException {
        String text = cString(header, offset, length).trim();
        try {
            long value = text.isEmpty() ? 0 : Long.parseLong(text, 8);
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw new NumberFormatException("out of range");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidBundleException(name, null, "archive entry [" + path + "] has an unreadable size [" + text.toLowerCase(Locale.ROOT) + "]", e);
        }
    }

    /** Writes {@code folder}'s files (not sub-folders) as a zip with the files at its root: for tools and tests. */
    public static void zipFolder(Path folder, OutputStream out) throws IOException {
        try (var zip = new java.util.zip.ZipOutputStream(out); var files = Files.list(folder)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(file.getFileName().toString()));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
    }
}
