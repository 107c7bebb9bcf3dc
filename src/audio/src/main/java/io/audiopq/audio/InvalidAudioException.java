package io.audiopq.audio;

import java.util.Locale;

/**
 * The audio given to the pipeline cannot be used: it is empty, truncated, corrupt, in a format
 * this plugin does not read, declares impossible parameters, or exceeds a configured limit.
 *
 * <p>It extends {@link IllegalArgumentException} because the fault lies in the input, not in the
 * node: an ingest pipeline fails that one document (HTTP 400) and goes on with the rest. The
 * {@link Reason} lets callers and tests tell the cases apart without parsing the message; the
 * message itself names the format and what exactly is wrong.
 */
public class InvalidAudioException extends IllegalArgumentException {

    /** What is wrong with the input. */
    public enum Reason {
        /** No bytes, or no samples. */
        EMPTY,
        /** The stream ends before the data its headers announce. */
        TRUNCATED,
        /** The bytes are not a valid stream of the detected format. */
        CORRUPT,
        /** A format (or a variant of one) that is recognised but not decoded, or not recognised at all. */
        UNSUPPORTED_FORMAT,
        /** Header values that no real recording has (0 Hz, a million channels, ...). */
        INVALID_HEADER,
        /** Longer than the configured maximum duration. */
        TOO_LONG,
        /** More bytes than the configured maximum. */
        TOO_LARGE;

        /** Lower-case name for messages and JSON. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public InvalidAudioException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidAudioException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** What is wrong with the input. */
    public Reason reason() {
        return reason;
    }
}
