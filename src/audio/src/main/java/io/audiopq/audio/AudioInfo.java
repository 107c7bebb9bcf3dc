package io.audiopq.audio;

/**
 * What the source audio was.
 *
 * @param durationSeconds duration
 * @param sampleRate      the source's sample rate (before resampling)
 * @param channels        the source's channel count (before the downmix)
 * @param format          the source's format
 */
public record AudioInfo(double durationSeconds, int sampleRate, int channels, AudioFormat format) {

    static AudioInfo of(DecodedAudio audio) {
        return new AudioInfo(audio.durationSeconds(), audio.sampleRate(), audio.channels(), audio.format());
    }
}
