package io.audiopq.testing;

import de.sciss.jump3r.lowlevel.LameEncoder;
import net.sourceforge.javaflacencoder.EncodingConfiguration;
import net.sourceforge.javaflacencoder.FLACEncoder;
import net.sourceforge.javaflacencoder.FLACOutputStream;
import net.sourceforge.javaflacencoder.StreamConfiguration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.Assume.assumeTrue;

/**
 * Test inputs made at test time: signals, WAV files of every sample format (written here, byte by
 * byte), FLAC (javaFlacEncoder) and MP3 (jump3r, a Java port of LAME), plus the location of the
 * shared data beside the checkout.
 */
public final class TestAudio {

    private TestAudio() {}

    /** WAV sample encodings. */
    public enum WavEncoding {
        PCM8(8, false), PCM16(16, false), PCM24(24, false), PCM32(32, false), FLOAT32(32, true), FLOAT64(64, true);

        public final int bits;
        public final boolean isFloat;

        WavEncoding(int bits, boolean isFloat) {
            this.bits = bits;
            this.isFloat = isFloat;
        }

        /** Largest error a sample of this encoding can carry. */
        public double quantum() {
            return isFloat ? 1e-6 : 1.0 / (1L << (bits - 1));
        }
    }

    /** A sine of {@code seconds} at {@code rate}. */
    public static float[] sine(double freq, double amplitude, int rate, double seconds) {
        float[] x = new float[(int) Math.round(seconds * rate)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * freq * i / rate));
        }
        return x;
    }

    /** {@code channels} planar channels: channel c is a sine at {@code 220·(c+1)} Hz with amplitude 0.8/(c+1). */
    public static float[][] multiChannel(int channels, int rate, double seconds) {
        float[][] x = new float[channels][];
        for (int c = 0; c < channels; c++) {
            x[c] = sine(220.0 * (c + 1), 0.8 / (c + 1), rate, seconds);
        }
        return x;
    }

    /** The mono mix the decoders must produce: the mean of the channels. */
    public static float[] mix(float[][] planar) {
        float[] m = new float[planar[0].length];
        for (float[] channel : planar) {
            for (int i = 0; i < m.length; i++) {
                m[i] += channel[i];
            }
        }
        for (int i = 0; i < m.length; i++) {
            m[i] /= planar.length;
        }
        return m;
    }

    /** A WAV file; {@code extensible} writes a WAVE_FORMAT_EXTENSIBLE header. */
    public static byte[] wav(float[][] planar, int rate, WavEncoding enc, boolean extensible) {
        int channels = planar.length;
        int frames = planar[0].length;
        int bytesPerSample = enc.bits / 8;
        int dataSize = frames * channels * bytesPerSample;
        int fmtSize = extensible ? 40 : 16;
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + fmtSize + 8 + dataSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(4 + 8 + fmtSize + 8 + dataSize).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(fmtSize);
        int tag = enc.isFloat ? 3 : 1;
        b.putShort((short) (extensible ? 0xFFFE : tag)).putShort((short) channels).putInt(rate);
        b.putInt(rate * channels * bytesPerSample).putShort((short) (channels * bytesPerSample)).putShort((short) enc.bits);
        if (extensible) {
            b.putShort((short) 22).putShort((short) enc.bits).putInt((1 << channels) - 1);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
            b.putShort((short) tag).put(new byte[] { 0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71 });
        }
        b.put("data".getBytes()).putInt(dataSize);
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) {
                double v = planar[c][i];
                switch (enc) {
                    case PCM8 -> b.put((byte) (Math.round(v * 127) + 128));
                    case PCM16 -> b.putShort((short) Math.round(v * 32767));
                    case PCM24 -> {
                        int s = (int) Math.round(v * 8388607);
                        b.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
                    }
                    case PCM32 -> b.putInt((int) Math.round(v * 2147483647.0));
                    case FLOAT32 -> b.putFloat((float) v);
                    case FLOAT64 -> b.putDouble(v);
                }
            }
        }
        return b.array();
    }

    /** Mono 16-bit WAV. */
    public static byte[] wav16(float[] mono, int rate) {
        return wav(new float[][] { mono }, rate, WavEncoding.PCM16, false);
    }

    /** Integer samples of {@code bits} bits, as a FLAC encoder takes them (interleaved). */
    public static int[] interleavedInts(float[][] planar, int bits) {
        int channels = planar.length;
        int frames = planar[0].length;
        int[] out = new int[frames * channels];
        long full = (1L << (bits - 1)) - 1;
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) {
                out[i * channels + c] = (int) Math.round(planar[c][i] * full);
            }
        }
        return out;
    }

    /** A FLAC file made by javaFlacEncoder (with a seekable sink, so STREAMINFO carries the sample count). */
    public static byte[] flac(float[][] planar, int rate, int bits, EncodingConfiguration.ChannelConfig channelConfig) throws IOException {
        int channels = planar.length;
        int frames = planar[0].length;
        FLACEncoder encoder = new FLACEncoder();
        StreamConfiguration stream = new StreamConfiguration(channels, 4096, 4096, rate, bits);
        encoder.setStreamConfiguration(stream);
        EncodingConfiguration encoding = new EncodingConfiguration();
        encoding.setChannelConfig(channelConfig);
        encoder.setEncodingConfiguration(encoding);
        MemoryFlacOutput out = new MemoryFlacOutput();
        encoder.setOutputStream(out);
        encoder.openFLACStream();
        encoder.addSamples(interleavedInts(planar, bits), frames);
        encoder.encodeSamples(frames, true);
        return out.bytes();
    }

    /** An MP3 file made by jump3r (LAME ported to Java) from 16-bit PCM. */
    public static byte[] mp3(float[][] planar, int rate, int bitrateKbps) {
        int channels = planar.length;
        byte[] pcm = ByteBuffer.allocate(planar[0].length * channels * 2).order(ByteOrder.LITTLE_ENDIAN).array();
        ByteBuffer pb = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < planar[0].length; i++) {
            for (int c = 0; c < channels; c++) {
                pb.putShort((short) Math.round(planar[c][i] * 32767));
            }
        }
        javax.sound.sampled.AudioFormat source = new javax.sound.sampled.AudioFormat(rate, 16, channels, true, false);
        LameEncoder encoder = new LameEncoder(
            source,
            bitrateKbps,
            channels == 1 ? LameEncoder.CHANNEL_MODE_MONO : LameEncoder.CHANNEL_MODE_JOINT_STEREO,
            LameEncoder.QUALITY_MIDDLE,
            false
        );
        ByteArrayOutputStream mp3 = new ByteArrayOutputStream();
        byte[] buffer = new byte[encoder.getMP3BufferSize()];
        int chunk = encoder.getPCMBufferSize();
        for (int pos = 0; pos < pcm.length; pos += chunk) {
            int n = encoder.encodeBuffer(pcm, pos, Math.min(chunk, pcm.length - pos), buffer);
            mp3.write(buffer, 0, n);
        }
        int n = encoder.encodeFinish(buffer);
        mp3.write(buffer, 0, n);
        encoder.close();
        return mp3.toByteArray();
    }

    /** {@code ../shared} beside the checkout, or null when absent. */
    public static Path sharedDir() {
        Path shared = Path.of("").toAbsolutePath().getParent().resolve("shared");
        return Files.isDirectory(shared) ? shared : null;
    }

    /** A folder under {@code ../shared}; skips the test (JUnit assumption) when it is absent. */
    public static Path requireShared(String relative) {
        Path shared = sharedDir();
        assumeTrue("../shared is absent: skipping a test that needs " + relative, shared != null);
        Path p = shared.resolve(relative);
        assumeTrue("../shared/" + relative + " is absent: skipping", Files.exists(p));
        return p;
    }

    /** The mn04 model, or a skipped test. */
    public static Path requireMn04() {
        return requireShared("models/efficientat-mn04/mn04_as.onnx");
    }

    /** A seekable in-memory sink, so that the encoder can rewrite STREAMINFO at the end. */
    private static final class MemoryFlacOutput implements FLACOutputStream {
        private byte[] data = new byte[1 << 16];
        private int size;
        private int pos;

        @Override
        public long seek(long position) {
            pos = (int) position;
            return pos;
        }

        @Override
        public int write(byte[] bytes, int offset, int count) {
            for (int i = 0; i < count; i++) {
                write(bytes[offset + i]);
            }
            return count;
        }

        @Override
        public void write(byte b) {
            if (pos >= data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[pos++] = b;
            size = Math.max(size, pos);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public boolean canSeek() {
            return true;
        }

        @Override
        public long getPos() {
            return pos;
        }

        byte[] bytes() {
            return Arrays.copyOf(data, size);
        }
    }
}
