package io.audiopq.audio;

import io.audiopq.testing.TestAudio;

import io.audiopq.testing.TestAudio.WavEncoding;
import net.sourceforge.javaflacencoder.EncodingConfiguration.ChannelConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Seeded generator of hostile decoder inputs: valid seeds in all four formats, made here (WAV by
 * {@link TestAudio}, FLAC by javaFlacEncoder plus hand-made frames, MP3 by jump3r, Ogg Vorbis cut
 * from the ESC-10 clips in {@code ../shared} when present, since there is no pure-Java Vorbis
 * encoder), then mutated: bit flips, byte runs, truncations, header and size field mutations,
 * chunk splices, extreme rates/channels/durations, NaN and huge float samples, random bytes. Ogg
 * mutations are also made with their page CRC recomputed, so that they reach JOrbis instead of
 * stopping at the CRC check. Case {@code i} of a given seed is always the same input. Public for
 * integTest's NodeFuzzIT, which sends the same cases through a real node.
 */
public final class AudioFuzzer {

    /** One generated input. */
    public record Case(AudioFormat format, String mutation, byte[] bytes) {}

    private final Map<AudioFormat, List<byte[]>> seeds = new EnumMap<>(AudioFormat.class);
    private final String oggNote;

    public AudioFuzzer() {
        seeds.put(AudioFormat.WAV, wavSeeds());
        seeds.put(AudioFormat.FLAC, flacSeeds());
        seeds.put(AudioFormat.MP3, mp3Seeds());
        List<byte[]> ogg = oggSeeds();
        seeds.put(AudioFormat.OGG_VORBIS, ogg);
        oggNote = ogg.isEmpty() ? "no Ogg Vorbis seeds: ../shared/data/esc10 is absent and there is no pure-Java Vorbis encoder; Ogg skipped" : null;
    }

    /** Why Ogg Vorbis is not fuzzed, or null when it is. */
    public String oggNote() {
        return oggNote;
    }

    List<byte[]> seeds(AudioFormat format) {
        return seeds.get(format);
    }

    /** Formats that have seeds. */
    public List<AudioFormat> formats() {
        return Arrays.stream(AudioFormat.values()).filter(f -> seeds.get(f).isEmpty() == false).toList();
    }

    /** Case {@code index} for {@code format}, derived from {@code seed} alone. */
    public Case generate(AudioFormat format, long seed, long index) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + format.ordinal());
        List<byte[]> pool = seeds.get(format);
        byte[] base = pool.get(r.nextInt(pool.size()));
        int kind = r.nextInt(12);
        return switch (kind) {
            case 0 -> new Case(format, "bitflip", bitFlips(base, r));
            case 1 -> new Case(format, "byterun", byteRun(base, r));
            case 2 -> new Case(format, "truncate", Arrays.copyOf(base, r.nextInt(base.length + 1)));
            case 3, 4 -> new Case(format, "header", headerField(format, base, r));
            case 5 -> new Case(format, "splice", splice(base, pool.get(r.nextInt(pool.size())), r));
            case 6 -> new Case(format, "extreme", extreme(format, r));
            case 7 -> new Case(format, "random", randomBytes(format, r));
            case 8 -> new Case(format, "multi", multi(format, base, r));
            case 9 -> new Case(format, "valid", base);
            default -> format == AudioFormat.OGG_VORBIS
                ? new Case(format, "ogg-crc-fixed", Ogg.fixCrcs(multi(format, base, r)))
                : new Case(format, "bitflip-header", bitFlipsNear(base, r, Math.min(base.length, 128)));
        };
    }

    // ---------------------------------------------------------------- mutations

    static byte[] bitFlips(byte[] b, Random r) {
        byte[] x = b.clone();
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n && x.length > 0; i++) {
            x[r.nextInt(x.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return x;
    }

    static byte[] bitFlipsNear(byte[] b, Random r, int prefix) {
        byte[] x = b.clone();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n && prefix > 0; i++) {
            x[r.nextInt(prefix)] ^= (byte) (1 << r.nextInt(8));
        }
        return x;
    }

    static byte[] byteRun(byte[] b, Random r) {
        byte[] x = b.clone();
        if (x.length == 0) {
            return x;
        }
        int len = 1 + r.nextInt(Math.min(64, x.length));
        int at = r.nextInt(x.length - len + 1);
        int mode = r.nextInt(3);
        for (int i = at; i < at + len; i++) {
            x[i] = switch (mode) {
                case 0 -> 0;
                case 1 -> (byte) 0xFF;
                default -> (byte) r.nextInt(256);
            };
        }
        return x;
    }

    static byte[] splice(byte[] a, byte[] b, Random r) {
        int from = r.nextInt(b.length);
        int len = 1 + r.nextInt(Math.min(4096, b.length - from));
        int at = r.nextInt(a.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(a, 0, at);
        out.write(b, from, len);
        boolean replace = r.nextBoolean();
        int rest = replace ? Math.min(a.length, at + len) : at;
        out.write(a, rest, a.length - rest);
        return out.toByteArray();
    }

    private byte[] multi(AudioFormat format, byte[] base, Random r) {
        byte[] x = base;
        int n = 2 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            x = switch (r.nextInt(4)) {
                case 0 -> bitFlips(x, r);
                case 1 -> byteRun(x, r);
                case 2 -> headerField(format, x, r);
                default -> splice(x, x, r);
            };
        }
        return x;
    }

    private static final long[] INTERESTING = { 0, 1, 2, 7, 8, 16, 255, 256, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF, 0x8000, 0x10000, 0xFFFFFF,
        0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 1000, 768000, 768001, 999, 44100 };

    private static long interesting(Random r) {
        return r.nextInt(3) == 0 ? r.nextLong() : INTERESTING[r.nextInt(INTERESTING.length)];
    }

    private static void putLe(byte[] b, int at, int bytes, long v) {
        for (int i = 0; i < bytes && at + i < b.length; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putBe(byte[] b, int at, int bytes, long v) {
        for (int i = 0; i < bytes && at + i < b.length; i++) {
            b[at + i] = (byte) (v >>> (8 * (bytes - 1 - i)));
        }
    }

    /** Overwrites one header or size field with an interesting value. */
    byte[] headerField(AudioFormat format, byte[] b, Random r) {
        byte[] x = b.clone();
        long v = interesting(r);
        switch (format) {
            case WAV -> {
                // RIFF size, fmt size, tag, channels, rate, byte rate, block align, bits, data size (canonical layout),
                // or the size of whichever chunk starts at a random 8-byte-aligned offset.
                int[][] fields = { { 4, 4 }, { 16, 4 }, { 20, 2 }, { 22, 2 }, { 24, 4 }, { 28, 4 }, { 32, 2 }, { 34, 2 }, { 40, 4 } };
                int[] f = fields[r.nextInt(fields.length)];
                int extensibleShift = (x.length > 20 && (x[16] & 0xFF) == 40) ? 24 : 0;
                int at = f[0] == 40 ? 40 + extensibleShift : f[0];
                putLe(x, at, f[1], v);
            }
            case FLAC -> {
                int m = r.nextInt(6);
                if (m == 0) {
                    putBe(x, 5, 3, v); // STREAMINFO length
                } else if (m == 1) {
                    // a field of STREAMINFO: block sizes, frame sizes, rate/channels/bits/total samples
                    int at = 8 + r.nextInt(18);
                    putBe(x, at, 1 + r.nextInt(3), v);
                } else if (m == 2) {
                    int next = nextFlacBlock(x);
                    if (next > 0) {
                        putBe(x, next + 1, 3, v); // the following block's length
                    }
                } else if (m == 3 && x.length > 46) {
                    x[45] = 1; // the reported patch
                    x[46] = 0;
                } else {
                    // a frame header byte
                    int frame = firstFlacFrame(x);
                    if (frame > 0 && frame + 8 < x.length) {
                        x[frame + 1 + r.nextInt(6)] = (byte) v;
                    }
                }
            }
            case MP3 -> {
                int at = r.nextInt(Math.max(1, x.length - 4));
                for (int i = at; i + 3 < x.length && i < at + 4096; i++) {
                    if ((x[i] & 0xFF) == 0xFF && (x[i + 1] & 0xE0) == 0xE0) {
                        x[i + 1 + r.nextInt(3)] = (byte) v;
                        break;
                    }
                }
            }
            case OGG_VORBIS -> {
                List<Integer> pages = Ogg.pageOffsets(x);
                if (pages.isEmpty() == false) {
                    int p = pages.get(r.nextInt(Math.min(pages.size(), 4)));
                    int headerByte = r.nextInt(4);
                    switch (headerByte) {
                        case 0 -> x[p + 26] = (byte) v; // segment count
                        case 1 -> x[p + 5] = (byte) v; // header type
                        case 2 -> {
                            int segs = x[p + 26] & 0xFF;
                            if (segs > 0 && p + 27 + segs <= x.length) {
                                x[p + 27 + r.nextInt(segs)] = (byte) v; // a lacing value
                            }
                        }
                        default -> {
                            // a field inside the first packets (identification: channels, rate, block sizes; comment lengths)
                            int body = p + 27 + (x[p + 26] & 0xFF);
                            int at = body + 7 + r.nextInt(24);
                            putLe(x, at, 1 + r.nextInt(4), v);
                        }
                    }
                    x = Ogg.fixCrcs(x);
                }
            }
        }
        return x;
    }

    private static int nextFlacBlock(byte[] x) {
        if (x.length < 8) {
            return -1;
        }
        int len = ((x[5] & 0xFF) << 16) | ((x[6] & 0xFF) << 8) | (x[7] & 0xFF);
        int next = 8 + len;
        return (x[4] & 0x80) == 0 && next + 4 <= x.length ? next : -1;
    }

    private static int firstFlacFrame(byte[] x) {
        for (int i = 42; i + 1 < x.length; i++) {
            if ((x[i] & 0xFF) == 0xFF && (x[i + 1] & 0xFE) == 0xF8) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] randomBytes(AudioFormat format, Random r) {
        byte[] x = new byte[r.nextInt(4096)];
        r.nextBytes(x);
        String magic = switch (format) {
            case WAV -> "RIFF\0\0\0\0WAVE";
            case FLAC -> "fLaC";
            case OGG_VORBIS -> "OggS";
            case MP3 -> "ID3";
        };
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (r.nextInt(4) != 0 && x.length >= m.length) {
            System.arraycopy(m, 0, x, 0, m.length);
        }
        return x;
    }

    /** Well-formed streams with extreme parameters, and float WAVs with NaN/huge samples. */
    private byte[] extreme(AudioFormat format, Random r) {
        switch (format) {
            case WAV -> {
                int rate = new int[] { 1000, 999, 768000, 768001, 8000 }[r.nextInt(5)];
                int channels = new int[] { 1, 2, 255, 256, 65535 }[r.nextInt(5)];
                WavEncoding enc = WavEncoding.values()[r.nextInt(WavEncoding.values().length)];
                int frames = 1 + r.nextInt(2000);
                float[][] planar = new float[Math.min(channels, 8)][frames];
                for (float[] ch : planar) {
                    for (int i = 0; i < frames; i++) {
                        ch[i] = (float) (r.nextGaussian() * 0.3);
                    }
                }
                byte[] w = TestAudio.wav(planar, rate, enc, r.nextBoolean());
                if (enc.isFloat && r.nextBoolean()) {
                    float[] bad = { Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.0e38f, -3.0e38f, 1001f, Float.MIN_VALUE };
                    ByteBuffer bb = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
                    int dataStart = w.length - frames * planar.length * (enc.bits / 8);
                    int at = dataStart + (enc.bits / 8) * r.nextInt(frames * planar.length);
                    float v = bad[r.nextInt(bad.length)];
                    if (enc.bits == 32) {
                        bb.putFloat(at, v);
                    } else {
                        bb.putDouble(at, r.nextBoolean() ? v : 1e300);
                    }
                }
                if (channels > planar.length) {
                    putLe(w, 22, 2, channels); // claims more channels than written
                }
                return w;
            }
            case FLAC -> {
                int rate = new int[] { 1000, 384000, 768000, 655350, 8000 }[r.nextInt(5)];
                int channels = 1 + r.nextInt(8);
                int bits = new int[] { 4, 8, 12, 16, 20, 24, 32 }[r.nextInt(7)];
                int block = new int[] { 16, 192, 4096, 65535 }[r.nextInt(4)];
                long declared = r.nextInt(3) == 0 ? 0 : (r.nextBoolean() ? (1L << 36) - 1 : 10_000L * block);
                return TestFlac.constant(rate, channels, bits, block, 1 + r.nextInt(8), declared, r.nextInt(1000));
            }
            case MP3 -> {
                // Many frames' worth of the same frame: long streams
                byte[] s = seeds.get(AudioFormat.MP3).get(0);
                int copies = 1 + r.nextInt(40);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 0; i < copies; i++) {
                    out.write(s, 0, s.length);
                }
                return out.toByteArray();
            }
            default -> {
                byte[] s = seeds.get(format).get(r.nextInt(seeds.get(format).size()));
                return Ogg.fixCrcs(headerField(format, s, r));
            }
        }
    }

    // ---------------------------------------------------------------- seeds

    private static List<byte[]> wavSeeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(TestAudio.wav16(TestAudio.sine(440, 0.5, 8000, 0.1), 8000));
        out.add(TestAudio.wav(TestAudio.multiChannel(2, 16000, 0.05), 16000, WavEncoding.PCM24, false));
        out.add(TestAudio.wav(TestAudio.multiChannel(2, 22050, 0.05), 22050, WavEncoding.FLOAT32, false));
        out.add(TestAudio.wav(TestAudio.multiChannel(1, 8000, 0.05), 8000, WavEncoding.FLOAT64, true));
        out.add(TestAudio.wav(TestAudio.multiChannel(6, 8000, 0.02), 8000, WavEncoding.PCM32, true));
        out.add(TestAudio.wav(TestAudio.multiChannel(1, 11025, 0.05), 11025, WavEncoding.PCM8, false));
        return out;
    }

    private static List<byte[]> flacSeeds() {
        try {
            List<byte[]> out = new ArrayList<>();
            out.add(TestAudio.flac(TestAudio.multiChannel(1, 8000, 0.3), 8000, 16, ChannelConfig.INDEPENDENT));
            out.add(TestAudio.flac(TestAudio.multiChannel(2, 8000, 0.3), 8000, 16, ChannelConfig.MID_SIDE));
            out.add(TestAudio.flac(TestAudio.multiChannel(2, 16000, 0.2), 16000, 24, ChannelConfig.LEFT_SIDE));
            out.add(TestAudio.flac(TestAudio.multiChannel(2, 8000, 0.3), 8000, 16, ChannelConfig.INDEPENDENT));
            out.add(TestFlac.withLibFlacComment(TestAudio.flac(TestAudio.multiChannel(1, 8000, 0.5), 8000, 16, ChannelConfig.INDEPENDENT)));
            out.add(TestFlac.constant(44100, 2, 16, 1152, 5, 5 * 1152, 0));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<byte[]> mp3Seeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(TestAudio.mp3(new float[][] { TestAudio.sine(1000, 0.5, 44100, 0.2) }, 44100, 128));
        out.add(TestAudio.mp3(TestAudio.multiChannel(2, 44100, 0.2), 44100, 96));
        out.add(TestAudio.mp3(new float[][] { TestAudio.sine(500, 0.5, 16000, 0.3) }, 16000, 32));
        return out;
    }

    /** Short valid Ogg Vorbis streams cut from ESC-10 clips (first pages, EOS set), or none. */
    static List<byte[]> oggSeeds() {
        Path shared = TestAudio.sharedDir();
        if (shared == null || Files.isDirectory(shared.resolve("data/esc10")) == false) {
            return List.of();
        }
        List<Path> clips;
        try (Stream<Path> s = Files.walk(shared.resolve("data/esc10"))) {
            clips = s.filter(p -> p.toString().endsWith(".ogg")).sorted().limit(4).toList();
        } catch (IOException e) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        for (Path clip : clips) {
            try {
                byte[] full = Files.readAllBytes(clip);
                byte[] cut = Ogg.firstPages(full, 6);
                if (cut != null) {
                    out.add(cut);
                }
            } catch (IOException e) {
                // unreadable: skip
            }
        }
        return out;
    }

    /** Ogg page helpers: offsets, CRC, cutting a stream short. */
    static final class Ogg {
        private static final int[] CRC = new int[256];

        static {
            for (int i = 0; i < 256; i++) {
                int c = i << 24;
                for (int j = 0; j < 8; j++) {
                    c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
                }
                CRC[i] = c;
            }
        }

        /** Offsets of the well-formed pages (capture pattern, header and segment table inside the bytes). */
        static List<Integer> pageOffsets(byte[] b) {
            List<Integer> out = new ArrayList<>();
            int p = 0;
            while (p + 27 <= b.length && b[p] == 'O' && b[p + 1] == 'g' && b[p + 2] == 'g' && b[p + 3] == 'S') {
                int segs = b[p + 26] & 0xFF;
                if (p + 27 + segs > b.length) {
                    break;
                }
                int body = 0;
                for (int i = 0; i < segs; i++) {
                    body += b[p + 27 + i] & 0xFF;
                }
                out.add(p);
                p += 27 + segs + body;
            }
            return out;
        }

        static int pageLength(byte[] b, int p) {
            int segs = b[p + 26] & 0xFF;
            int body = 0;
            for (int i = 0; i < segs && p + 27 + i < b.length; i++) {
                body += b[p + 27 + i] & 0xFF;
            }
            return 27 + segs + body;
        }

        /** Recomputes the CRC of every page that lies entirely inside the bytes. */
        static byte[] fixCrcs(byte[] b) {
            byte[] x = b.clone();
            for (int p : pageOffsets(x)) {
                int len = pageLength(x, p);
                if (p + len > x.length) {
                    continue;
                }
                putLe(x, p + 22, 4, 0);
                int c = 0;
                for (int i = p; i < p + len; i++) {
                    c = (c << 8) ^ CRC[((c >>> 24) ^ x[i]) & 0xFF];
                }
                putLe(x, p + 22, 4, c & 0xFFFFFFFFL);
            }
            return x;
        }

        /** The first {@code pages} pages with end-of-stream set on the last, or null when there are fewer. */
        static byte[] firstPages(byte[] b, int pages) {
            List<Integer> offsets = pageOffsets(b);
            if (offsets.size() <= pages) {
                return null;
            }
            int end = offsets.get(pages);
            byte[] x = Arrays.copyOf(b, end);
            x[offsets.get(pages - 1) + 5] |= 4;
            return fixCrcs(x);
        }
    }
}
