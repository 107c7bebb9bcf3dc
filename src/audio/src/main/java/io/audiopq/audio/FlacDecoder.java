package io.audiopq.audio;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.INVALID_HEADER;
import static io.audiopq.audio.InvalidAudioException.Reason.TRUNCATED;

/**
 * The project's own native-FLAC decoder, bounded by construction (it replaces jFLAC, whose
 * metadata reader allocated whatever a block claimed, whose frame loop could spin on a bad frame
 * without advancing, and which printed to stdout).
 *
 * <p>What it reads: an optional ID3v2 tag, {@code fLaC}, a STREAMINFO block (which must come
 * first), any other metadata blocks (skipped by their declared length, which is checked against
 * the bytes that remain before anything else happens: nothing in them is parsed or allocated),
 * then frames back to back: frame header with its CRC-8, one subframe per channel (CONSTANT,
 * VERBATIM, FIXED orders 0–4, LPC orders 1–32, wasted bits), Rice and Rice2 residuals (escape
 * codes included), the stereo decorrelation modes (left/side, side/right, mid/side), and the
 * frame's CRC-16. 4 to 32 bits per sample, 1 to 8 channels.
 *
 * <p>Why it cannot be taken down by its input:
 * <ul>
 *   <li>every read goes through {@link Bits}, which refuses to read past the end of the input, so
 *       every loop that reads (unary codes included) ends at the latest with the input;</li>
 *   <li>the only allocations are the channel buffers, {@code channels × max block size} (at most
 *       8 × 65535 longs, 4 MB), made once from STREAMINFO, and the mono output, which
 *       {@link MonoMixer} bounds by the duration limit and the sample budget; the STREAMINFO
 *       sample count is checked against both before decoding starts;</li>
 *   <li>each frame consumes at least its header and its CRC-16, so the frame loop progresses by
 *       construction (and reports every frame to the {@link DecodeBudget}, which also holds the
 *       deadline);</li>
 *   <li>every decoded sample must fit the frame's bit depth (plus one bit for a side channel),
 *       so the mono output stays within [-1, 1]; predictions are computed in 64 bits, which the
 *       format's limits (15-bit coefficients, 33-bit samples, order ≤ 32) cannot overflow;</li>
 *   <li>no recursion, no output to stdout/stderr, no threads.</li>
 * </ul>
 * A frame that fails its CRC is corrupt input: there is no resynchronisation. Bytes after the
 * last frame are ignored once the STREAMINFO sample count is reached; without a count they must
 * be an ID3v1 tag or zero padding. The STREAMINFO MD5 is not checked (the CRCs already guard
 * every frame, and the MD5 says nothing about safety).
 */
final class FlacDecoder implements FormatDecoder {

    private static final int BLOCK_STREAMINFO = 0;
    private static final int BLOCK_INVALID = 127;

    @Override
    public DecodedAudio decode(byte[] bytes, DecodeLimits limits) {
        DecodeBudget budget = limits.budget(AudioFormat.FLAC, bytes.length);
        try {
            return new Run(bytes, budget).decode();
        } catch (Bits.EndOfInput e) {
            throw new InvalidAudioException(TRUNCATED, "flac stream is truncated: " + e.getMessage());
        }
    }

    /** STREAMINFO's fields that decoding needs. */
    private record StreamInfo(int minBlock, int maxBlock, int sampleRate, int channels, int bits, long totalSamples) {}

    private static final class Run {
        private final byte[] b;
        private final DecodeBudget budget;
        private final Bits in;
        private StreamInfo info;
        private long[][] channelData;
        private MonoMixer mixer;

        Run(byte[] bytes, DecodeBudget budget) {
            this.b = bytes;
            this.budget = budget;
            int start = AudioFormat.skipId3v2(bytes);
            this.in = new Bits(bytes, start);
        }

        DecodedAudio decode() {
            if (b.length - in.bytePos() < 4 || b[in.bytePos()] != 'f' || b[in.bytePos() + 1] != 'L' || b[in.bytePos() + 2] != 'a'
                || b[in.bytePos() + 3] != 'C') {
                throw new InvalidAudioException(CORRUPT, "flac stream does not start with 'fLaC'");
            }
            in.skipBytes(4);
            readMetadata();
            DecodeLimits limits = budget.limits();
            limits.checkDuration(AudioFormat.FLAC, info.totalSamples, info.sampleRate);
            mixer = new MonoMixer(AudioFormat.FLAC, budget, info.channels, info.sampleRate, info.totalSamples);
            channelData = new long[info.channels][info.maxBlock];
            while (true) {
                if (info.totalSamples > 0 && mixer.frames() >= info.totalSamples) {
                    break; // anything after the declared samples is ignored
                }
                int remaining = b.length - in.bytePos();
                if (remaining == 0) {
                    break;
                }
                if (isFrameSync(in.bytePos()) == false) {
                    if (info.totalSamples == 0 && isTrailer(in.bytePos())) {
                        break;
                    }
                    if (info.totalSamples > 0 && remaining < 2) {
                        break; // reported as truncated below
                    }
                    throw new InvalidAudioException(
                        CORRUPT,
                        "flac stream is corrupt: no frame sync at byte " + in.bytePos() + " after " + mixer.frames() + " samples"
                    );
                }
                budget.visit();
                int frameStart = in.bytePos();
                decodeFrame();
                budget.advanceTo(in.bytePos());
                assert in.bytePos() > frameStart;
            }
            if (info.totalSamples > 0 && mixer.frames() < info.totalSamples) {
                throw new InvalidAudioException(
                    TRUNCATED,
                    "flac stream is truncated: STREAMINFO declares " + info.totalSamples + " samples but only " + mixer.frames() + " decode"
                );
            }
            return mixer.finish();
        }

        private boolean isFrameSync(int p) {
            return p + 1 < b.length && (b[p] & 0xFF) == 0xFF && (b[p + 1] & 0xFE) == 0xF8;
        }

        /** An ID3v1 tag or zero padding up to the end. */
        private boolean isTrailer(int p) {
            if (b.length - p == 128 && b[p] == 'T' && b[p + 1] == 'A' && b[p + 2] == 'G') {
                return true;
            }
            for (int i = p; i < b.length; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            return true;
        }

        private void readMetadata() {
            boolean last = false;
            boolean first = true;
            while (last == false) {
                budget.visit();
                if (b.length - in.bytePos() < 4) {
                    throw new InvalidAudioException(TRUNCATED, "flac stream is truncated inside its metadata block headers");
                }
                int header = in.readBits(8);
                last = (header & 0x80) != 0;
                int type = header & 0x7F;
                int length = in.readBits(24);
                int remaining = b.length - in.bytePos();
                // The declared length is checked against the real input before anything is read or allocated.
                if (length > remaining) {
                    throw new InvalidAudioException(
                        TRUNCATED,
                        "flac metadata block of type " + type + " declares " + length + " bytes but only " + remaining + " remain"
                    );
                }
                if (type == BLOCK_INVALID) {
                    throw new InvalidAudioException(CORRUPT, "flac metadata block type 127 is invalid");
                }
                if (first) {
                    if (type != BLOCK_STREAMINFO) {
                        throw new InvalidAudioException(CORRUPT, "flac stream does not start with a STREAMINFO block (type " + type + ")");
                    }
                    if (length != 34) {
                        throw new InvalidAudioException(CORRUPT, "flac STREAMINFO block is " + length + " bytes; it must be 34");
                    }
                    info = readStreamInfo();
                    first = false;
                } else if (type == BLOCK_STREAMINFO) {
                    throw new InvalidAudioException(CORRUPT, "flac stream has a second STREAMINFO block");
                } else {
                    in.skipBytes(length);
                }
            }
        }

        private StreamInfo readStreamInfo() {
            int minBlock = in.readBits(16);
            int maxBlock = in.readBits(16);
            in.readBits(24); // min frame size
            in.readBits(24); // max frame size
            int rate = in.readBits(20);
            int channels = in.readBits(3) + 1;
            int bits = in.readBits(5) + 1;
            long total = ((long) in.readBits(4) << 32) | (in.readBits(32) & 0xFFFFFFFFL);
            in.skipBytes(16); // MD5
            if (bits < 4) {
                throw new InvalidAudioException(INVALID_HEADER, "flac STREAMINFO declares " + bits + " bits per sample; expected 4 to 32");
            }
            DecodeLimits.checkStreamParameters(AudioFormat.FLAC, channels, rate);
            if (maxBlock < 16 || minBlock > maxBlock) {
                throw new InvalidAudioException(
                    INVALID_HEADER,
                    "flac STREAMINFO declares block sizes " + minBlock + " to " + maxBlock + "; expected 16 <= min <= max <= 65535"
                );
            }
            return new StreamInfo(minBlock, maxBlock, rate, channels, bits, total);
        }

        private void decodeFrame() {
            int start = in.bytePos();
            // --- header ---
            int sync = in.readBits(15);
            if (sync != 0x7FFC) {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " has a bad sync code");
            }
            in.readBits(1); // blocking strategy (fixed / variable): the coded number is not needed
            int blockCode = in.readBits(4);
            int rateCode = in.readBits(4);
            int assignment = in.readBits(4);
            int sizeCode = in.readBits(3);
            if (in.readBits(1) != 0) {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " has its reserved header bit set");
            }
            readCodedNumber(start);
            int blockSize = switch (blockCode) {
                case 0 -> throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " uses the reserved block size code 0");
                case 1 -> 192;
                case 2, 3, 4, 5 -> 576 << (blockCode - 2);
                case 6 -> in.readBits(8) + 1;
                case 7 -> in.readBits(16) + 1;
                default -> 256 << (blockCode - 8);
            };
            int rate = switch (rateCode) {
                case 0 -> info.sampleRate;
                case 1 -> 88200;
                case 2 -> 176400;
                case 3 -> 192000;
                case 4 -> 8000;
                case 5 -> 16000;
                case 6 -> 22050;
                case 7 -> 24000;
                case 8 -> 32000;
                case 9 -> 44100;
                case 10 -> 48000;
                case 11 -> 96000;
                case 12 -> in.readBits(8) * 1000;
                case 13 -> in.readBits(16);
                case 14 -> in.readBits(16) * 10;
                default -> throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " uses the invalid sample rate code 15");
            };
            int bits = switch (sizeCode) {
                case 0 -> info.bits;
                case 1 -> 8;
                case 2 -> 12;
                case 4 -> 16;
                case 5 -> 20;
                case 6 -> 24;
                case 7 -> 32;
                default -> throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " uses the reserved sample size code 3");
            };
            int crc8 = Crc.crc8(b, start, in.bytePos());
            if (in.readBits(8) != crc8) {
                throw new InvalidAudioException(CORRUPT, "flac frame header at byte " + start + " fails its CRC-8");
            }
            int channels;
            if (assignment < 8) {
                channels = assignment + 1;
            } else if (assignment <= 10) {
                channels = 2;
            } else {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " uses the reserved channel assignment " + assignment);
            }
            if (channels != info.channels || rate != info.sampleRate || bits != info.bits) {
                throw new InvalidAudioException(
                    CORRUPT,
                    "flac frame at byte " + start + " declares " + channels + " channels, " + rate + " Hz, " + bits
                        + " bits but STREAMINFO " + info.channels + " channels, " + info.sampleRate + " Hz, " + info.bits + " bits"
                );
            }
            if (blockSize > info.maxBlock) {
                throw new InvalidAudioException(
                    CORRUPT,
                    "flac frame at byte " + start + " has " + blockSize + " samples, more than STREAMINFO's maximum block size " + info.maxBlock
                );
            }
            // --- subframes ---
            for (int c = 0; c < channels; c++) {
                int subBits = bits;
                if ((assignment == 8 && c == 1) || (assignment == 9 && c == 0) || (assignment == 10 && c == 1)) {
                    subBits++; // the side channel carries one more bit
                }
                decodeSubframe(channelData[c], blockSize, subBits, start);
            }
            decorrelate(assignment, blockSize);
            in.alignToByte();
            int crc16 = Crc.crc16(b, start, in.bytePos());
            if (in.readBits(16) != crc16) {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " fails its CRC-16");
            }
            long limit = 1L << (bits - 1);
            for (int c = 0; c < channels; c++) {
                long[] x = channelData[c];
                for (int i = 0; i < blockSize; i++) {
                    if (x[i] < -limit || x[i] >= limit) {
                        throw new InvalidAudioException(
                            CORRUPT,
                            "flac frame at byte " + start + " decodes to a sample outside " + bits + "-bit range"
                        );
                    }
                }
            }
            mixer.addPlanarLongs(channelData, blockSize, (double) limit);
        }

        /** The UTF-8-like frame or sample number (1 to 7 bytes); only validated. */
        private void readCodedNumber(int start) {
            int first = in.readBits(8);
            int extra;
            if ((first & 0x80) == 0) {
                extra = 0;
            } else if ((first & 0xE0) == 0xC0) {
                extra = 1;
            } else if ((first & 0xF0) == 0xE0) {
                extra = 2;
            } else if ((first & 0xF8) == 0xF0) {
                extra = 3;
            } else if ((first & 0xFC) == 0xF8) {
                extra = 4;
            } else if ((first & 0xFE) == 0xFC) {
                extra = 5;
            } else if (first == 0xFE) {
                extra = 6;
            } else {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " has an invalid frame number");
            }
            for (int i = 0; i < extra; i++) {
                if ((in.readBits(8) & 0xC0) != 0x80) {
                    throw new InvalidAudioException(CORRUPT, "flac frame at byte " + start + " has an invalid frame number");
                }
            }
        }

        private void decodeSubframe(long[] out, int n, int bits, int frameStart) {
            if (in.readBits(1) != 0) {
                throw new InvalidAudioException(CORRUPT, "flac subframe in frame at byte " + frameStart + " has its padding bit set");
            }
            int type = in.readBits(6);
            int wasted = 0;
            if (in.readBits(1) == 1) {
                wasted = 1 + in.readUnary(bits);
                if (wasted >= bits) {
                    throw new InvalidAudioException(CORRUPT, "flac subframe in frame at byte " + frameStart + " wastes all its bits");
                }
            }
            int sampleBits = bits - wasted;
            if (type == 0) {
                long v = in.readSigned(sampleBits);
                java.util.Arrays.fill(out, 0, n, v);
            } else if (type == 1) {
                for (int i = 0; i < n; i++) {
                    out[i] = in.readSigned(sampleBits);
                }
            } else if (type >= 8 && type <= 12) {
                int order = type - 8;
                checkOrder(order, n, frameStart);
                for (int i = 0; i < order; i++) {
                    out[i] = in.readSigned(sampleBits);
                }
                readResidual(out, n, order, frameStart);
                fixedPredict(out, n, order);
            } else if (type >= 32) {
                int order = type - 31;
                checkOrder(order, n, frameStart);
                for (int i = 0; i < order; i++) {
                    out[i] = in.readSigned(sampleBits);
                }
                int precision = in.readBits(4) + 1;
                if (precision == 16) {
                    throw new InvalidAudioException(CORRUPT, "flac LPC subframe in frame at byte " + frameStart + " has an invalid precision");
                }
                int shift = (int) in.readSigned(5);
                if (shift < 0) {
                    throw new InvalidAudioException(CORRUPT, "flac LPC subframe in frame at byte " + frameStart + " has a negative shift");
                }
                long[] coefs = new long[order];
                for (int i = 0; i < order; i++) {
                    coefs[i] = in.readSigned(precision);
                }
                readResidual(out, n, order, frameStart);
                for (int i = order; i < n; i++) {
                    long sum = 0;
                    for (int j = 0; j < order; j++) {
                        sum += coefs[j] * out[i - 1 - j];
                    }
                    out[i] += sum >> shift;
                    checkRange(out[i], frameStart);
                }
            } else {
                throw new InvalidAudioException(CORRUPT, "flac subframe in frame at byte " + frameStart + " has the reserved type " + type);
            }
            if (wasted > 0) {
                for (int i = 0; i < n; i++) {
                    out[i] <<= wasted;
                }
            }
        }

        /**
         * Keeps intermediate values within 36 bits (a valid stream's are within 33), so that the next
         * prediction, at most 32 terms of 15-bit coefficients, stays far from 64-bit overflow.
         */
        private static void checkRange(long v, int frameStart) {
            if (v > (1L << 36) || v < -(1L << 36)) {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + frameStart + " predicts an out-of-range sample");
            }
        }

        private static void checkOrder(int order, int n, int frameStart) {
            if (order > n) {
                throw new InvalidAudioException(
                    CORRUPT,
                    "flac subframe in frame at byte " + frameStart + " has predictor order " + order + " for " + n + " samples"
                );
            }
        }

        private void fixedPredict(long[] x, int n, int order) {
            for (int i = order; i < n; i++) {
                long p = switch (order) {
                    case 0 -> 0;
                    case 1 -> x[i - 1];
                    case 2 -> 2 * x[i - 1] - x[i - 2];
                    case 3 -> 3 * x[i - 1] - 3 * x[i - 2] + x[i - 3];
                    default -> 4 * x[i - 1] - 6 * x[i - 2] + 4 * x[i - 3] - x[i - 4];
                };
                x[i] += p;
                checkRange(x[i], 0);
            }
        }

        /** Residuals into {@code out[order..n)}. */
        private void readResidual(long[] out, int n, int order, int frameStart) {
            int method = in.readBits(2);
            if (method > 1) {
                throw new InvalidAudioException(CORRUPT, "flac frame at byte " + frameStart + " uses the reserved residual coding " + method);
            }
            int paramBits = method == 0 ? 4 : 5;
            int escape = method == 0 ? 15 : 31;
            int partitionOrder = in.readBits(4);
            int partitions = 1 << partitionOrder;
            int perPartition = n >> partitionOrder;
            if ((perPartition << partitionOrder) != n || perPartition < order) {
                throw new InvalidAudioException(
                    CORRUPT,
                    "flac frame at byte " + frameStart + " has residual partition order " + partitionOrder + " that does not fit " + n
                        + " samples with predictor order " + order
                );
            }
            int i = order;
            for (int p = 0; p < partitions; p++) {
                int count = p == 0 ? perPartition - order : perPartition;
                int param = in.readBits(paramBits);
                if (param == escape) {
                    int raw = in.readBits(5);
                    for (int k = 0; k < count; k++) {
                        out[i++] = raw == 0 ? 0 : in.readSigned(raw);
                    }
                } else {
                    for (int k = 0; k < count; k++) {
                        out[i++] = in.readRice(param);
                    }
                }
            }
        }

        private void decorrelate(int assignment, int n) {
            if (assignment < 8) {
                return;
            }
            long[] a = channelData[0], s = channelData[1];
            switch (assignment) {
                case 8 -> { // left, side: right = left - side
                    for (int i = 0; i < n; i++) {
                        s[i] = a[i] - s[i];
                    }
                }
                case 9 -> { // side, right: left = side + right
                    for (int i = 0; i < n; i++) {
                        a[i] += s[i];
                    }
                }
                default -> { // mid, side
                    for (int i = 0; i < n; i++) {
                        long side = s[i];
                        long mid = (a[i] << 1) | (side & 1);
                        a[i] = (mid + side) >> 1;
                        s[i] = (mid - side) >> 1;
                    }
                }
            }
        }
    }

    /** Big-endian bit reader over a byte array that never reads past its end. */
    static final class Bits {

        /** Reading past the end of the input: the stream is truncated (or lies about a length). */
        static final class EndOfInput extends RuntimeException {
            EndOfInput(String message) {
                super(message, null, false, false);
            }
        }

        private final byte[] b;
        private long bit; // absolute bit position
        private final long end;

        Bits(byte[] b, int startByte) {
            this.b = b;
            this.bit = 8L * startByte;
            this.end = 8L * b.length;
        }

        int bytePos() {
            return (int) ((bit + 7) >>> 3);
        }

        void skipBytes(int n) {
            require(8L * n);
            bit += 8L * n;
        }

        void alignToByte() {
            bit = (bit + 7) & ~7L;
            if (bit > end) {
                throw new EndOfInput("the input ends inside a frame");
            }
        }

        private void require(long bits) {
            if (bit + bits > end) {
                throw new EndOfInput("the input ends at byte " + b.length + " inside a " + bits + "-bit field at bit " + bit);
            }
        }

        /** {@code n} bits (0 to 32) as an unsigned value in an int (32 bits: the raw pattern). */
        int readBits(int n) {
            if (n == 0) {
                return 0;
            }
            require(n);
            long v = 0;
            int left = n;
            while (left > 0) {
                int byteIndex = (int) (bit >>> 3);
                int offset = (int) (bit & 7);
                int avail = 8 - offset;
                int take = Math.min(avail, left);
                int chunk = ((b[byteIndex] & 0xFF) >>> (avail - take)) & ((1 << take) - 1);
                v = (v << take) | chunk;
                left -= take;
                bit += take;
            }
            return (int) v;
        }

        /** {@code n} bits (1 to 33) as a two's-complement signed value. */
        long readSigned(int n) {
            if (n <= 0) {
                return 0;
            }
            long v;
            if (n > 32) {
                v = ((long) readBits(n - 32) << 32) | (readBits(32) & 0xFFFFFFFFL);
            } else {
                v = readBits(n) & 0xFFFFFFFFL;
            }
            return (v << (64 - n)) >> (64 - n);
        }

        /** Zero bits before the next one bit; at most {@code max} zeros are allowed. */
        int readUnary(int max) {
            int zeros = 0;
            while (true) {
                require(1);
                int byteIndex = (int) (bit >>> 3);
                int offset = (int) (bit & 7);
                int rest = (b[byteIndex] & 0xFF) & (0xFF >>> offset);
                if (rest == 0) {
                    zeros += 8 - offset;
                    bit += 8 - offset;
                } else {
                    int lead = Integer.numberOfLeadingZeros(rest) - 24 - offset;
                    zeros += lead;
                    bit += lead + 1;
                    if (zeros > max) {
                        throw new InvalidAudioException(CORRUPT, "flac stream has a unary code longer than " + max + " bits");
                    }
                    return zeros;
                }
                if (zeros > max) {
                    throw new InvalidAudioException(CORRUPT, "flac stream has a unary code longer than " + max + " bits");
                }
            }
        }

        /** A Rice-coded signed residual with parameter {@code k} (0 to 30). */
        long readRice(int k) {
            // A quotient beyond 2^32 cannot belong to a residual of a valid (≤ 33-bit) stream.
            long q = readUnary(Integer.MAX_VALUE - 8);
            long u = (q << k) | (k == 0 ? 0 : readBits(k) & 0xFFFFFFFFL);
            return (u >>> 1) ^ -(u & 1);
        }
    }

    /** FLAC's CRC-8 (polynomial x^8 + x^2 + x + 1) and CRC-16 (x^16 + x^15 + x^2 + 1), initial value 0. */
    static final class Crc {
        private static final int[] CRC8 = new int[256];
        private static final int[] CRC16 = new int[256];

        static {
            for (int i = 0; i < 256; i++) {
                int c = i;
                for (int j = 0; j < 8; j++) {
                    c = (c & 0x80) != 0 ? ((c << 1) ^ 0x07) & 0xFF : (c << 1) & 0xFF;
                }
                CRC8[i] = c;
                int d = i << 8;
                for (int j = 0; j < 8; j++) {
                    d = (d & 0x8000) != 0 ? ((d << 1) ^ 0x8005) & 0xFFFF : (d << 1) & 0xFFFF;
                }
                CRC16[i] = d;
            }
        }

        private Crc() {}

        static int crc8(byte[] b, int from, int to) {
            int c = 0;
            for (int i = from; i < to; i++) {
                c = CRC8[(c ^ b[i]) & 0xFF];
            }
            return c;
        }

        static int crc16(byte[] b, int from, int to) {
            int c = 0;
            for (int i = from; i < to; i++) {
                c = ((c << 8) & 0xFFFF) ^ CRC16[((c >>> 8) ^ b[i]) & 0xFF];
            }
            return c;
        }
    }
}
