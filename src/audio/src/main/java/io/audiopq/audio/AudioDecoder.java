package io.audiopq.audio;

import java.util.EnumMap;
import java.util.Map;

/**
 * Entry point for decoding: checks the size, detects the format from the bytes and hands them to
 * that format's decoder. Stateless and thread-safe.
 *
 * <p>Untrusted input cannot take the caller down: every decoder runs under a per-document
 * {@link DecodeBudget} made from the {@link DecodeLimits} (samples produced, frames/packets
 * visited, bytes read, progress, deadline), checks declared sizes against the real input before
 * allocating, refuses non-finite or absurd samples ({@link AudioChecks}), and writes nothing to
 * stdout/stderr. Every refusal is an {@link InvalidAudioException}; {@code Error}s from the
 * third-party decoders are turned into one as a last resort ({@link ThirdPartyErrors}).
 */
public final class AudioDecoder {

    private final Map<AudioFormat, FormatDecoder> decoders = new EnumMap<>(AudioFormat.class);

    public AudioDecoder() {
        decoders.put(AudioFormat.WAV, new WavDecoder());
        decoders.put(AudioFormat.FLAC, new FlacDecoder());
        decoders.put(AudioFormat.OGG_VORBIS, new VorbisDecoder());
        decoders.put(AudioFormat.MP3, new Mp3Decoder());
    }

    /**
     * Decodes {@code bytes} to mono float samples at the source's sample rate.
     *
     * @throws InvalidAudioException when the input is empty, too large, too long, of an
     *                               unsupported format, or not a valid stream of its format
     */
    public DecodedAudio decode(byte[] bytes, DecodeLimits limits) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidAudioException(InvalidAudioException.Reason.EMPTY, "audio is empty (0 bytes)");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new InvalidAudioException(
                InvalidAudioException.Reason.TOO_LARGE,
                "audio is " + bytes.length + " bytes, more than the maximum of " + limits.maxBytes() + " bytes"
            );
        }
        AudioFormat format = AudioFormat.detect(bytes);
        return decoders.get(format).decode(bytes, limits);
    }
}
