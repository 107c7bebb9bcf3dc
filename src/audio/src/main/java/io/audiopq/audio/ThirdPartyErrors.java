package io.audiopq.audio;

/**
 * The last line of defence around third-party decoder calls (JOrbis, JLayer): an
 * {@link OutOfMemoryError} or {@link StackOverflowError} thrown inside them becomes an
 * {@link InvalidAudioException}, because Elasticsearch exits on an uncaught {@code Error}.
 *
 * <p>This is a last resort, not the mechanism: catching an {@code OutOfMemoryError} is only safe
 * when the failed allocation was a single huge request by the decoder itself (the common case
 * for a lying header: the JVM refuses the request without having used the memory), and even
 * then other threads may have failed allocations meanwhile. The mechanism is that inputs are
 * refused before allocating beyond their budget (declared sizes are checked against the real
 * input length, {@link DecodeLimits} and {@link DecodeBudget} bound output and work, and
 * {@link VorbisSetupCheck} validates Vorbis header sizes before JOrbis sees them). FLAC is
 * decoded by the project's own decoder, bounded by construction, and needs no such catch.
 */
final class ThirdPartyErrors {

    private static final System.Logger LOG = System.getLogger(ThirdPartyErrors.class.getName());

    private ThirdPartyErrors() {}

    static InvalidAudioException refuse(AudioFormat format, Error e) {
        LOG.log(System.Logger.Level.DEBUG, () -> format.id() + " decoder failed with " + e + "; the input is refused", e);
        String what = e instanceof StackOverflowError ? "too deeply nested for" : "too large for the memory budget of";
        return new InvalidAudioException(
            InvalidAudioException.Reason.TOO_LARGE,
            format.id() + " stream is " + what + " its decoder (" + e.getClass().getSimpleName() + ")"
        );
    }
}
