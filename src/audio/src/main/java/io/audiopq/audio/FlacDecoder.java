package io.audiopq.audio;

import org.jflac.ChannelData;
import org.jflac.frame.Frame;
import org.jflac.metadata.StreamInfo;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.INVALID_HEADER;
import static io.audiopq.audio.InvalidAudioException.Reason.TRUNCATED;

/**
 * FLAC decoder on jFLAC ({@code org.jflac:jflac-codec}), used frame by frame: the decoded integer
 * channels are read straight from the decoder (jFLAC's own byte conversion stops at 24 bits) and
 * mixed to mono as they come, so the STREAMINFO length is checked against the maximum duration
 * before decoding starts and the running length after every frame.
 */
final class FlacDecoder implements FormatDecoder {

    @Override
    public DecodedAudio decode(byte[] bytes, DecodeLimits limits) {
        org.jflac.FLACDecoder decoder = new org.jflac.FLACDecoder(new ByteArrayInputStream(bytes));
        StreamInfo info;
        try {
            decoder.readMetadata();
            info = decoder.getStreamInfo();
        } catch (java.io.EOFException e) {
            throw new InvalidAudioException(TRUNCATED, "flac stream is truncated inside its metadata", e);
        } catch (IOException | RuntimeException e) {
            throw new InvalidAudioException(CORRUPT, "flac metadata is corrupt: " + describe(e), e);
        }
        if (info == null) {
            throw new InvalidAudioException(CORRUPT, "flac stream has no STREAMINFO block");
        }
        int bits = info.getBitsPerSample();
        if (bits < 4 || bits > 32) {
            throw new InvalidAudioException(INVALID_HEADER, "flac STREAMINFO declares " + bits + " bits per sample; expected 4 to 32");
        }
        long declaredFrames = info.getTotalSamples(); // 0 means unknown
        DecodeLimits.checkStreamParameters(AudioFormat.FLAC, info.getChannels(), info.getSampleRate());
        limits.checkDuration(AudioFormat.FLAC, declaredFrames, info.getSampleRate());
        MonoMixer mixer = new MonoMixer(AudioFormat.FLAC, limits, info.getChannels(), info.getSampleRate(), declaredFrames);
        int[][] planar = new int[info.getChannels()][];
        try {
            Frame frame;
            while ((frame = decoder.readNextFrame()) != null) {
                int channels = frame.header.channels;
                if (channels != mixer.channels() || frame.header.sampleRate != mixer.sampleRate()) {
                    throw new InvalidAudioException(
                        CORRUPT,
                        "flac frame declares " + channels + " channels at " + frame.header.sampleRate + " Hz but STREAMINFO "
                            + mixer.channels() + " channels at " + mixer.sampleRate() + " Hz"
                    );
                }
                ChannelData[] data = decoder.getChannelData();
                for (int c = 0; c < channels; c++) {
                    planar[c] = data[c].getOutput();
                }
                mixer.addPlanarInts(planar, frame.header.blockSize, Math.pow(2, frame.header.bitsPerSample - 1));
            }
        } catch (InvalidAudioException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidAudioException(CORRUPT, "flac stream is corrupt after " + mixer.frames() + " samples: " + describe(e), e);
        }
        if (decoder.getBadFrames() > 0) {
            throw new InvalidAudioException(CORRUPT, "flac stream has " + decoder.getBadFrames() + " corrupt frames");
        }
        if (declaredFrames > 0 && mixer.frames() < declaredFrames) {
            throw new InvalidAudioException(
                TRUNCATED,
                "flac stream is truncated: STREAMINFO declares " + declaredFrames + " samples but only " + mixer.frames() + " decode"
            );
        }
        return mixer.finish();
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
