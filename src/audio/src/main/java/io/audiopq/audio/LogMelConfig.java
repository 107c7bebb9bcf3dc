package io.audiopq.audio;

import java.util.Locale;

/**
 * Every setting of the log-mel front end, as a model bundle's {@code model.json} carries it (one
 * JSON key per component, snake_case of the name: {@code sample_rate}, {@code n_fft},
 * {@code win_length}, {@code hop_length}, {@code window}, {@code periodic_window},
 * {@code window_align}, {@code center}, {@code pad_mode}, {@code preemphasis}, {@code spectrum},
 * {@code mel_scale}, {@code filter_style}, {@code mel_norm}, {@code n_mels}, {@code fmin},
 * {@code fmax}, {@code log}, {@code log_offset}, {@code log_floor}, {@code norm_add},
 * {@code norm_div}; enum values in lower case). The computation is documented on
 * {@link LogMelSpectrogram}; {@link #efficientAt()} and {@link #yamnet()} are two real front ends
 * expressed exactly.
 *
 * @param sampleRate     rate the audio is resampled to, Hz
 * @param nFft           FFT length (any size; powers of two are fastest)
 * @param winLength      window length in samples, at most {@code nFft}
 * @param hopLength      samples between frames
 * @param window         window function
 * @param periodicWindow periodic (DFT-even, torch/librosa default) or symmetric window
 * @param windowAlign    where a shorter window sits inside the {@code nFft} frame
 * @param center         pad {@code nFft/2} samples at both ends so that frame t is centred on sample t·hop
 * @param padMode        how {@code center} pads
 * @param preemphasis    coefficient a of y[n] = x[n+1] − a·x[n] (the output is one sample shorter); 0 = off
 * @param spectrum       power |X|² or magnitude |X|
 * @param melScale       Hz ↔ mel mapping
 * @param filterStyle    how the triangular filters are laid over the FFT bins
 * @param melNorm        filter normalisation
 * @param nMels          number of mel bands
 * @param fmin           lowest filter edge, Hz
 * @param fmax           highest filter edge, Hz (at most sampleRate/2)
 * @param log            compression applied to the mel energies
 * @param logOffset      added before the log: log(max(x, logFloor) + logOffset)
 * @param logFloor       lower clamp before the log (0 = none)
 * @param normAdd        output = (log value + normAdd) / normDiv
 * @param normDiv        see normAdd; not 0
 */
public record LogMelConfig(
    int sampleRate,
    int nFft,
    int winLength,
    int hopLength,
    WindowType window,
    boolean periodicWindow,
    WindowAlign windowAlign,
    boolean center,
    PadMode padMode,
    double preemphasis,
    Spectrum spectrum,
    MelScale melScale,
    FilterStyle filterStyle,
    MelNorm melNorm,
    int nMels,
    double fmin,
    double fmax,
    LogType log,
    double logOffset,
    double logFloor,
    double normAdd,
    double normDiv
) {

    /** Window functions. */
    public enum WindowType {
        HANN,
        HAMMING,
        RECTANGULAR
    }

    /** Placement of a window shorter than {@code nFft}. */
    public enum WindowAlign {
        /** Centred in the frame, zeros either side (torch.stft, librosa); frames are counted over nFft samples. */
        CENTER,
        /** At the frame start, zeros after (tf.signal.stft); frames are counted over winLength samples. */
        LEFT
    }

    /** Padding for {@code center} framing. */
    public enum PadMode {
        /** Mirror without repeating the edge sample (numpy/torch "reflect"). */
        REFLECT,
        /** Zeros. */
        CONSTANT
    }

    /** Spectrum type. */
    public enum Spectrum {
        POWER,
        MAGNITUDE
    }

    /** Hz ↔ mel mappings. */
    public enum MelScale {
        /** mel = 1127·ln(1 + f/700) (HTK, Kaldi, torchaudio, TensorFlow). */
        HTK,
        /** Slaney's Auditory Toolbox: linear below 1 kHz, logarithmic above (librosa's default). */
        SLANEY
    }

    /** Filter layout over the FFT bins. */
    public enum FilterStyle {
        /**
         * Triangles linear in mel over the first nFft/2 bins, the Nyquist bin weighted 0
         * (torchaudio.compliance.kaldi.get_mel_banks; equal to TensorFlow's
         * linear_to_mel_weight_matrix whenever fmin &gt; 0 and fmax &lt; Nyquist).
         */
        KALDI,
        /** Triangles linear in Hz between mel-spaced edges over all nFft/2+1 bins (librosa.filters.mel). */
        LIBROSA
    }

    /** Filter normalisation. */
    public enum MelNorm {
        NONE,
        /** Each triangle scaled by 2/(right edge − left edge) in Hz: equal area (librosa norm="slaney"). */
        SLANEY
    }

    /** Compression of the mel energies. */
    public enum LogType {
        NONE,
        /** Natural log. */
        LN,
        LOG10,
        /** 10·log10 (decibels of power). */
        DB
    }

    public LogMelConfig {
        require(sampleRate >= DecodeLimits.MIN_SAMPLE_RATE && sampleRate <= DecodeLimits.MAX_SAMPLE_RATE, "sample_rate", sampleRate,
            "between " + DecodeLimits.MIN_SAMPLE_RATE + " and " + DecodeLimits.MAX_SAMPLE_RATE);
        require(nFft >= 16 && nFft <= 65536, "n_fft", nFft, "between 16 and 65536");
        require(winLength >= 2 && winLength <= nFft, "win_length", winLength, "between 2 and n_fft=" + nFft);
        require(hopLength >= 1 && hopLength <= nFft * 4, "hop_length", hopLength, "between 1 and 4·n_fft");
        require(window != null, "window", null, "one of " + java.util.Arrays.toString(WindowType.values()));
        require(windowAlign != null, "window_align", null, "set");
        require(padMode != null, "pad_mode", null, "set");
        require(Double.isFinite(preemphasis) && preemphasis >= 0 && preemphasis < 1, "preemphasis", preemphasis, "in [0, 1)");
        require(spectrum != null, "spectrum", null, "set");
        require(melScale != null, "mel_scale", null, "set");
        require(filterStyle != null, "filter_style", null, "set");
        require(melNorm != null, "mel_norm", null, "set");
        require(nMels >= 1 && nMels <= 1024, "n_mels", nMels, "between 1 and 1024");
        require(Double.isFinite(fmin) && fmin >= 0, "fmin", fmin, ">= 0");
        require(Double.isFinite(fmax) && fmax > fmin && fmax <= sampleRate / 2.0, "fmax", fmax,
            "greater than fmin=" + fmin + " and at most sample_rate/2=" + sampleRate / 2.0);
        require(log != null, "log", null, "set");
        require(Double.isFinite(logOffset) && logOffset >= 0, "log_offset", logOffset, ">= 0");
        require(Double.isFinite(logFloor) && logFloor >= 0, "log_floor", logFloor, ">= 0");
        require(log == LogType.NONE || logOffset > 0 || logFloor > 0, "log_offset", logOffset,
            "> 0 (or log_floor > 0) so that silence does not become -infinity");
        require(Double.isFinite(normAdd), "norm_add", normAdd, "finite");
        require(Double.isFinite(normDiv) && normDiv != 0, "norm_div", normDiv, "finite and not 0");
    }

    /** Frames per second of the spectrogram. */
    public double framesPerSecond() {
        return (double) sampleRate / hopLength;
    }

    /**
     * The front end of EfficientAT's {@code mn*_as} models (AugmentMelSTFT in eval mode): 32 kHz,
     * pre-emphasis 0.97, 1024-point FFT of an 800-sample symmetric Hann window centred in the
     * frame, hop 320, centre framing with reflect padding, power spectrum, 128 Kaldi mel filters
     * 0–15 kHz, (ln(x + 1e-5) + 4.5) / 5.
     */
    public static LogMelConfig efficientAt() {
        return new LogMelConfig(32000, 1024, 800, 320, WindowType.HANN, false, WindowAlign.CENTER, true, PadMode.REFLECT, 0.97,
            Spectrum.POWER, MelScale.HTK, FilterStyle.KALDI, MelNorm.NONE, 128, 0, 15000, LogType.LN, 1e-5, 0, 4.5, 5);
    }

    /**
     * YAMNet's/VGGish's front end: 16 kHz, 25 ms periodic Hann window at the start of a 512-point
     * FFT, 10 ms hop, no centre padding, magnitude spectrum, 64 HTK-mel filters 125–7500 Hz,
     * ln(x + 0.001). Its 0.96 s patches (hop 0.48 s) are a {@link SegmentSpec}.
     */
    public static LogMelConfig yamnet() {
        return new LogMelConfig(16000, 512, 400, 160, WindowType.HANN, true, WindowAlign.LEFT, false, PadMode.REFLECT, 0,
            Spectrum.MAGNITUDE, MelScale.HTK, FilterStyle.KALDI, MelNorm.NONE, 64, 125, 7500, LogType.LN, 0.001, 0, 0, 1);
    }

    private static void require(boolean ok, String key, Object value, String expected) {
        if (ok == false) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "front end setting [%s] must be %s, got [%s]", key, expected, value)
            );
        }
    }
}
