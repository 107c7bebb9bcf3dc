package io.audiopq.audio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hand-made FLAC streams for the hardening tests: CONSTANT-subframe streams of any rate, channel
 * count, bit depth and length (cheap to make even for hours of audio), a libFLAC/sox-like
 * VORBIS_COMMENT block, and a stream whose frames make no progress.
 */
final class TestFlac {

    private TestFlac() {}

    /** libFLAC's vendor string, 32 bytes, as in files that sox writes. */
    static final String VENDOR = "reference libFLAC 1.3.3 20190804";
    /** One comment, so that the block is 62 (0x3e) bytes as in the reported file. */
    static final String COMMENT = "ENCODER=SoX 14.4.2";

    /** "fLaC" + STREAMINFO (with {@code last} set as given). */
    static byte[] header(int rate, int channels, int bits, int blockSize, long totalSamples, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("fLaC".getBytes(StandardCharsets.US_ASCII));
        out.write((last ? 0x80 : 0) | 0);
        out.write(0);
        out.write(0);
        out.write(34);
        BitWriter w = new BitWriter();
        w.write(blockSize, 16);
        w.write(blockSize, 16);
        w.write(0, 24);
        w.write(0, 24);
        w.write(rate, 20);
        w.write(channels - 1, 3);
        w.write(bits - 1, 5);
        w.write(totalSamples >>> 32, 4);
        w.write(totalSamples & 0xFFFFFFFFL, 32);
        for (int i = 0; i < 16; i++) {
            w.write(0, 8);
        }
        out.writeBytes(w.bytes());
        return out.toByteArray();
    }

    /** One frame of {@code blockSize} samples per channel, every channel CONSTANT {@code value}. */
    static byte[] constantFrame(long frameNumber, int channels, int bits, int blockSize, long value) {
        BitWriter w = new BitWriter();
        w.write(0x7FFC, 15);
        w.write(0, 1); // fixed block size
        w.write(7, 4); // block size: 16 bits at the end of the header
        w.write(0, 4); // rate from STREAMINFO
        w.write(channels - 1, 4);
        w.write(0, 3); // sample size from STREAMINFO
        w.write(0, 1);
        writeUtf8(w, frameNumber);
        w.write(blockSize - 1, 16);
        byte[] head = w.bytes();
        w.write(FlacDecoder.Crc.crc8(head, 0, head.length), 8);
        long mask = bits == 64 ? -1 : (1L << bits) - 1;
        for (int c = 0; c < channels; c++) {
            w.write(0, 8); // padding bit, type CONSTANT, no wasted bits
            w.write(value & mask, bits);
        }
        w.align();
        byte[] body = w.bytes();
        w.write(FlacDecoder.Crc.crc16(body, 0, body.length), 16);
        return w.bytes();
    }

    private static void writeUtf8(BitWriter w, long v) {
        if (v < 0x80) {
            w.write(v, 8);
            return;
        }
        int extra = v < 0x800 ? 1 : v < 0x10000 ? 2 : v < 0x200000 ? 3 : v < 0x4000000 ? 4 : 5;
        int firstBits = 6 - extra;
        int lead = (0xFF00 >> (extra + 1)) & 0xFF;
        w.write(lead | (v >>> (6 * extra)), 8);
        for (int i = extra - 1; i >= 0; i--) {
            w.write(0x80 | ((v >>> (6 * i)) & 0x3F), 8);
        }
        assert firstBits > 0;
    }

    /** A whole stream of CONSTANT frames; {@code declaredTotal} goes into STREAMINFO (0 = unknown). */
    static byte[] constant(int rate, int channels, int bits, int blockSize, long frames, long declaredTotal, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(rate, channels, bits, blockSize, declaredTotal, true));
        long v = value % (1L << (bits - 1));
        for (long f = 0; f < frames; f++) {
            out.writeBytes(constantFrame(f, channels, bits, blockSize, v));
        }
        return out.toByteArray();
    }

    /** {@code flac} with its STREAMINFO no longer last and a libFLAC-style VORBIS_COMMENT block after it (bytes 42–103). */
    static byte[] withLibFlacComment(byte[] flac) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int len = ((flac[5] & 0xFF) << 16) | ((flac[6] & 0xFF) << 8) | (flac[7] & 0xFF);
        boolean streamInfoLast = (flac[4] & 0x80) != 0;
        out.write(flac, 0, 4);
        out.write(flac[4] & 0x7F);
        out.write(flac, 5, 3 + len);
        byte[] vendor = VENDOR.getBytes(StandardCharsets.US_ASCII);
        byte[] comment = COMMENT.getBytes(StandardCharsets.US_ASCII);
        int blockLength = 4 + vendor.length + 4 + 4 + comment.length;
        out.write((streamInfoLast ? 0x80 : 0) | 4);
        out.write(blockLength >>> 16);
        out.write(blockLength >>> 8);
        out.write(blockLength);
        le32(out, vendor.length);
        out.writeBytes(vendor);
        le32(out, 1);
        le32(out, comment.length);
        out.writeBytes(comment);
        out.write(flac, 8 + len, flac.length - 8 - len);
        return out.toByteArray();
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** Valid metadata, then {@code n} frame sync codes each followed by a header that cannot decode. */
    static byte[] syncStorm(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(8000, 1, 16, 4096, 0, true));
        for (int i = 0; i < n; i++) {
            out.write(0xFF);
            out.write(0xF8);
            out.write(0x00); // block size code 0: reserved
            out.write(0x08);
        }
        return out.toByteArray();
    }

    /** Big-endian bit writer. */
    static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int n;

        void write(long value, int bits) {
            for (int i = bits - 1; i >= 0; i--) {
                acc = (acc << 1) | ((value >>> i) & 1);
                if (++n == 8) {
                    out.write((int) acc);
                    acc = 0;
                    n = 0;
                }
            }
        }

        void align() {
            while (n != 0) {
                write(0, 1);
            }
        }

        /** The whole bytes written so far (a partial byte is not included). */
        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
