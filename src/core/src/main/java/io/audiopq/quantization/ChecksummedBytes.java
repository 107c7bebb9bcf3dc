package io.audiopq.quantization;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The envelope every serialised quantiser uses, so that each checks corruption the same way:
 * magic, version and payload length (little-endian ints), the payload, then a CRC32 of all that.
 * Also the content ids derived from those bytes.
 */
final class ChecksummedBytes {

    private static final int HEADER_BYTES = 3 * Integer.BYTES;
    private static final int TRAILER_BYTES = Long.BYTES;

    private ChecksummedBytes() {}

    /** A buffer with the header written, ready for exactly {@code payloadBytes} of payload. */
    static ByteBuffer allocate(int magic, int version, int payloadBytes) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + payloadBytes + TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        return buffer.putInt(magic).putInt(version).putInt(payloadBytes);
    }

    /** Appends the checksum to a buffer from {@link #allocate} whose payload is complete. */
    static byte[] seal(ByteBuffer buffer) {
        if (buffer.remaining() != TRAILER_BYTES) {
            throw new IllegalStateException("payload is " + (buffer.remaining() - TRAILER_BYTES) + " bytes short of its declared length");
        }
        CRC32 crc = new CRC32();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putLong(crc.getValue());
        return buffer.array();
    }

    /**
     * Verifies the envelope of {@code bytes} and returns a buffer over its payload.
     *
     * @param what what the bytes should hold, for error messages (e.g. "PQ codebook")
     * @throws IllegalArgumentException naming {@code what} and the problem
     */
    static ByteBuffer open(byte[] bytes, int magic, int version, String what) {
        if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new IllegalArgumentException("not a serialised " + what + ": only " + bytes.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int actualMagic = buffer.getInt();
        if (actualMagic != magic) {
            throw new IllegalArgumentException("not a serialised " + what + ": bad magic 0x" + Integer.toHexString(actualMagic));
        }
        int actualVersion = buffer.getInt();
        if (actualVersion != version) {
            throw new IllegalArgumentException("unsupported " + what + " version " + actualVersion + ", expected " + version);
        }
        long payloadBytes = buffer.getInt() & 0xFFFFFFFFL;
        long expected = HEADER_BYTES + payloadBytes + TRAILER_BYTES;
        if (bytes.length != expected) {
            throw new IllegalArgumentException(what + " truncated or padded: " + bytes.length + " bytes, expected " + expected);
        }
        int end = bytes.length - TRAILER_BYTES;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, end);
        long stored = ByteBuffer.wrap(bytes, end, TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (stored != crc.getValue()) {
            throw new IllegalArgumentException(what + " checksum mismatch: stored " + stored + ", computed " + crc.getValue());
        }
        return buffer.limit(end).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Fails unless the payload holds exactly {@code expected} more bytes. */
    static void expectRemaining(ByteBuffer payload, long expected, String what) {
        if (payload.remaining() != expected) {
            throw new IllegalArgumentException(what + " payload has " + payload.remaining() + " bytes where its shape needs " + expected);
        }
    }

    static void putFloats(ByteBuffer buffer, float[] values) {
        for (float v : values) {
            buffer.putFloat(v);
        }
    }

    static float[] getFloats(ByteBuffer buffer, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = buffer.getFloat();
        }
        return values;
    }

    /** A stable content id: the first 16 hex digits of the SHA-256 of {@code bytes}. */
    static String contentId(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }
}
