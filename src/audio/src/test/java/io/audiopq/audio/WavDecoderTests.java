package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import io.audiopq.audio.InvalidAudioException.Reason;
import io.audiopq.testing.TestAudio.WavEncoding;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

public class WavDecoderTests extends LuceneTestCase {

    private static final DecodeLimits LIMITS = new DecodeLimits(100_000_000, 60);
    private final AudioDecoder decoder = new AudioDecoder();

    public void testEveryEncodingAndLayoutDecodesToTheMonoMix() {
        int rate = 8000 + random().nextInt(40000);
        for (WavEncoding enc : WavEncoding.values()) {
            for (int channels : new int[] { 1, 2, 3, 6 }) {
                for (boolean extensible : new boolean[] { false, true }) {
                    float[][] planar = TestAudio.multiChannel(channels, rate, 0.25);
                    DecodedAudio audio = decoder.decode(TestAudio.wav(planar, rate, enc, extensible), LIMITS);
                    String what = enc + " x" + channels + (extensible ? " extensible" : "");
                    assertEquals(what, AudioFormat.WAV, audio.format());
                    assertEquals(what, rate, audio.sampleRate());
                    assertEquals(what, channels, audio.channels());
                    assertEquals(what, planar[0].length, audio.samples().length);
                    float[] expected = TestAudio.mix(planar);
                    assertArrayEquals(what, expected, audio.samples(), (float) (2 * enc.quantum() + 1e-6));
                }
            }
        }
    }

    public void testSkipsUnknownChunksAndOddPadding() {
        float[][] planar = TestAudio.multiChannel(2, 16000, 0.1);
        byte[] plain = TestAudio.wav(planar, 16000, WavEncoding.PCM16, false);
        // Insert an odd-sized LIST chunk (5 bytes + 1 pad byte) between 'fmt ' and 'data'.
        int fmtEnd = 12 + 8 + 16;
        byte[] list = { 'L', 'I', 'S', 'T', 5, 0, 0, 0, 1, 2, 3, 4, 5, 0 };
        byte[] withList = new byte[plain.length + list.length];
        System.arraycopy(plain, 0, withList, 0, fmtEnd);
        System.arraycopy(list, 0, withList, fmtEnd, list.length);
        System.arraycopy(plain, fmtEnd, withList, fmtEnd + list.length, plain.length - fmtEnd);
        assertArrayEquals(decoder.decode(plain, LIMITS).samples(), decoder.decode(withList, LIMITS).samples(), 0f);
    }

    public void testStreamingHeaderWithUnknownDataSize() {
        float[] mono = TestAudio.sine(440, 0.5, 16000, 0.2);
        byte[] b = TestAudio.wav16(mono, 16000);
        putInt(b, 40, 0xFFFFFFFF);
        assertEquals(mono.length, decoder.decode(b, LIMITS).samples().length);
    }

    public void testTruncatedDataChunk() {
        byte[] b = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 0.2), 16000);
        byte[] cut = Arrays.copyOf(b, b.length - 100);
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(cut, LIMITS));
        assertEquals(Reason.TRUNCATED, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("declares " + (b.length - 44) + " bytes"));
    }

    public void testTruncatedHeader() {
        byte[] b = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 0.2), 16000);
        for (int length : new int[] { 12, 20, 30 }) {
            InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(Arrays.copyOf(b, length), LIMITS));
            assertEquals("length " + length + ": " + e.getMessage(), Reason.TRUNCATED, e.reason());
        }
    }

    public void testAbsurdHeaders() {
        byte[] good = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 0.2), 16000);
        assertRejected(withShort(good, 22, 0), Reason.INVALID_HEADER, "0 channels");
        assertRejected(withShort(good, 22, 65535), Reason.INVALID_HEADER, "65535 channels");
        assertRejected(withInt(good, 24, 0), Reason.INVALID_HEADER, "sample rate of 0 Hz");
        assertRejected(withInt(good, 24, 1_000_000_000), Reason.INVALID_HEADER, "1000000000 Hz");
        assertRejected(withShort(good, 32, 7), Reason.INVALID_HEADER, "block align of 7");
        assertRejected(withShort(good, 34, 12), Reason.UNSUPPORTED_FORMAT, "12 bits");
        assertRejected(withShort(good, 20, 2), Reason.UNSUPPORTED_FORMAT, "Microsoft ADPCM");
        assertRejected(withInt(good, 16, 8), Reason.CORRUPT, "'fmt ' chunk is 8 bytes");
    }

    public void testNaNInFloatData() {
        float[] mono = TestAudio.sine(440, 0.5, 16000, 0.1);
        mono[77] = Float.NaN;
        byte[] b = TestAudio.wav(new float[][] { mono }, 16000, WavEncoding.FLOAT32, false);
        assertRejected(b, Reason.CORRUPT, "NaN");
    }

    public void testLimits() {
        byte[] b = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 2.0), 16000);
        InvalidAudioException tooLong = expectThrows(InvalidAudioException.class, () -> decoder.decode(b, new DecodeLimits(b.length, 1.5)));
        assertEquals(Reason.TOO_LONG, tooLong.reason());
        assertTrue(tooLong.getMessage(), tooLong.getMessage().contains("2.000 s"));
        InvalidAudioException tooLarge = expectThrows(InvalidAudioException.class, () -> decoder.decode(b, new DecodeLimits(b.length - 1, 10)));
        assertEquals(Reason.TOO_LARGE, tooLarge.reason());
        // Exactly at the limits is accepted.
        assertEquals(32000, decoder.decode(b, new DecodeLimits(b.length, 2.0)).samples().length);
    }

    public void testHugeDeclaredLengthIsRejectedBeforeAllocating() {
        // A data chunk of 0xFFFFFFF0 bytes over a tiny file is "truncated", not an attempt to allocate 4 GB.
        byte[] b = TestAudio.wav16(TestAudio.sine(440, 0.5, 16000, 0.01), 16000);
        assertRejected(withInt(b, 40, 0xFFFFFFF0), Reason.TRUNCATED, "declares 4294967280 bytes");
    }

    public void testNoSamples() {
        byte[] b = TestAudio.wav16(new float[0], 16000);
        assertRejected(b, Reason.EMPTY, "no audio samples");
    }

    private void assertRejected(byte[] bytes, Reason reason, String messagePart) {
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(bytes, LIMITS));
        assertEquals(e.getMessage(), reason, e.reason());
        assertTrue("[" + e.getMessage() + "] should mention [" + messagePart + "]", e.getMessage().contains(messagePart));
    }

    private static byte[] withShort(byte[] b, int offset, int value) {
        byte[] copy = b.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putShort(offset, (short) value);
        return copy;
    }

    private static byte[] withInt(byte[] b, int offset, int value) {
        byte[] copy = b.clone();
        putInt(copy, offset, value);
        return copy;
    }

    private static void putInt(byte[] b, int offset, int value) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
    }
}
