package io.audiopq.elasticsearch;

import io.audiopq.audio.AudioFormat;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.InvalidAudioException;
import io.audiopq.audio.LogMelConfig;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What decoding and embedding one clip may allocate on the heap, worked out from the encoded
 * bytes before anything is decoded, and the {@link DecodeLimits} that keep the decoder inside it.
 *
 * <h2>The rule</h2>
 * The decoder's mono float buffer holds at most {@code maxDurationSeconds × rate} frames, where
 * {@code rate} is the rate in the stream's header. Up to 768 kHz that is 0.9 GB at 300 s, so the
 * duration alone bounds nothing useful; a node therefore gives every clip a <b>decoded-sample
 * budget</b> of {@code S = maxDurationSeconds × }{@value #BUDGET_SAMPLE_RATE} samples (every common
 * recording rate gets its full duration; 384 kHz gets a quarter of it) and decodes with
 * <pre>
 *   R = the highest sample rate any header in the bytes declares (WAV: every 'fmt ' chunk; FLAC:
 *       every STREAMINFO; Ogg Vorbis: the identification header; MP3: 48 kHz, the format's maximum;
 *       anything else: 768 kHz)
 *   D = min(maxDurationSeconds, S / R, declaredFrames / R + 1 s when the header states a length)
 * </pre>
 * so the decoder stops at {@code F = D × R ≤ S} frames whatever the real rate ({@code ≤ R}) is. A
 * header that declares more than {@code D × R} frames is refused before decoding ({@code too_long}).
 * The reservation is then
 * <pre>
 *   encoded bytes                                  (the request's decoded base64)
 *   + 8 × F                                        (the mono buffer and its growth / trim copy)
 *   + 4 × ⌈D⌉ × (3 r + 2 ⌈r / hop⌉ n_mels)         (resampled audio, its pre-emphasis and padding
 *                                                   copies; the spectrogram and the backbone input)
 * </pre>
 * with the bundle's front-end rate {@code r}, {@code hop_length} and {@code n_mels}. ONNX Runtime's
 * own activations live off the Java heap and are bounded by the same duration.
 *
 * <p>When the decoder takes a sample budget of its own (the bounded-decoding work), {@code F} is
 * what to pass it; the duration cap then only shapes the message.
 *
 * @param limits          the limits to decode with (duration possibly lowered as above)
 * @param maxFrames       {@code F}: most mono frames the decoder can produce under {@code limits}
 * @param bytes           the heap reservation for decoding and embedding this clip
 * @param sampleRate      {@code R}
 */
public record AudioFootprint(DecodeLimits limits, long maxFrames, long bytes, int sampleRate) {

    /** The rate the decoded-sample budget is derived from: {@code S = maxDurationSeconds × 96 kHz}. */
    public static final int BUDGET_SAMPLE_RATE = 96_000;

    /**
     * The footprint of decoding {@code encoded} under {@code limits} and embedding it with a front end of {@code frontEnd}.
     *
     * @throws InvalidAudioException {@code too_long} when a header declares more frames than the budget allows
     */
    public static AudioFootprint of(byte[] encoded, DecodeLimits limits, LogMelConfig frontEnd) {
        // Bytes that are no audio format at all are refused (400) before any reservation: they
        // would otherwise reserve the worst case and be answered "try again later" (429).
        AudioFormat.detect(encoded);
        Header header = Header.probe(encoded);
        int rate = Math.max(DecodeLimits.MIN_SAMPLE_RATE, Math.min(DecodeLimits.MAX_SAMPLE_RATE, header.sampleRate));
        double budgetSamples = Math.ceil(limits.maxDurationSeconds() * BUDGET_SAMPLE_RATE);
        double duration = Math.min(limits.maxDurationSeconds(), budgetSamples / rate);
        if (header.frames >= 0) {
            double declared = (double) header.frames / rate;
            if (header.frames > Math.floor(duration * rate)) {
                throw new InvalidAudioException(
                    InvalidAudioException.Reason.TOO_LONG,
                    String.format(
                        Locale.ROOT,
                        "%s header declares %d frames at %d Hz (%.3f s); at that rate this node decodes at most %.3f s "
                            + "(max_duration %.3f s, and a budget of max_duration × %d Hz = %.0f samples)",
                        header.format,
                        header.frames,
                        rate,
                        declared,
                        duration,
                        limits.maxDurationSeconds(),
                        BUDGET_SAMPLE_RATE,
                        budgetSamples
                    )
                );
            }
            duration = Math.min(duration, declared + 1.0);
        }
        long frames = (long) Math.floor(duration * rate) + 1;
        int r = frontEnd.sampleRate();
        long framesPerSecond = (r + frontEnd.hopLength() - 1) / frontEnd.hopLength();
        long seconds = (long) Math.ceil(duration);
        long frontEndBytes = 4L * seconds * (3L * r + 2L * framesPerSecond * frontEnd.nMels());
        long bytes = encoded.length + 8L * frames + frontEndBytes;
        // The decoder's own sample budget enforces F inside its loops, whatever the headers claimed.
        return new AudioFootprint(new DecodeLimits(limits.maxBytes(), duration).withMaxSamples(frames)
            .withMaxDecodeMillis(limits.maxDecodeMillis()), frames, bytes, rate);
    }

    /** What the headers declare: the highest sample rate, and the frame count when stated (else -1). */
    record Header(String format, int sampleRate, long frames) {

        static final Header UNKNOWN = new Header("audio", DecodeLimits.MAX_SAMPLE_RATE, -1);

        static Header probe(byte[] b) {
            try {
                if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WAVE")) {
                    return wav(b);
                }
                if (startsWith(b, 0, "OggS")) {
                    return ogg(b);
                }
                int start = startsWith(b, 0, "ID3") && b.length >= 10 ? 10 + syncsafe(b, 6) : 0;
                if (startsWith(b, start, "fLaC")) {
                    return flac(b, start + 4);
                }
                if (start > 0 || (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xE0) == 0xE0)) {
                    return new Header("mp3", 48_000, -1); // MPEG audio tops out at 48 kHz
                }
            } catch (RuntimeException e) {
                // A header this probe cannot read: assume the worst; the decoder will say what is wrong.
            }
            return UNKNOWN;
        }

        private static Header wav(byte[] b) {
            long maxRate = 0;
            int blockAlign = 0;
            long pos = 12;
            while (pos + 8 <= b.length) {
                int p = (int) pos;
                long size = u32(b, p + 4);
                if (startsWith(b, p, "fmt ") && size >= 16 && p + 8 + 16 <= b.length) {
                    maxRate = Math.max(maxRate, u32(b, p + 12));
                    blockAlign = u16(b, p + 20); // the decoder uses the last 'fmt ' before 'data'
                } else if (startsWith(b, p, "data")) {
                    long available = b.length - (p + 8L);
                    long data = size == 0 || size == 0xFFFFFFFFL ? available : Math.min(size, available);
                    int rate = (int) Math.min(Math.max(maxRate, 1), Integer.MAX_VALUE);
                    return new Header("wav", maxRate == 0 ? DecodeLimits.MAX_SAMPLE_RATE : rate, blockAlign > 0 ? data / blockAlign : -1);
                }
                pos = pos + 8 + size + (size & 1);
            }
            return new Header("wav", maxRate == 0 ? DecodeLimits.MAX_SAMPLE_RATE : (int) Math.min(maxRate, Integer.MAX_VALUE), -1);
        }

        private static Header flac(byte[] b, int p) {
            int maxRate = 0;
            long frames = -1;
            int streamInfos = 0;
            boolean last = false;
            while (last == false && p + 4 <= b.length) {
                int type = b[p] & 0x7F;
                last = (b[p] & 0x80) != 0;
                int length = ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
                int body = p + 4;
                if (type == 0 && length >= 18 && body + 18 <= b.length) {
                    int rate = ((b[body + 10] & 0xFF) << 12) | ((b[body + 11] & 0xFF) << 4) | ((b[body + 12] & 0xF0) >> 4);
                    long total = ((long) (b[body + 13] & 0x0F) << 32) | u32be(b, body + 14);
                    maxRate = Math.max(maxRate, rate);
                    frames = total == 0 ? -1 : total; // 0: length unknown
                    streamInfos++;
                }
                p = body + length;
            }
            // Several STREAMINFO blocks: which one a decoder believes is its business; trust none of their lengths.
            return new Header("flac", maxRate == 0 ? DecodeLimits.MAX_SAMPLE_RATE : maxRate, streamInfos == 1 ? frames : -1);
        }

        private static Header ogg(byte[] b) {
            int packet = 27 + (b[26] & 0xFF);
            if (packet + 16 <= b.length && b[packet] == 1 && startsWith(b, packet + 1, "vorbis")) {
                long rate = u32(b, packet + 12);
                return new Header("ogg_vorbis", rate <= 0 ? DecodeLimits.MAX_SAMPLE_RATE : (int) Math.min(rate, Integer.MAX_VALUE), -1);
            }
            return UNKNOWN;
        }

        private static boolean startsWith(byte[] b, int offset, String magic) {
            if (offset < 0 || offset + magic.length() > b.length) {
                return false;
            }
            byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < m.length; i++) {
                if (b[offset + i] != m[i]) {
                    return false;
                }
            }
            return true;
        }

        private static int syncsafe(byte[] b, int p) {
            return ((b[p] & 0x7F) << 21) | ((b[p + 1] & 0x7F) << 14) | ((b[p + 2] & 0x7F) << 7) | (b[p + 3] & 0x7F);
        }

        private static int u16(byte[] b, int p) {
            return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
        }

        private static long u32(byte[] b, int p) {
            return (b[p] & 0xFFL) | ((b[p + 1] & 0xFFL) << 8) | ((b[p + 2] & 0xFFL) << 16) | ((b[p + 3] & 0xFFL) << 24);
        }

        private static long u32be(byte[] b, int p) {
            return ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFFL) << 16) | ((b[p + 2] & 0xFFL) << 8) | (b[p + 3] & 0xFFL);
        }
    }
}
