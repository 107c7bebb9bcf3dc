package io.audiopq.audio;

/** Decodes one {@link AudioFormat} from bytes to mono float samples. */
interface FormatDecoder {

    /**
     * @param bytes  the whole encoded stream (already checked to be non-empty and within {@code limits.maxBytes()})
     * @param limits bounds on the decoded length
     * @throws InvalidAudioException for anything wrong with the input
     */
    DecodedAudio decode(byte[] bytes, DecodeLimits limits);
}
