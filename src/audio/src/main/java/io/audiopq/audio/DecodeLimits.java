package io.audiopq.audio;

/**
 * Bounds on what a decoder accepts, so that one document cannot exhaust a node's memory or CPU:
 * the encoded size is checked before decoding, declared sizes before allocating, and while
 * decoding a per-document {@link DecodeBudget} (made by {@link #budget}) meters, inside every
 * decode loop, the samples produced, the frames/packets/pages visited and the time spent.
 *
 * <ul>
 *   <li>{@code maxBytes}: largest encoded input accepted.</li>
 *   <li>{@code maxDurationSeconds}: longest decoded audio accepted (at the stream's own rate).</li>
 *   <li>{@code maxSamples}: the decoded-sample budget, in mono output samples (4 bytes each in the
 *       decoded buffer, so this bounds the decoder's output memory independently of the rate).
 *       The two-argument constructor derives it as {@code maxDurationSeconds × }
 *       {@link #DEFAULT_BUDGET_SAMPLE_RATE}: every common recording rate fits the full duration,
 *       higher rates fit a proportionally shorter one (a 299 s 384 kHz file needs 4× the budget of
 *       a 300 s limit and is refused, before decoding when its header states its length).
 *       {@link #withMaxSampleRate} / {@link #withMaxSamples} let the caller (the node) set it.</li>
 *   <li>{@code maxDecodeMillis}: wall-clock deadline for decoding one document, checked on every
 *       frame/packet/page and every {@link DecodeBudget#CHECK_EVERY} samples.</li>
 * </ul>
 * Frames/packets/pages visited are bounded by the input length ({@link DecodeBudget}): every
 * unit of every supported format consumes at least one input byte, so a loop that visits more
 * units than that makes no progress and is stopped.
 *
 * @param maxBytes           largest encoded input accepted
 * @param maxDurationSeconds longest decoded audio accepted
 * @param maxSamples         most mono samples decoded (the decoded-sample budget)
 * @param maxDecodeMillis    wall-clock time allowed for decoding one document
 */
public record DecodeLimits(long maxBytes, double maxDurationSeconds, long maxSamples, long maxDecodeMillis) {

    /** Highest channel count accepted (Vorbis allows 255, FLAC 8; WAV headers could claim 65535). */
    public static final int MAX_CHANNELS = 255;
    /** Lowest sample rate accepted; below it a "recording" is certainly a broken header. */
    public static final int MIN_SAMPLE_RATE = 1_000;
    /** Highest sample rate accepted (studio formats top out at 768 kHz). */
    public static final int MAX_SAMPLE_RATE = 768_000;
    /** Rate the default sample budget is derived from: {@code maxSamples = maxDurationSeconds × 96 kHz}. */
    public static final int DEFAULT_BUDGET_SAMPLE_RATE = 96_000;
    /** Default wall-clock deadline for decoding one document. */
    public static final long DEFAULT_MAX_DECODE_MILLIS = 20_000;
    /** Largest decoded buffer any budget allows (a Java array's practical maximum). */
    public static final long MAX_SAMPLES_CAP = Integer.MAX_VALUE - 16;
    /** Largest encoded input accepted unless configured otherwise (processor, {@code _embed}, {@code query_audio}). */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    /** Longest decoded audio accepted unless configured otherwise. */
    public static final double DEFAULT_MAX_DURATION_SECONDS = 300;
    /** The limits of every audio path that is not configured otherwise. */
    public static final DecodeLimits DEFAULTS = new DecodeLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_DURATION_SECONDS);

    public DecodeLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        if (Double.isFinite(maxDurationSeconds) == false || maxDurationSeconds <= 0) {
            throw new IllegalArgumentException("maxDurationSeconds must be a finite number > 0, got " + maxDurationSeconds);
        }
        if (maxSamples <= 0) {
            throw new IllegalArgumentException("maxSamples must be > 0, got " + maxSamples);
        }
        if (maxDecodeMillis <= 0) {
            throw new IllegalArgumentException("maxDecodeMillis must be > 0, got " + maxDecodeMillis);
        }
        maxSamples = Math.min(maxSamples, MAX_SAMPLES_CAP);
    }

    /** Limits with the default sample budget (duration × {@link #DEFAULT_BUDGET_SAMPLE_RATE}) and deadline. */
    public DecodeLimits(long maxBytes, double maxDurationSeconds) {
        this(maxBytes, maxDurationSeconds, sampleBudget(maxDurationSeconds, DEFAULT_BUDGET_SAMPLE_RATE), DEFAULT_MAX_DECODE_MILLIS);
    }

    /** {@code ceil(maxDurationSeconds × maxSampleRate)}, at least 1, capped at {@link #MAX_SAMPLES_CAP}. */
    public static long sampleBudget(double maxDurationSeconds, int maxSampleRate) {
        if (maxSampleRate <= 0) {
            throw new IllegalArgumentException("maxSampleRate must be > 0, got " + maxSampleRate);
        }
        double n = Math.ceil(maxDurationSeconds * maxSampleRate);
        return (long) Math.max(1, Math.min(n, MAX_SAMPLES_CAP));
    }

    /** These limits with a sample budget of {@code maxDurationSeconds × maxSampleRate}. */
    public DecodeLimits withMaxSampleRate(int maxSampleRate) {
        return withMaxSamples(sampleBudget(maxDurationSeconds, maxSampleRate));
    }

    /** These limits with a sample budget of {@code maxSamples} mono samples. */
    public DecodeLimits withMaxSamples(long maxSamples) {
        return new DecodeLimits(maxBytes, maxDurationSeconds, maxSamples, maxDecodeMillis);
    }

    /** These limits with a decoding deadline of {@code maxDecodeMillis}. */
    public DecodeLimits withMaxDecodeMillis(long maxDecodeMillis) {
        return new DecodeLimits(maxBytes, maxDurationSeconds, maxSamples, maxDecodeMillis);
    }

    /** Most mono frames accepted at {@code sampleRate} by the duration limit alone. */
    public long maxFrames(int sampleRate) {
        return (long) Math.floor(maxDurationSeconds * sampleRate);
    }

    /** Most mono frames accepted at {@code sampleRate}: the duration limit and the sample budget. */
    long maxOutputFrames(int sampleRate) {
        return Math.min(Math.min(maxFrames(sampleRate), maxSamples), MAX_SAMPLES_CAP);
    }

    /** A fresh meter for decoding one document of {@code inputBytes} bytes; starts the deadline clock. */
    DecodeBudget budget(AudioFormat format, long inputBytes) {
        return new DecodeBudget(format, this, inputBytes);
    }

    /** Throws {@code INVALID_HEADER} unless the channel count and sample rate are plausible. */
    static void checkStreamParameters(AudioFormat format, int channels, long sampleRate) {
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new InvalidAudioException(
                InvalidAudioException.Reason.INVALID_HEADER,
                format.id() + " header declares " + channels + " channels; expected 1 to " + MAX_CHANNELS
            );
        }
        if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
            throw new InvalidAudioException(
                InvalidAudioException.Reason.INVALID_HEADER,
                format.id() + " header declares a sample rate of " + sampleRate + " Hz; expected " + MIN_SAMPLE_RATE + " to "
                    + MAX_SAMPLE_RATE + " Hz"
            );
        }
    }

    /**
     * Throws {@code TOO_LONG} when {@code frames} at {@code sampleRate} exceed the maximum duration,
     * {@code TOO_LARGE} when they exceed the sample budget.
     */
    void checkDuration(AudioFormat format, long frames, int sampleRate) {
        if (frames > maxFrames(sampleRate)) {
            throw tooLong(format, (double) frames / sampleRate);
        }
        if (frames > maxSamples) {
            throw overBudget(format, frames, sampleRate);
        }
    }

    InvalidAudioException tooLong(AudioFormat format, double seconds) {
        return new InvalidAudioException(
            InvalidAudioException.Reason.TOO_LONG,
            String.format(
                java.util.Locale.ROOT,
                "%s audio is longer than the maximum of %.3f s%s",
                format.id(),
                maxDurationSeconds,
                Double.isNaN(seconds) ? "" : String.format(java.util.Locale.ROOT, " (%.3f s)", seconds)
            )
        );
    }

    /** The sample budget is exceeded; {@code frames} is the needed count, or -1 when unknown. */
    InvalidAudioException overBudget(AudioFormat format, long frames, int sampleRate) {
        return new InvalidAudioException(
            InvalidAudioException.Reason.TOO_LARGE,
            String.format(
                java.util.Locale.ROOT,
                "%s audio needs %s decoded samples at %d Hz, more than the decode budget of %d samples",
                format.id(),
                frames < 0 ? "more" : Long.toString(frames),
                sampleRate,
                maxSamples
            )
        );
    }
}
