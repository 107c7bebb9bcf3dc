package io.audiopq.audio;

import be.tarsos.dsp.util.fft.FloatFFT;
import io.audiopq.audio.LogMelConfig.PadMode;
import io.audiopq.audio.LogMelConfig.WindowAlign;

/**
 * Computes log-mel spectrograms as a {@link LogMelConfig} describes. Steps, in order:
 * <ol>
 *   <li>pre-emphasis over the whole signal, y[n] = x[n+1] − a·x[n] (one sample shorter; EfficientAT's definition);</li>
 *   <li>framing: with {@code center}, nFft/2 samples of padding at both ends; frame t starts at
 *       t·hop; the window (zero outside its {@code winLength} samples, placed per
 *       {@link WindowAlign}) multiplies the nFft samples; frames are counted while they fit
 *       (over nFft samples for CENTER alignment, as torch.stft; over winLength for LEFT, as
 *       tf.signal.stft), at least one (short signals are zero-extended);</li>
 *   <li>real FFT of nFft points (TarsosDSP's {@link FloatFFT}, a port of JTransforms), power or magnitude;</li>
 *   <li>mel filters ({@link MelFilterBank});</li>
 *   <li>log(max(x, floor) + offset), then (· + normAdd) / normDiv.</li>
 * </ol>
 * Thread-safe: the filters, window and FFT plan are read-only, buffers are per call; no threads are started.
 */
public final class LogMelSpectrogram {

    static {
        // TarsosDSP's FFT (JTransforms) spreads transforms of 8192+ points over its own thread pool.
        // Inside Elasticsearch that would start unmanaged threads (and need the manage_threads
        // entitlement); the front end runs on the caller's thread and is parallel across documents.
        be.tarsos.dsp.util.ConcurrencyUtils.setNumberOfThreads(1);
    }

    private final LogMelConfig config;
    private final float[] window; // nFft long, zero outside the window
    private final MelFilterBank filters;
    private final FloatFFT fft;

    public LogMelSpectrogram(LogMelConfig config) {
        this.config = config;
        this.filters = MelFilterBank.of(config);
        this.fft = new FloatFFT(config.nFft());
        double[] w = Windows.of(config.window(), config.winLength(), config.periodicWindow());
        this.window = new float[config.nFft()];
        int offset = windowOffset(config);
        for (int i = 0; i < w.length; i++) {
            window[offset + i] = (float) w[i];
        }
    }

    public LogMelConfig config() {
        return config;
    }

    /** The mel filters in use. */
    public MelFilterBank filters() {
        return filters;
    }

    /** Number of frames {@link #compute} returns for {@code samples} input samples. */
    public int frameCount(int samples) {
        int n = config.preemphasis() > 0 ? Math.max(samples - 1, 0) : samples;
        int padded = n + (config.center() ? 2 * (config.nFft() / 2) : 0);
        int extent = config.windowAlign() == WindowAlign.CENTER ? config.nFft() : config.winLength();
        return padded >= extent ? 1 + (padded - extent) / config.hopLength() : 1;
    }

    /**
     * The spectrogram of mono {@code samples} at {@link LogMelConfig#sampleRate()}.
     *
     * @throws InvalidAudioException {@code EMPTY} when too few samples remain for one frame's worth of signal
     */
    public Spectrogram compute(float[] samples) {
        float[] x = preemphasis(samples, (float) config.preemphasis());
        if (x.length == 0) {
            throw new InvalidAudioException(InvalidAudioException.Reason.EMPTY, "audio has too few samples for the front end: " + samples.length);
        }
        int nFft = config.nFft();
        int pad = config.center() ? nFft / 2 : 0;
        float[] padded = pad(x, pad, config.padMode());
        int frames = frameCount(samples.length);
        int mels = filters.size();
        int bins = nFft / 2 + 1;
        float[] values = new float[frames * mels];
        float[] buffer = new float[nFft];
        float[] spectrum = new float[bins];
        boolean power = config.spectrum() == LogMelConfig.Spectrum.POWER;
        for (int t = 0; t < frames; t++) {
            int start = t * config.hopLength();
            for (int j = 0; j < nFft; j++) {
                int i = start + j;
                buffer[j] = i < padded.length ? padded[i] * window[j] : 0f;
            }
            fft.realForward(buffer);
            // JTransforms layout: [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...]
            spectrum[0] = buffer[0] * buffer[0];
            spectrum[bins - 1] = buffer[1] * buffer[1];
            for (int k = 1; k < bins - 1; k++) {
                float re = buffer[2 * k], im = buffer[2 * k + 1];
                spectrum[k] = re * re + im * im;
            }
            if (power == false) {
                for (int k = 0; k < bins; k++) {
                    spectrum[k] = (float) Math.sqrt(spectrum[k]);
                }
            }
            filters.apply(spectrum, values, t * mels);
        }
        compress(values);
        return new Spectrogram(values, frames, mels, config.framesPerSecond());
    }

    private void compress(float[] values) {
        double floor = config.logFloor(), offset = config.logOffset(), add = config.normAdd(), div = config.normDiv();
        for (int i = 0; i < values.length; i++) {
            double v = Math.max(values[i], floor) + offset;
            double y = switch (config.log()) {
                case NONE -> v;
                case LN -> Math.log(v);
                case LOG10 -> Math.log10(v);
                case DB -> 10 * Math.log10(v);
            };
            values[i] = (float) ((y + add) / div);
        }
    }

    static float[] preemphasis(float[] x, float a) {
        if (a == 0) {
            return x;
        }
        float[] y = new float[Math.max(x.length - 1, 0)];
        for (int n = 0; n < y.length; n++) {
            y[n] = x[n + 1] - a * x[n];
        }
        return y;
    }

    /** {@code pad} samples at both ends; reflection repeats for signals shorter than the padding (numpy semantics). */
    static float[] pad(float[] x, int pad, PadMode mode) {
        if (pad == 0) {
            return x;
        }
        float[] out = new float[x.length + 2 * pad];
        System.arraycopy(x, 0, out, pad, x.length);
        if (mode == PadMode.REFLECT) {
            int n = x.length;
            for (int i = 0; i < pad; i++) {
                out[pad - 1 - i] = x[reflect(-1 - i, n)];
                out[pad + n + i] = x[reflect(n + i, n)];
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int r = Math.floorMod(i, period);
        return r < n ? r : period - r;
    }

    private static int windowOffset(LogMelConfig c) {
        return c.windowAlign() == WindowAlign.CENTER ? (c.nFft() - c.winLength()) / 2 : 0;
    }
}
