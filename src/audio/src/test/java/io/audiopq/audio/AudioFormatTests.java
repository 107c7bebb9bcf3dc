package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import io.audiopq.audio.InvalidAudioException.Reason;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.charset.StandardCharsets;

public class AudioFormatTests extends LuceneTestCase {

    public void testDetectsByMagicBytes() {
        assertEquals(AudioFormat.WAV, AudioFormat.detect(TestAudio.wav16(new float[10], 8000)));
        assertEquals(AudioFormat.FLAC, AudioFormat.detect(ascii("fLaC\0\0\0\"")));
        assertEquals(AudioFormat.MP3, AudioFormat.detect(new byte[] { (byte) 0xFF, (byte) 0xFB, (byte) 0x90, 0x64 }));
        assertEquals(AudioFormat.MP3, AudioFormat.detect(id3("xx".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(AudioFormat.FLAC, AudioFormat.detect(id3(ascii("fLaC"))));
        assertEquals(AudioFormat.OGG_VORBIS, AudioFormat.detect(oggFirstPage(ascii("\u0001vorbis\0\0\0\0"))));
    }

    public void testNamesWhatItDoesNotDecode() {
        assertUnsupported(oggFirstPage(ascii("OpusHead\u0001\u0002")), "Opus");
        assertUnsupported(oggFirstPage(ascii("\u007fFLAC\u0001\0")), "FLAC");
        assertUnsupported(ascii("FORM\0\0\0\0AIFFCOMM"), "AIFF");
        assertUnsupported(ascii("\0\0\0\u0020ftypM4A "), "MP4");
        assertUnsupported(new byte[] { (byte) 0xFF, (byte) 0xF1, 0x50, (byte) 0x80 }, "AAC");
        assertUnsupported(ascii("RIFF\0\0\0\0AVI LIST"), "not WAVE");
        assertUnsupported(ascii("hello, world"), "68 65 6c 6c");
        // Sync bits with the reserved MPEG version are not MPEG audio.
        assertUnsupported(new byte[] { (byte) 0xFF, (byte) 0xEB, (byte) 0x90, 0x64 }, "no known audio format");
    }

    public void testEmpty() {
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> AudioFormat.detect(new byte[0]));
        assertEquals(Reason.EMPTY, e.reason());
        e = expectThrows(InvalidAudioException.class, () -> new AudioDecoder().decode(null, new DecodeLimits(10, 1)));
        assertEquals(Reason.EMPTY, e.reason());
    }

    private static void assertUnsupported(byte[] bytes, String messagePart) {
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> AudioFormat.detect(bytes));
        assertEquals(e.getMessage(), Reason.UNSUPPORTED_FORMAT, e.reason());
        assertTrue("[" + e.getMessage() + "] should mention [" + messagePart + "]", e.getMessage().contains(messagePart));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] id3(byte[] after) {
        byte[] b = new byte[10 + 5 + after.length];
        b[0] = 'I';
        b[1] = 'D';
        b[2] = '3';
        b[3] = 4;
        b[9] = 5; // 5 bytes of tag body
        System.arraycopy(after, 0, b, 15, after.length);
        return b;
    }

    /** An Ogg page header with one segment holding {@code packet}. */
    private static byte[] oggFirstPage(byte[] packet) {
        byte[] b = new byte[28 + packet.length];
        System.arraycopy(ascii("OggS"), 0, b, 0, 4);
        b[5] = 2; // beginning of stream
        b[26] = 1;
        b[27] = (byte) packet.length;
        System.arraycopy(packet, 0, b, 28, packet.length);
        return b;
    }
}
