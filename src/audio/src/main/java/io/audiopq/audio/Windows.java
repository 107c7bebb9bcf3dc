package io.audiopq.audio;

import io.audiopq.audio.LogMelConfig.WindowType;

/** Window functions. */
final class Windows {

    private Windows() {}

    /**
     * A window of {@code length} samples; periodic windows use the DFT-even denominator
     * {@code length} (torch/librosa/TensorFlow default), symmetric ones {@code length − 1}.
     */
    static double[] of(WindowType type, int length, boolean periodic) {
        double[] w = new double[length];
        double denominator = periodic ? length : length - 1;
        for (int n = 0; n < length; n++) {
            double phase = 2 * Math.PI * n / denominator;
            w[n] = switch (type) {
                case HANN -> 0.5 - 0.5 * Math.cos(phase);
                case HAMMING -> 0.54 - 0.46 * Math.cos(phase);
                case RECTANGULAR -> 1.0;
            };
        }
        return w;
    }
}
