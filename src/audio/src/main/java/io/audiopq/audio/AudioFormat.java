package io.audiopq.audio;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The container/codec formats this package decodes, recognised from the bytes themselves (magic
 * numbers), never from a file name. {@link #detect} also recognises a few common formats it does
 * not decode (AIFF, MP4/AAC, Ogg Opus, ...) so that the error can name them.
 */
public enum AudioFormat {
    /** RIFF/WAVE: integer PCM 8/16/24/32-bit, IEEE float 32/64-bit, WAVE_FORMAT_EXTENSIBLE. */
    WAV("wav"),
    /** Native FLAC ("fLaC"), optionally behind an ID3v2 tag. */
    FLAC("flac"),
    /** Vorbis in an Ogg container. */
    OGG_VORBIS("ogg_vorbis"),
    /** MPEG-1/2/2.5 audio layer I, II or III (named after the common case), optionally behind ID3v2. */
    MP3("mp3");

    private final String id;

    AudioFormat(String id) {
        this.id = id;
    }

    /** The name used in documents and messages, e.g. {@code ogg_vorbis}. */
    public String id() {
        return id;
    }

    /** Bytes needed to tell every supported format apart (an Ogg first page holds the codec id). */
    static final int SNIFF_BYTES = 64;

    /**
     * Detects the format from the first bytes.
     *
     * @throws InvalidAudioException {@code EMPTY} for no bytes, {@code UNSUPPORTED_FORMAT} when the
     *                               bytes are a format this package does not decode or no audio
     *                               format at all
     */
    public static AudioFormat detect(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidAudioException(InvalidAudioException.Reason.EMPTY, "audio is empty (0 bytes)");
        }
        if (startsWith(bytes, 0, "RIFF") && startsWith(bytes, 8, "WAVE")) {
            return WAV;
        }
        if (startsWith(bytes, 0, "fLaC")) {
            return FLAC;
        }
        if (startsWith(bytes, 0, "OggS")) {
            return detectOgg(bytes);
        }
        int afterId3 = skipId3v2(bytes);
        if (afterId3 > 0) {
            if (startsWith(bytes, afterId3, "fLaC")) {
                return FLAC;
            }
            // MP3 files often pad after the tag; the decoder resynchronises, so a tag is enough.
            return MP3;
        }
        if (isMpegAudioFrame(bytes, 0)) {
            return MP3;
        }
        throw new InvalidAudioException(InvalidAudioException.Reason.UNSUPPORTED_FORMAT, unsupportedMessage(bytes));
    }

    private static AudioFormat detectOgg(byte[] bytes) {
        // First page: 27-byte header, then a segment table of n bytes, then the first packet.
        if (bytes.length < 28) {
            throw new InvalidAudioException(InvalidAudioException.Reason.TRUNCATED, "Ogg stream is truncated: " + bytes.length + " bytes");
        }
        int packet = 27 + (bytes[26] & 0xFF);
        if (packet + 7 <= bytes.length && bytes[packet] == 1 && startsWith(bytes, packet + 1, "vorbis")) {
            return OGG_VORBIS;
        }
        String codec = "an unknown codec";
        if (startsWith(bytes, packet, "OpusHead")) {
            codec = "Opus";
        } else if (packet + 5 <= bytes.length && bytes[packet] == 0x7F && startsWith(bytes, packet + 1, "FLAC")) {
            codec = "FLAC";
        } else if (startsWith(bytes, packet, "Speex")) {
            codec = "Speex";
        } else if (packet + 7 > bytes.length) {
            throw new InvalidAudioException(InvalidAudioException.Reason.TRUNCATED, "Ogg stream is truncated inside its first page");
        }
        throw new InvalidAudioException(
            InvalidAudioException.Reason.UNSUPPORTED_FORMAT,
            "Ogg stream holds " + codec + "; only Ogg Vorbis is supported (supported formats: " + supportedList() + ")"
        );
    }

    /** Offset just past an ID3v2 tag at the start, or 0 when there is none. */
    static int skipId3v2(byte[] bytes) {
        if (bytes.length < 10 || startsWith(bytes, 0, "ID3") == false) {
            return 0;
        }
        // Tag size: 4 bytes of 7 bits each ("syncsafe"), plus the 10-byte header and an optional footer.
        int size = ((bytes[6] & 0x7F) << 21) | ((bytes[7] & 0x7F) << 14) | ((bytes[8] & 0x7F) << 7) | (bytes[9] & 0x7F);
        boolean footer = (bytes[5] & 0x10) != 0;
        long end = 10L + size + (footer ? 10 : 0);
        return end > bytes.length ? bytes.length : (int) end;
    }

    /** An MPEG audio frame header: 11 sync bits, a valid version and a layer (layer bits 00 is AAC/ADTS). */
    static boolean isMpegAudioFrame(byte[] bytes, int offset) {
        if (offset + 4 > bytes.length) {
            return false;
        }
        int b1 = bytes[offset + 1] & 0xFF;
        int b2 = bytes[offset + 2] & 0xFF;
        boolean sync = (bytes[offset] & 0xFF) == 0xFF && (b1 & 0xE0) == 0xE0;
        int version = (b1 >> 3) & 0x3;
        int layer = (b1 >> 1) & 0x3;
        int bitrate = b2 >> 4;
        int rate = (b2 >> 2) & 0x3;
        return sync && version != 1 && layer != 0 && bitrate != 0xF && rate != 3;
    }

    private static String unsupportedMessage(byte[] bytes) {
        String what;
        if (startsWith(bytes, 0, "FORM") && (startsWith(bytes, 8, "AIFF") || startsWith(bytes, 8, "AIFC"))) {
            what = "AIFF";
        } else if (startsWith(bytes, 4, "ftyp")) {
            what = "MP4/M4A (AAC or ALAC)";
        } else if (startsWith(bytes, 0, "RIFX") || startsWith(bytes, 0, "RF64") || startsWith(bytes, 0, "RIFF")) {
            what = startsWith(bytes, 0, "RIFF") ? "a RIFF file that is not WAVE" : "big-endian or 64-bit RIFF (RIFX/RF64)";
        } else if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xF6) == 0xF0) {
            what = "AAC (ADTS)";
        } else if (startsWith(bytes, 0, "#!AMR")) {
            what = "AMR";
        } else if (startsWith(bytes, 0, ".snd")) {
            what = "Sun/NeXT AU";
        } else if (bytes.length >= 4 && (bytes[0] & 0xFF) == 0x1A && (bytes[1] & 0xFF) == 0x45 && (bytes[2] & 0xFF) == 0xDF) {
            what = "Matroska/WebM";
        } else {
            what = "no known audio format (first bytes: " + hex(bytes, 8) + ")";
        }
        return "unsupported audio format: " + what + "; supported formats: " + supportedList();
    }

    private static String supportedList() {
        return Arrays.stream(values()).map(AudioFormat::id).toList().toString();
    }

    private static boolean startsWith(byte[] bytes, int offset, String ascii) {
        byte[] magic = ascii.getBytes(StandardCharsets.US_ASCII);
        if (offset < 0 || offset + magic.length > bytes.length) {
            return false;
        }
        return Arrays.equals(bytes, offset, offset + magic.length, magic, 0, magic.length);
    }

    private static String hex(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, bytes.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format(java.util.Locale.ROOT, "%02x", bytes[i] & 0xFF));
        }
        return sb.toString();
    }
}
