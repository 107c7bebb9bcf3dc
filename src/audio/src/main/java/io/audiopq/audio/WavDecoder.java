package io.audiopq.audio;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.INVALID_HEADER;
import static io.audiopq.audio.InvalidAudioException.Reason.TRUNCATED;
import static io.audiopq.audio.InvalidAudioException.Reason.UNSUPPORTED_FORMAT;

/**
 * RIFF/WAVE decoder: integer PCM (8-bit unsigned, 16/24/32-bit signed), IEEE float (32/64-bit),
 * and WAVE_FORMAT_EXTENSIBLE wrapping either, with any channel count.
 *
 * <p>Hand-written rather than {@code javax.sound.sampled}: the JDK's readers do cover these
 * variants, but only through {@code AudioSystem}'s service lookup and as byte streams, so the
 * float conversion would be ours anyway; parsing the chunks here lets every declared size be
 * validated against the bytes actually present before anything is allocated, and every error say
 * which field is wrong.
 *
 * <p>Float samples follow {@link AudioChecks}' rule: NaN, infinite or beyond
 * ±{@link AudioChecks#MAX_SAMPLE_MAGNITUDE} (e.g. 3.0e38) is refused as {@code CORRUPT}, checked per
 * channel before the downmix; nothing is clipped. The chunk walk reports every chunk to the
 * {@link DecodeBudget} (each advances at least 8 bytes), the sample loop is bounded by the data
 * chunk, which is checked against the real input length, and by the duration and sample budget.
 */
final class WavDecoder implements FormatDecoder {

    private static final int WAVE_FORMAT_PCM = 0x0001;
    private static final int WAVE_FORMAT_IEEE_FLOAT = 0x0003;
    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    /** Data sizes that streaming writers put in the header when they do not know the length. */
    private static final long UNKNOWN_SIZE_0 = 0, UNKNOWN_SIZE_MAX = 0xFFFFFFFFL;

    @Override
    public DecodedAudio decode(byte[] b, DecodeLimits limits) {
        if (b.length < 12) {
            throw new InvalidAudioException(TRUNCATED, "wav file is truncated: " + b.length + " bytes, the RIFF header alone needs 12");
        }
        DecodeBudget budget = limits.budget(AudioFormat.WAV, b.length);
        Fmt fmt = null;
        int pos = 12;
        while (true) {
            budget.visit(); // each chunk advances pos by at least its 8-byte header
            if (pos + 8 > b.length) {
                throw new InvalidAudioException(
                    TRUNCATED,
                    "wav file is truncated: " + (fmt == null ? "no 'fmt ' chunk" : "no 'data' chunk") + " before the end of the file"
                );
            }
            String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
            long size = u32(b, pos + 4);
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size < 16) {
                    throw new InvalidAudioException(CORRUPT, "wav 'fmt ' chunk is " + size + " bytes; it needs at least 16");
                }
                if (body + size > b.length) {
                    throw new InvalidAudioException(TRUNCATED, "wav file is truncated inside its 'fmt ' chunk");
                }
                fmt = Fmt.parse(b, body, (int) size);
            } else if (id.equals("data")) {
                if (fmt == null) {
                    throw new InvalidAudioException(CORRUPT, "wav 'data' chunk comes before the 'fmt ' chunk");
                }
                long available = b.length - body;
                if (size == UNKNOWN_SIZE_0 || size == UNKNOWN_SIZE_MAX) {
                    size = available;
                } else if (size > available) {
                    throw new InvalidAudioException(
                        TRUNCATED,
                        "wav file is truncated: its 'data' chunk declares " + size + " bytes but only " + available + " follow"
                    );
                }
                return decodeData(b, body, size, fmt, budget);
            }
            // Skip any other chunk (LIST, fact, cue, ...); chunks are padded to even sizes.
            long next = body + size + (size & 1);
            if (next > b.length) {
                throw new InvalidAudioException(TRUNCATED, "wav file is truncated inside its '" + printable(id) + "' chunk");
            }
            pos = (int) next;
        }
    }

    private static DecodedAudio decodeData(byte[] b, int offset, long size, Fmt fmt, DecodeBudget budget) {
        long frames = size / fmt.blockAlign; // a trailing partial frame is dropped
        budget.limits().checkDuration(AudioFormat.WAV, frames, (int) fmt.sampleRate);
        MonoMixer mixer = new MonoMixer(AudioFormat.WAV, budget, fmt.channels, (int) fmt.sampleRate, frames);
        int bytesPerSample = fmt.bitsPerSample / 8;
        float scale = 1f / fmt.channels;
        int p = offset;
        for (long f = 0; f < frames; f++) {
            double sum = 0;
            for (int c = 0; c < fmt.channels; c++) {
                double v = sample(b, p, fmt.isFloat, fmt.bitsPerSample);
                if (fmt.isFloat && (Math.abs(v) <= AudioChecks.MAX_SAMPLE_MAGNITUDE) == false) {
                    // Per channel, before the mix (see AudioChecks): NaN, infinity and absurd magnitudes are refused.
                    throw AudioChecks.insaneSample(AudioFormat.WAV, v, f);
                }
                sum += v;
                p += bytesPerSample;
            }
            float mono = (float) sum * scale;
            if (Float.isFinite(mono) == false) {
                throw new InvalidAudioException(CORRUPT, "wav float data contains NaN or infinite samples (frame " + f + ")");
            }
            mixer.addMono(mono);
        }
        return mixer.finish();
    }

    private static double sample(byte[] b, int p, boolean isFloat, int bits) {
        if (isFloat) {
            return bits == 32
                ? Float.intBitsToFloat((int) u32(b, p))
                : Double.longBitsToDouble((u32(b, p)) | (u32(b, p + 4) << 32));
        }
        return switch (bits) {
            case 8 -> ((b[p] & 0xFF) - 128) / 128.0;
            case 16 -> (short) ((b[p] & 0xFF) | (b[p + 1] << 8)) / 32768.0;
            case 24 -> ((b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] << 16)) / 8388608.0;
            case 32 -> (int) u32(b, p) / 2147483648.0;
            default -> throw new AssertionError(bits);
        };
    }

    /** The fields of a 'fmt ' chunk that decoding needs, validated. */
    private record Fmt(int channels, long sampleRate, int blockAlign, int bitsPerSample, boolean isFloat) {

        static Fmt parse(byte[] b, int p, int size) {
            int tag = u16(b, p);
            int channels = u16(b, p + 2);
            long sampleRate = u32(b, p + 4);
            int blockAlign = u16(b, p + 12);
            int bits = u16(b, p + 14);
            if (tag == WAVE_FORMAT_EXTENSIBLE) {
                if (size < 40) {
                    throw new InvalidAudioException(CORRUPT, "wav WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is " + size + " bytes; it needs 40");
                }
                int validBits = u16(b, p + 18);
                if (validBits > bits) {
                    throw new InvalidAudioException(
                        INVALID_HEADER,
                        "wav header declares " + validBits + " valid bits in a " + bits + "-bit container"
                    );
                }
                // The sub-format GUID starts with the plain format tag (the rest is the fixed KSDATAFORMAT suffix).
                tag = u16(b, p + 24);
            }
            boolean isFloat;
            if (tag == WAVE_FORMAT_PCM) {
                isFloat = false;
                if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
                    throw new InvalidAudioException(
                        UNSUPPORTED_FORMAT,
                        "wav integer PCM with " + bits + " bits per sample is not supported; expected 8, 16, 24 or 32"
                    );
                }
            } else if (tag == WAVE_FORMAT_IEEE_FLOAT) {
                isFloat = true;
                if (bits != 32 && bits != 64) {
                    throw new InvalidAudioException(
                        UNSUPPORTED_FORMAT,
                        "wav IEEE float with " + bits + " bits per sample is not supported; expected 32 or 64"
                    );
                }
            } else {
                throw new InvalidAudioException(
                    UNSUPPORTED_FORMAT,
                    String.format(
                        java.util.Locale.ROOT,
                        "wav encoding 0x%04x (%s) is not supported; expected integer PCM (1), IEEE float (3) or extensible (0xfffe) wrapping either",
                        tag,
                        encodingName(tag)
                    )
                );
            }
            DecodeLimits.checkStreamParameters(AudioFormat.WAV, channels, sampleRate);
            if (blockAlign != channels * (bits / 8)) {
                throw new InvalidAudioException(
                    INVALID_HEADER,
                    "wav header declares a block align of " + blockAlign + " bytes, but " + channels + " channels of " + bits
                        + " bits need " + channels * (bits / 8)
                );
            }
            return new Fmt(channels, sampleRate, blockAlign, bits, isFloat);
        }

        private static String encodingName(int tag) {
            return switch (tag) {
                case 0x0002 -> "Microsoft ADPCM";
                case 0x0006 -> "A-law";
                case 0x0007 -> "mu-law";
                case 0x0011 -> "IMA ADPCM";
                case 0x0055 -> "MPEG layer III";
                case 0x0000 -> "unknown";
                default -> "compressed";
            };
        }
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
    }

    private static long u32(byte[] b, int p) {
        return (b[p] & 0xFFL) | ((b[p + 1] & 0xFFL) << 8) | ((b[p + 2] & 0xFFL) << 16) | ((b[p + 3] & 0xFFL) << 24);
    }

    private static String printable(String id) {
        return id.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7F) ? id : "?";
    }
}
