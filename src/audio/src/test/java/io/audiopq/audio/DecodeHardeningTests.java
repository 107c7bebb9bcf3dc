package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import io.audiopq.audio.InvalidAudioException.Reason;
import io.audiopq.testing.TestAudio.WavEncoding;
import net.sourceforge.javaflacencoder.EncodingConfiguration.ChannelConfig;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * One test per finding of the 10,600-input run against a real node (FLAC OOM from a lying
 * VORBIS_COMMENT, FLAC frames without progress, a 299 s 384 kHz FLAC, a 3.0e38 float WAV sample,
 * decoder output on stdout), plus the budget API and the sample/embedding checks.
 */
public class DecodeHardeningTests extends LuceneTestCase {

    private static final DecodeLimits NODE_DEFAULTS = new DecodeLimits(64L << 20, 300);
    private final AudioDecoder decoder = new AudioDecoder();

    /** Bytes allocated by this thread while {@code action} runs (HotSpot's per-thread counter). */
    private static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        action.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }

    private InvalidAudioException refused(byte[] bytes, DecodeLimits limits, long maxAllocatedBytes) {
        InvalidAudioException[] caught = new InvalidAudioException[1];
        long allocated = allocatedBy(() -> caught[0] = expectThrows(InvalidAudioException.class, () -> decoder.decode(bytes, limits)));
        assertTrue("refusing took " + allocated + " bytes of allocation, more than " + maxAllocatedBytes, allocated < maxAllocatedBytes);
        return caught[0];
    }

    /** An 8 kHz 16-bit mono FLAC laid out as sox/libFLAC write it: STREAMINFO, then a 62-byte VORBIS_COMMENT at byte 42. */
    private static byte[] soxLikeFlac() throws IOException {
        return TestFlac.withLibFlacComment(TestAudio.flac(TestAudio.multiChannel(1, 8000, 2.0), 8000, 16, ChannelConfig.INDEPENDENT));
    }

    public void testReportedFlacPatchIsRefusedWithoutLargeAllocation() throws IOException {
        byte[] flac = soxLikeFlac();
        assertEquals(2.0, decoder.decode(flac, NODE_DEFAULTS).durationSeconds(), 1e-9);
        assertEquals("the block length's low byte", 0x3e, flac[45] & 0xFF);
        assertEquals("the vendor length's low byte", 0x20, flac[46] & 0xFF);
        byte[] patched = flac.clone();
        patched[45] = 0x01;
        patched[46] = 0x00;
        // jFLAC read a comment count of ~1.7e9 from the vendor string here and allocated it: OutOfMemoryError.
        InvalidAudioException e = refused(patched, NODE_DEFAULTS, 4L << 20);
        assertTrue(e.getMessage(), e.reason() == Reason.CORRUPT || e.reason() == Reason.TRUNCATED);
        assertTrue(e.getMessage(), e.getMessage().startsWith("flac"));
    }

    public void testMetadataBlockLengthsAreCheckedAgainstTheInput() throws IOException {
        byte[] flac = soxLikeFlac();
        for (int length : new int[] { 0xFFFFFF, flac.length, flac.length - 45 }) {
            byte[] x = flac.clone();
            x[43] = (byte) (length >>> 16);
            x[44] = (byte) (length >>> 8);
            x[45] = (byte) length;
            InvalidAudioException e = refused(x, NODE_DEFAULTS, 4L << 20);
            assertEquals(e.getMessage(), Reason.TRUNCATED, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("declares " + length + " bytes"));
        }
    }

    public void testFlacFramesWithoutProgressAreRefusedWithinTheHangLimit() throws Exception {
        // 200,000 frame syncs whose headers cannot decode: jFLAC retried such frames without advancing.
        byte[] storm = TestFlac.syncStorm(200_000);
        // Valid frames followed by a frame that fails its CRC, repeated: no resynchronisation either.
        byte[] good = TestFlac.constant(8000, 1, 16, 4096, 3, 0, 5);
        byte[] bad = TestFlac.constantFrame(3, 1, 16, 4096, 7);
        bad[bad.length - 1] ^= 1;
        ByteArrayOutputStream crcStorm = new ByteArrayOutputStream();
        crcStorm.writeBytes(good);
        for (int i = 0; i < 50_000; i++) {
            crcStorm.writeBytes(bad);
        }
        try (DecoderFuzz fuzz = new DecoderFuzz(2_000)) {
            for (byte[] input : List.of(storm, crcStorm.toByteArray())) {
                DecoderFuzz.Stats stats = new DecoderFuzz.Stats();
                fuzz.runCase(new AudioFuzzer.Case(AudioFormat.FLAC, "no-progress", input), stats, "no-progress flac");
                assertEquals(String.join("\n", stats.failures), 1, stats.rejected);
            }
            assertEquals(0, fuzz.abandonedWorkers());
        }
        assertEquals(Reason.CORRUPT, expectThrows(InvalidAudioException.class, () -> decoder.decode(storm, NODE_DEFAULTS)).reason());
    }

    public void testDecodeBudgetStopsLoopsThatDoNotProgress() {
        DecodeBudget budget = NODE_DEFAULTS.budget(AudioFormat.MP3, 10);
        for (int i = 0; i < 2 * 10 + 1024; i++) {
            budget.visit();
        }
        expectThrows(InvalidAudioException.class, budget::visit);
        DecodeBudget positions = NODE_DEFAULTS.budget(AudioFormat.FLAC, 100);
        positions.advanceTo(5);
        expectThrows(InvalidAudioException.class, () -> positions.advanceTo(5));
        DecodeBudget late = NODE_DEFAULTS.withMaxDecodeMillis(1).budget(AudioFormat.WAV, 100);
        long until = System.nanoTime() + 5_000_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        InvalidAudioException e = expectThrows(InvalidAudioException.class, late::checkDeadline);
        assertTrue(e.getMessage(), e.getMessage().contains("time limit of 1 ms"));
    }

    public void test299SecondsAt384kHzIsRefusedByTheSampleBudget() {
        int rate = 384_000, block = 4096;
        long frames = 299L * rate / block;
        byte[] declared = TestFlac.constant(rate, 1, 16, block, frames, frames * block, 0);
        assertTrue("under max_bytes", declared.length < NODE_DEFAULTS.maxBytes());
        // Within max_duration (300 s), but 114.8 M samples against a default budget of 300 s × 96 kHz = 28.8 M.
        assertEquals(28_800_000, NODE_DEFAULTS.maxSamples());
        InvalidAudioException e = refused(declared, NODE_DEFAULTS, 4L << 20);
        assertEquals(e.getMessage(), Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("decode budget of 28800000 samples"));

        // Without a length in STREAMINFO the budget stops the frame loop, with memory bounded by the budget.
        byte[] unknownLength = TestFlac.constant(rate, 1, 16, block, frames, 0, 0);
        DecodeLimits small = NODE_DEFAULTS.withMaxSampleRate(16_000); // 4.8 M samples
        InvalidAudioException midStream = refused(unknownLength, small, 3 * 4 * small.maxSamples() + (8L << 20));
        assertEquals(midStream.getMessage(), Reason.TOO_LARGE, midStream.reason());

        // The budget is the caller's to set: 10 s at 384 kHz passes once the budget allows that rate.
        byte[] tenSeconds = TestFlac.constant(rate, 1, 16, block, 10L * rate / block, (10L * rate / block) * block, 0);
        DecodeLimits tenSecondLimit = new DecodeLimits(64L << 20, 10);
        assertEquals(Reason.TOO_LARGE, expectThrows(InvalidAudioException.class, () -> decoder.decode(tenSeconds, tenSecondLimit)).reason());
        assertEquals(rate, decoder.decode(tenSeconds, tenSecondLimit.withMaxSampleRate(rate)).sampleRate());
    }

    public void testDecodeLimitsKeepTheirTwoArgumentApi() {
        DecodeLimits l = new DecodeLimits(1000, 2.5);
        assertEquals(1000, l.maxBytes());
        assertEquals(2.5, l.maxDurationSeconds(), 0);
        assertEquals(20_000, l.maxFrames(8000));
        assertEquals(240_000, l.maxSamples());
        assertEquals(DecodeLimits.DEFAULT_MAX_DECODE_MILLIS, l.maxDecodeMillis());
        assertEquals(new DecodeLimits(1000, 2.5), l);
        assertEquals(1_920_000, l.withMaxSampleRate(768_000).maxSamples());
        assertEquals(5, l.withMaxSamples(5).maxSamples());
        assertEquals(7, l.withMaxDecodeMillis(7).maxDecodeMillis());
        expectThrows(IllegalArgumentException.class, () -> l.withMaxSamples(0));
        expectThrows(IllegalArgumentException.class, () -> l.withMaxDecodeMillis(0));
    }

    private static byte[] floatWav(int channels, WavEncoding enc, int at, double value) {
        float[][] planar = TestAudio.multiChannel(channels, 16000, 0.1);
        byte[] wav = TestAudio.wav(planar, 16000, enc, false);
        int width = enc.bits / 8;
        int offset = 44 + at * width;
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        if (enc == WavEncoding.FLOAT32) {
            b.putFloat(offset, (float) value);
        } else {
            b.putDouble(offset, value);
        }
        return wav;
    }

    public void testHugeFloatWavSamplesAreRefused() {
        for (double v : new double[] { 3.0e38, -3.0e38, 1001, Double.POSITIVE_INFINITY, Double.NaN }) {
            InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> decoder.decode(floatWav(1, WavEncoding.FLOAT32, 100, v), NODE_DEFAULTS));
            assertEquals(e.getMessage(), Reason.CORRUPT, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains("within ±1000"));
        }
        expectThrows(InvalidAudioException.class, () -> decoder.decode(floatWav(1, WavEncoding.FLOAT64, 7, 1e300), NODE_DEFAULTS));
        // Opposite huge values in the two channels of one frame would cancel in the mix: checked per channel.
        byte[] stereo = floatWav(2, WavEncoding.FLOAT32, 200, 3.0e38);
        ByteBuffer.wrap(stereo).order(ByteOrder.LITTLE_ENDIAN).putFloat(44 + 201 * 4, -3.0e38f);
        expectThrows(InvalidAudioException.class, () -> decoder.decode(stereo, NODE_DEFAULTS));
        // Float overs up to the bound are legitimate and kept as they are.
        DecodedAudio over = decoder.decode(floatWav(1, WavEncoding.FLOAT32, 100, 999), NODE_DEFAULTS);
        assertEquals(999f, over.samples()[100], 0f);
    }

    public void testFrontEndIsFiniteForFiniteInput() {
        Random r = new Random(7);
        int n = 32000;
        float[] noise = new float[n], square = new float[n], extreme = new float[n], tiny = new float[n];
        for (int i = 0; i < n; i++) {
            noise[i] = (float) (r.nextGaussian() * 0.5);
            square[i] = (i / 40) % 2 == 0 ? 1f : -1f;
            extreme[i] = i % 2 == 0 ? AudioChecks.MAX_SAMPLE_MAGNITUDE : -AudioChecks.MAX_SAMPLE_MAGNITUDE;
            tiny[i] = i % 3 == 0 ? Float.MIN_VALUE : 0f;
        }
        for (LogMelConfig config : new LogMelConfig[] { LogMelConfig.efficientAt(), LogMelConfig.yamnet() }) {
            LogMelSpectrogram front = new LogMelSpectrogram(config);
            for (float[] x : new float[][] { new float[n], noise, square, extreme, tiny }) {
                float[] values = front.compute(x).values();
                assertTrue(config + " gave a non-finite value", AudioChecks.isFinite(values));
            }
        }
    }

    public void testEmbeddingsMustBeFinite() {
        float[] ok = { 0.5f, -1f, 3e38f };
        assertSame(ok, AudioChecks.requireFiniteEmbedding(ok, "the audio's"));
        for (float bad : new float[] { Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY }) {
            InvalidAudioException e = expectThrows(
                InvalidAudioException.class,
                () -> AudioChecks.requireFiniteEmbedding(new float[] { 0f, bad }, "the audio's")
            );
            assertTrue(e.getMessage(), e.getMessage().contains("embedding is not finite"));
        }
        expectThrows(InvalidAudioException.class, () -> AudioChecks.checkSamples(AudioFormat.WAV, new float[] { 0f, Float.NaN }, 0, 2));
    }

    /** A setup header whose single codebook declares 2^24 - 1 entries of dimension 65535 in a few bytes. */
    public void testVorbisCodebookSizesAreCheckedBeforeJOrbisAllocates() {
        LsbWriter w = new LsbWriter();
        w.write(5, 8);
        for (byte c : "vorbis".getBytes(StandardCharsets.US_ASCII)) {
            w.write(c, 8);
        }
        w.write(0, 8); // one codebook
        w.write(0x564342, 24);
        w.write(65535, 16);
        w.write((1 << 24) - 1, 24);
        w.write(1, 1); // ordered
        w.write(0, 5);
        w.write((1 << 24) - 1, 24); // all entries in one run
        w.write(1, 4); // lookup type 1
        w.write(0, 32);
        w.write(0, 32);
        w.write(0, 4);
        w.write(0, 1);
        w.write(0, 1); // one value of one bit
        byte[] packet = w.bytes();
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> VorbisSetupCheck.check(packet, 0, packet.length, 2));
        assertEquals(e.getMessage(), Reason.TOO_LARGE, e.reason());

        // A comment header whose vendor length is 2^31 - 1.
        byte[] comment = { 3, 'v', 'o', 'r', 'b', 'i', 's', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 0, 0, 0 };
        assertEquals(Reason.CORRUPT, expectThrows(InvalidAudioException.class, () -> VorbisSetupCheck.check(comment, 0, comment.length, 1)).reason());
        byte[] count = { 3, 'v', 'o', 'r', 'b', 'i', 's', 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 1, 2, 3 };
        assertEquals(Reason.CORRUPT, expectThrows(InvalidAudioException.class, () -> VorbisSetupCheck.check(count, 0, count.length, 1)).reason());
    }

    public void testVorbisCommentWithHugeVendorLengthIsRefused() throws IOException {
        List<byte[]> seeds = AudioFuzzer.oggSeeds();
        assumeTrue("no ESC-10 clips in ../shared: no Ogg Vorbis input to patch", seeds.isEmpty() == false);
        byte[] ogg = seeds.get(0);
        assertEquals(AudioFormat.OGG_VORBIS, decoder.decode(ogg, NODE_DEFAULTS).format());
        // The comment header is the first packet of the second page.
        int second = AudioFuzzer.Ogg.pageOffsets(ogg).get(1);
        int body = second + 27 + (ogg[second + 26] & 0xFF);
        assertEquals(3, ogg[body]);
        byte[] x = ogg.clone();
        x[body + 7] = (byte) 0xFF;
        x[body + 8] = (byte) 0xFF;
        x[body + 9] = (byte) 0xFF;
        x[body + 10] = (byte) 0x7F;
        InvalidAudioException e = refused(AudioFuzzer.Ogg.fixCrcs(x), NODE_DEFAULTS, 16L << 20);
        assertEquals(e.getMessage(), Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("vendor string"));
    }

    public void testNothingReachesStdoutOrStderr() throws Exception {
        byte[] flac = soxLikeFlac();
        byte[] patched = flac.clone();
        patched[45] = 1;
        patched[46] = 0;
        List<Supplier<byte[]>> inputs = List.of(
            () -> flac,
            () -> patched,
            () -> TestFlac.syncStorm(10_000),
            () -> floatWav(1, WavEncoding.FLOAT32, 3, 3.0e38),
            () -> TestAudio.mp3(new float[][] { TestAudio.sine(440, 0.5, 44100, 0.3) }, 44100, 64)
        );
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true);
        System.setOut(capture);
        System.setErr(capture);
        try {
            for (Supplier<byte[]> input : inputs) {
                try {
                    decoder.decode(input.get(), NODE_DEFAULTS);
                } catch (InvalidAudioException e) {
                    // refused: fine
                }
            }
            AudioFuzzer fuzzer = new AudioFuzzer();
            for (AudioFormat format : fuzzer.formats()) {
                for (int i = 0; i < 100; i++) {
                    try {
                        decoder.decode(fuzzer.generate(format, 99, i).bytes(), NODE_DEFAULTS);
                    } catch (InvalidAudioException e) {
                        // refused: fine
                    }
                }
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("decoders wrote: " + captured.toString(StandardCharsets.UTF_8), 0, captured.size());
    }

    /** LSB-first bit writer (Vorbis packing). */
    private static final class LsbWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int acc, n;

        void write(long value, int bits) {
            for (int i = 0; i < bits; i++) {
                acc |= (int) ((value >>> i) & 1) << n;
                if (++n == 8) {
                    out.write(acc);
                    acc = 0;
                    n = 0;
                }
            }
        }

        byte[] bytes() {
            if (n > 0) {
                out.write(acc);
                acc = 0;
                n = 0;
            }
            return out.toByteArray();
        }
    }
}
