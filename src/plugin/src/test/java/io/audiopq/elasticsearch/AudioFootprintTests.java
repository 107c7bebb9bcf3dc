package io.audiopq.elasticsearch;

import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.InvalidAudioException;
import io.audiopq.audio.LogMelConfig;
import io.audiopq.testing.TestAudio;

import org.elasticsearch.test.ESTestCase;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

public class AudioFootprintTests extends ESTestCase {

    private static final LogMelConfig FRONT_END = LogMelConfig.efficientAt();

    public void testDecodedFramesNeverExceedTheSampleBudget() {
        // A WAV at 384 kHz: 1 s of audio passes, with the decoder's duration capped at budget / rate.
        byte[] wav = TestAudio.wav16(new float[384_000], 384_000);
        AudioFootprint f = AudioFootprint.of(wav, DecodeLimits.DEFAULTS, FRONT_END);
        assertEquals(384_000, f.sampleRate());
        assertThat(f.maxFrames(), lessThanOrEqualTo((long) (300 * AudioFootprint.BUDGET_SAMPLE_RATE) + 1));
        assertThat(f.limits().maxDurationSeconds(), lessThanOrEqualTo(2.0)); // the declared length + 1 s
        assertTrue(f.bytes() > 8L * 384_000);
    }

    public void testAHeaderDeclaringMoreThanTheBudgetIsRefusedBeforeDecoding() {
        byte[] wav = TestAudio.wav16(new float[16], 384_000);
        // Claim 100 s of 384 kHz 16-bit mono: the probe reads the declared data size (here: all that follows).
        byte[] big = new byte[44 + 2 * 384_000 * 80];
        System.arraycopy(wav, 0, big, 0, 44);
        int data = big.length - 44;
        big[40] = (byte) data; big[41] = (byte) (data >> 8); big[42] = (byte) (data >> 16); big[43] = (byte) (data >> 24);
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> AudioFootprint.of(big, DecodeLimits.DEFAULTS, FRONT_END));
        assertEquals(InvalidAudioException.Reason.TOO_LONG, e.reason());
        assertThat(e.getMessage(), containsString("at 384000 Hz"));
    }

    public void testBytesOfNoAudioFormatAreRefusedBeforeAnyReservation() {
        InvalidAudioException e = expectThrows(InvalidAudioException.class,
            () -> AudioFootprint.of(new byte[] { 1, 2, 3 }, DecodeLimits.DEFAULTS, FRONT_END));
        assertEquals(InvalidAudioException.Reason.UNSUPPORTED_FORMAT, e.reason());
    }

    public void testUnreadableHeadersAssumeTheHighestRate() {
        // A WAV without a 'fmt ' chunk: the format is known, its rate is not.
        byte[] wav = "RIFF\0\0\0\0WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        AudioFootprint f = AudioFootprint.of(wav, DecodeLimits.DEFAULTS, FRONT_END);
        assertEquals(DecodeLimits.MAX_SAMPLE_RATE, f.sampleRate());
        assertThat(f.maxFrames(), lessThanOrEqualTo((long) (300 * AudioFootprint.BUDGET_SAMPLE_RATE) + 1));
    }
}
