package io.audiopq.audio;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.TOO_LARGE;

/**
 * The per-document meter of {@link DecodeLimits}: every decode loop reports to it, and it stops
 * the decode (with an {@link InvalidAudioException}) as soon as one bound is passed:
 * <ul>
 *   <li>units visited ({@link #visit}: a frame, packet, page or chunk) at most
 *       {@code 2 × input bytes + 1024}: every unit of every supported format consumes at least one
 *       input byte, so more visits mean a loop that makes no progress;</li>
 *   <li>input bytes read ({@link #read}) at most the input length (a decoder that "reads" more is
 *       re-reading, i.e. not progressing);</li>
 *   <li>input position ({@link #advanceTo}) strictly increasing, for decoders that expose it;</li>
 *   <li>mono samples produced ({@link #produce}), at most {@link DecodeLimits#maxSamples()};</li>
 *   <li>the wall-clock deadline {@link DecodeLimits#maxDecodeMillis()}, checked on every visit and
 *       every {@link #CHECK_EVERY} samples.</li>
 * </ul>
 * Not thread-safe: one per decode call.
 */
final class DecodeBudget {

    /** Samples between deadline checks when a single unit produces many samples. */
    static final int CHECK_EVERY = 1 << 16;

    private final AudioFormat format;
    private final DecodeLimits limits;
    private final long inputBytes;
    private final long maxVisits;
    private final long deadlineNanos;
    private long visits;
    private long bytesRead;
    private long position = -1;
    private long samples;
    private long sinceCheck;

    DecodeBudget(AudioFormat format, DecodeLimits limits, long inputBytes) {
        this.format = format;
        this.limits = limits;
        this.inputBytes = inputBytes;
        this.maxVisits = 2 * inputBytes + 1024;
        this.deadlineNanos = System.nanoTime() + limits.maxDecodeMillis() * 1_000_000L;
    }

    DecodeLimits limits() {
        return limits;
    }

    /** One frame, packet, page or chunk visited. */
    void visit() {
        if (++visits > maxVisits) {
            throw new InvalidAudioException(
                CORRUPT,
                format.id() + " decoder visited " + visits + " frames/packets in " + inputBytes + " bytes without progress; the stream is corrupt"
            );
        }
        checkDeadline();
    }

    /** {@code n} input bytes consumed by the decoder. */
    void read(long n) {
        bytesRead += n;
        if (bytesRead > inputBytes + 65536) {
            throw new InvalidAudioException(CORRUPT, format.id() + " decoder re-read its input (" + bytesRead + " bytes of " + inputBytes + ")");
        }
    }

    /** The decoder is now at input {@code newPosition}; it must be past the previous one. */
    void advanceTo(long newPosition) {
        if (newPosition <= position) {
            throw new InvalidAudioException(
                CORRUPT,
                format.id() + " stream is corrupt: the decoder made no progress at byte " + position
            );
        }
        position = newPosition;
    }

    /** {@code n} mono samples produced; {@code sampleRate} is for the message. */
    void produce(long n, int sampleRate) {
        samples += n;
        if (samples > limits.maxSamples()) {
            throw limits.overBudget(format, -1, sampleRate);
        }
        sinceCheck += n;
        if (sinceCheck >= CHECK_EVERY) {
            sinceCheck = 0;
            checkDeadline();
        }
    }

    long samples() {
        return samples;
    }

    /** Throws {@code TOO_LARGE} once the deadline has passed. */
    void checkDeadline() {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new InvalidAudioException(
                TOO_LARGE,
                format.id() + " audio took longer than the decode time limit of " + limits.maxDecodeMillis() + " ms"
            );
        }
    }
}
