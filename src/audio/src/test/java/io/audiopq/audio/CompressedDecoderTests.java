package io.audiopq.audio;

import io.audiopq.testing.Signals;

import io.audiopq.testing.TestAudio;

import io.audiopq.audio.InvalidAudioException.Reason;
import net.sourceforge.javaflacencoder.EncodingConfiguration.ChannelConfig;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** FLAC and MP3 made at test time by Java encoders; Ogg Vorbis from the real ESC-10 clips. */
public class CompressedDecoderTests extends LuceneTestCase {

    private static final DecodeLimits LIMITS = new DecodeLimits(100_000_000, 60);
    private final AudioDecoder decoder = new AudioDecoder();

    public void testFlacIsLossless() throws IOException {
        for (int bits : new int[] { 16, 24 }) {
            for (ChannelConfig config : new ChannelConfig[] { ChannelConfig.INDEPENDENT, ChannelConfig.MID_SIDE, ChannelConfig.LEFT_SIDE }) {
                for (int channels : new int[] { 1, 2 }) {
                    if (channels == 1 && config != ChannelConfig.INDEPENDENT) {
                        continue;
                    }
                    float[][] planar = TestAudio.multiChannel(channels, 44100, 0.5);
                    DecodedAudio audio = decoder.decode(TestAudio.flac(planar, 44100, bits, config), LIMITS);
                    String what = bits + "-bit x" + channels + " " + config;
                    assertEquals(what, AudioFormat.FLAC, audio.format());
                    assertEquals(what, 44100, audio.sampleRate());
                    assertEquals(what, channels, audio.channels());
                    // Lossless: the decoded mix equals the mix of the integers that were encoded.
                    int[] ints = TestAudio.interleavedInts(planar, bits);
                    float[] expected = new float[planar[0].length];
                    for (int i = 0; i < expected.length; i++) {
                        long sum = 0;
                        for (int c = 0; c < channels; c++) {
                            sum += ints[i * channels + c];
                        }
                        expected[i] = (float) (sum / (double) channels / (1L << (bits - 1)));
                    }
                    assertArrayEquals(what, expected, audio.samples(), 1e-7f);
                }
            }
        }
    }

    public void testFlacTruncatedAndCorrupt() throws IOException {
        byte[] flac = TestAudio.flac(TestAudio.multiChannel(2, 44100, 1.0), 44100, 16, ChannelConfig.MID_SIDE);
        InvalidAudioException truncated = expectThrows(
            InvalidAudioException.class,
            () -> decoder.decode(Arrays.copyOf(flac, flac.length / 2), LIMITS)
        );
        assertTrue(truncated.getMessage(), truncated.reason() == Reason.TRUNCATED || truncated.reason() == Reason.CORRUPT);
        byte[] corrupt = flac.clone();
        for (int i = flac.length / 3; i < flac.length / 3 + 64; i++) {
            corrupt[i] ^= (byte) 0x5A;
        }
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(corrupt, LIMITS));
        assertEquals(e.getMessage(), Reason.CORRUPT, e.reason());
        InvalidAudioException header = expectThrows(InvalidAudioException.class, () -> decoder.decode(Arrays.copyOf(flac, 20), LIMITS));
        assertEquals(header.getMessage(), Reason.TRUNCATED, header.reason());
    }

    public void testFlacTooLongIsRejectedFromStreamInfo() throws IOException {
        byte[] flac = TestAudio.flac(TestAudio.multiChannel(1, 8000, 3.0), 8000, 16, ChannelConfig.INDEPENDENT);
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(flac, new DecodeLimits(flac.length, 2.5)));
        assertEquals(Reason.TOO_LONG, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("(3.000 s)"));
    }

    public void testMp3KeepsPitchAndLength() {
        for (int channels : new int[] { 1, 2 }) {
            int rate = 44100;
            float[][] planar = new float[channels][];
            Arrays.fill(planar, TestAudio.sine(1000, 0.5, rate, 2.0));
            byte[] mp3 = TestAudio.mp3(planar, rate, 128);
            DecodedAudio audio = decoder.decode(mp3, LIMITS);
            assertEquals(AudioFormat.MP3, audio.format());
            assertEquals(rate, audio.sampleRate());
            assertEquals(channels, audio.channels());
            // Encoder delay and padding add at most a few frames of 1152 samples.
            assertEquals(2.0, audio.durationSeconds(), 0.1);
            assertEquals(1000.0, Signals.dominantFrequency(audio.samples(), rate, 8192, rate / 2), 5.0);
            assertEquals(0.5 / Math.sqrt(2), Signals.rms(audio.samples(), rate / 2, rate), 0.03);
        }
    }

    public void testMp3Corrupt() {
        byte[] mp3 = TestAudio.mp3(new float[][] { TestAudio.sine(1000, 0.5, 44100, 1.0) }, 44100, 128);
        // An ID3v2 tag followed by no MPEG frames at all.
        byte[] tagOnly = { 'I', 'D', '3', 3, 0, 0, 0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 'x', 'y' };
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(tagOnly, LIMITS));
        assertEquals(e.getMessage(), Reason.CORRUPT, e.reason());
        InvalidAudioException tooLong = expectThrows(InvalidAudioException.class, () -> decoder.decode(mp3, new DecodeLimits(mp3.length, 0.5)));
        assertEquals(Reason.TOO_LONG, tooLong.reason());
    }

    public void testOggVorbisFromEsc10() throws IOException {
        Path clip = TestAudio.requireShared("data/esc10/001 - Dog bark/1-100032-A.ogg");
        byte[] ogg = Files.readAllBytes(clip);
        DecodedAudio audio = decoder.decode(ogg, LIMITS);
        assertEquals(AudioFormat.OGG_VORBIS, audio.format());
        assertEquals(44100, audio.sampleRate());
        assertEquals(1, audio.channels());
        assertEquals(5.0, audio.durationSeconds(), 0.05);
        assertTrue("a dog bark is not silence", Signals.rms(audio.samples(), 0, audio.samples().length) > 0.001);

        InvalidAudioException truncated = expectThrows(InvalidAudioException.class, () -> decoder.decode(Arrays.copyOf(ogg, ogg.length / 2), LIMITS));
        assertEquals(truncated.getMessage(), Reason.TRUNCATED, truncated.reason());
        byte[] corrupt = ogg.clone();
        for (int i = ogg.length / 2; i < ogg.length / 2 + 32; i++) {
            corrupt[i] ^= (byte) 0xA5;
        }
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(corrupt, LIMITS));
        assertEquals(e.getMessage(), Reason.CORRUPT, e.reason());
        InvalidAudioException tooLong = expectThrows(InvalidAudioException.class, () -> decoder.decode(ogg, new DecodeLimits(ogg.length, 2)));
        assertEquals(Reason.TOO_LONG, tooLong.reason());
    }

    public void testOggVorbisHeaderCorruption() throws IOException {
        Path clip = TestAudio.requireShared("data/esc10/002 - Rain/1-17367-A.ogg");
        byte[] ogg = Files.readAllBytes(clip);
        byte[] header = Arrays.copyOf(ogg, 40);
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(header, LIMITS));
        assertEquals(e.getMessage(), Reason.TRUNCATED, e.reason());
    }
}
