package io.audiopq.model;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

/** Archives of a bundle folder unpack to a folder the loader accepts; hostile archives are refused with the entry at fault. */
public class BundleArchiveTests {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    private Path bundle(String name) throws IOException {
        return BundleFixtures.validBundle(temp.newFolder().toPath(), name);
    }

    private static byte[] zip(String prefix, Path folder, String... extra) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String file : new String[] { "model.json", "codebook.pq" }) {
                zip.putNextEntry(new ZipEntry(prefix + file));
                zip.write(Files.readAllBytes(folder.resolve(file)));
                zip.closeEntry();
            }
            for (String entry : extra) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(1);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** A POSIX ustar archive written by hand: regular files (type '0') and {@code special} entries of the given type. */
    private static byte[] tar(Path folder, String prefix, char specialType) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String file : new String[] { "model.json", "codebook.pq" }) {
            byte[] data = Files.readAllBytes(folder.resolve(file));
            out.write(tarHeader(prefix + file, data.length, '0'));
            out.write(data);
            out.write(new byte[(512 - data.length % 512) % 512]);
        }
        if (specialType != 0) {
            out.write(tarHeader(prefix + "link", 0, specialType));
        }
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    private static byte[] tarHeader(String name, long size, char type) {
        byte[] header = new byte[512];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        byte[] sizeBytes = String.format("%011o", size).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(sizeBytes, 0, header, 124, sizeBytes.length);
        header[156] = (byte) type;
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
        return header;
    }

    private String checksumOf(Path folder) throws InvalidBundleException {
        return ModelBundleLoader.load(folder).checksum();
    }

    @Test
    public void zipWithFilesAtTheRootOrInOneFolderUnpacksToTheSameBundle() throws Exception {
        Path folder = bundle("zipped");
        String checksum = checksumOf(folder);
        for (String prefix : new String[] { "", "zipped/" }) {
            Path unpacked = BundleArchive.extract(zip(prefix, folder), temp.newFolder().toPath(), "zipped", 1 << 20);
            assertEquals(prefix, checksum, checksumOf(unpacked));
        }
    }

    @Test
    public void tarAndGzipTarUnpack() throws Exception {
        Path folder = bundle("tarred");
        String checksum = checksumOf(folder);
        byte[] tar = tar(folder, "tarred/", (char) 0);
        assertEquals(checksum, checksumOf(BundleArchive.extract(tar, temp.newFolder().toPath(), "tarred", 1 << 20)));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar);
        }
        assertEquals(checksum, checksumOf(BundleArchive.extract(gz.toByteArray(), temp.newFolder().toPath(), "tarred", 1 << 20)));
    }

    @Test
    public void entriesOutsideTheFolderAreRefused() throws Exception {
        Path folder = bundle("slip");
        for (String entry : new String[] { "../evil", "/etc/evil", "a/../../evil", "c:\\evil", "a//b" }) {
            Path target = temp.newFolder().toPath();
            InvalidBundleException e = assertThrows(InvalidBundleException.class,
                () -> BundleArchive.extract(zip("", folder, entry), target, "slip", 1 << 20));
            assertEquals("model bundle [slip]: archive entry [" + entry + "] is not a plain relative path inside the bundle folder", e.getMessage());
            try (var files = Files.list(target)) {
                assertEquals(entry, 0, files.count()); // checked before anything is written
            }
        }
        assertFalse(Files.exists(temp.getRoot().toPath().resolve("evil")));
    }

    @Test
    public void linksDuplicatesSizeAndJunkAreRefused() throws Exception {
        Path folder = bundle("hostile");
        Path target = temp.newFolder().toPath();
        assertEquals("model bundle [hostile]: archive entry [link] is of tar type [2]; a bundle archive holds only regular files and folders "
            + "(no links or devices)",
            assertThrows(InvalidBundleException.class, () -> BundleArchive.extract(tar(folder, "", '2'), target, "hostile", 1 << 20)).getMessage());
        ByteArrayOutputStream twice = new ByteArrayOutputStream();
        twice.write(tarHeader("x", 0, '0'));
        twice.write(tarHeader("x", 0, '0'));
        twice.write(new byte[1024]);
        assertEquals("model bundle [hostile]: archive entry [x] appears twice",
            assertThrows(InvalidBundleException.class, () -> BundleArchive.extract(twice.toByteArray(), target, "hostile", 1 << 20))
                .getMessage());
        long total = Files.size(folder.resolve("model.json")) + Files.size(folder.resolve("codebook.pq"));
        assertEquals("model bundle [hostile]: the archive unpacks to more than " + (total - 1) + " bytes, the most a bundle may hold",
            assertThrows(InvalidBundleException.class, () -> BundleArchive.extract(zip("", folder), target, "hostile", total - 1)).getMessage());
        assertEquals("model bundle [hostile]: the body is not a bundle archive: expected a zip, a tar or a gzip-compressed tar of the bundle folder",
            assertThrows(InvalidBundleException.class, () -> BundleArchive.extract("{}".getBytes(StandardCharsets.UTF_8), target, "hostile", 1 << 20))
                .getMessage());
        byte[] truncated = Arrays.copyOf(zip("", folder), 60);
        assertThrows(InvalidBundleException.class, () -> BundleArchive.extract(truncated, target, "hostile", 1 << 20));
    }
}
