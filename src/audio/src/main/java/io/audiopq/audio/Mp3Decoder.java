package io.audiopq.audio;

import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

import java.io.ByteArrayInputStream;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;

/**
 * MPEG audio (layer I/II/III) decoder on JLayer ({@code com.googlecode.soundlibs:jlayer}), used
 * directly rather than through mp3spi (a javax.sound service wrapper around the same decoder).
 * JLayer skips an ID3v2 tag and resynchronises on frame headers by itself.
 *
 * <p>MP3 has no reliable total length, so a stream cut at a frame boundary cannot be told from a
 * short one: truncation is only reported when it breaks a frame. The encoder delay and padding
 * (a few hundred to ~2000 samples of near-silence at either end) are kept.
 *
 * <p>Bounds: JLayer reads through {@link MeteredInput}, which reports every byte to the
 * {@link DecodeBudget} (a decoder that reads more than the input is re-reading); every frame is a
 * visit (bounded by the input length, deadline); the output goes through the {@link MonoMixer}
 * (duration, sample budget). JLayer's decoder classes write nothing to stdout/stderr (only its
 * player/converter command-line classes do, and they are not used).
 */
final class Mp3Decoder implements FormatDecoder {

    @Override
    public DecodedAudio decode(byte[] bytes, DecodeLimits limits) {
        DecodeBudget budget = limits.budget(AudioFormat.MP3, bytes.length);
        try {
            return decode(bytes, budget);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // Last resort only (see ThirdPartyErrors): JLayer's allocations are fixed-size tables
            // and frame buffers of at most a few KB; nothing in a frame sizes an allocation.
            throw ThirdPartyErrors.refuse(AudioFormat.MP3, e);
        }
    }

    private static DecodedAudio decode(byte[] bytes, DecodeBudget budget) {
        Bitstream bitstream = new Bitstream(new MeteredInput(bytes, budget));
        Decoder decoder = new Decoder();
        MonoMixer mixer = null;
        int frames = 0;
        try {
            Header header;
            while ((header = bitstream.readFrame()) != null) {
                budget.visit(); // each frame consumes at least its 4-byte header
                if (mixer == null) {
                    int channels = header.mode() == Header.SINGLE_CHANNEL ? 1 : 2;
                    mixer = new MonoMixer(AudioFormat.MP3, budget, channels, header.frequency(), 0);
                } else if (header.frequency() != mixer.sampleRate()) {
                    throw new InvalidAudioException(
                        CORRUPT,
                        "mp3 frame " + frames + " is at " + header.frequency() + " Hz but the stream started at " + mixer.sampleRate() + " Hz"
                    );
                }
                SampleBuffer output = (SampleBuffer) decoder.decodeFrame(header, bitstream);
                if (output.getChannelCount() != mixer.channels()) {
                    // Joint-stereo streams may not switch to mono mid-stream; JLayer keeps the first layout.
                    throw new InvalidAudioException(CORRUPT, "mp3 frame " + frames + " changes the channel count");
                }
                mixer.addInterleaved(output.getBuffer(), output.getBufferLength() / output.getChannelCount());
                bitstream.closeFrame();
                frames++;
            }
        } catch (InvalidAudioException e) {
            throw e;
        } catch (BitstreamException | DecoderException | RuntimeException e) {
            throw new InvalidAudioException(CORRUPT, "mp3 stream is corrupt at frame " + frames + ": " + e.getMessage(), e);
        }
        if (mixer == null) {
            throw new InvalidAudioException(CORRUPT, "mp3 stream contains no MPEG audio frame");
        }
        return mixer.finish();
    }

    /** The input as a stream that meters the bytes read against the budget. */
    private static final class MeteredInput extends ByteArrayInputStream {
        private final DecodeBudget budget;

        MeteredInput(byte[] bytes, DecodeBudget budget) {
            super(bytes);
            this.budget = budget;
        }

        @Override
        public synchronized int read() {
            int r = super.read();
            if (r >= 0) {
                budget.read(1);
            }
            return r;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            if (n > 0) {
                budget.read(n);
                budget.checkDeadline();
            }
            return n;
        }
    }
}
