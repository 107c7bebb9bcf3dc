package io.audiopq.train;

import io.audiopq.tools.AudioBundleTool;
import io.audiopq.tools.OnnxGraph;

import java.util.List;

/**
 * A student backbone distilled from a teacher (mn04): the default bundle's log-mel statistics
 * (per band mean, std, mean |Δ|, max; {@link AudioBundleTool#statistics}), standardised with
 * {@code shift} and {@code scale}, then an MLP with one hidden layer and two linear outputs, the
 * teacher's embedding (its direction: trained with a cosine loss) and its logits:
 * <pre>
 *   s = (stats(spec) − shift) / scale;  h = relu(W1·s + b1);  embedding = We·h + be;  logits = Wl·h + bl
 * </pre>
 * Weights row-major [out][in] (DJL's Linear and ONNX's Gemm with transB = 1). {@link #forward} is
 * the plain-Java reference the export is checked against.
 */
public record Student(int mels, int hidden, int dimension, int classes, float[] shift, float[] scale, float[] w1, float[] b1, float[] we, float[] be,
    float[] wl, float[] bl) {

    public static final String INPUT = "spec";
    public static final String EMBEDDING = "embedding";
    public static final String LOGITS = "logits";
    /** Shortest spectrogram the exported model accepts (the mean |Δ| needs two frames). */
    public static final int MIN_FRAMES = 2;

    public Student {
        int in = 4 * mels;
        if (shift.length != in || scale.length != in || w1.length != hidden * in || b1.length != hidden || we.length != dimension * hidden
            || be.length != dimension || wl.length != classes * hidden || bl.length != classes) {
            throw new IllegalArgumentException("weight shapes do not match " + in + "→" + hidden + "→" + dimension + "+" + classes);
        }
    }

    public int inputDim() {
        return 4 * mels;
    }

    /** (raw − shift) / scale, elementwise in float32 as ONNX Runtime's Sub and Div compute it. */
    public float[] standardise(float[] raw) {
        float[] z = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            z[i] = (raw[i] - shift[i]) / scale[i];
        }
        return z;
    }

    /** {embedding, logits} of one raw statistics vector, in double precision. */
    public float[][] forward(float[] raw) {
        float[] s = standardise(raw);
        int in = inputDim();
        double[] h = new double[hidden];
        for (int o = 0; o < hidden; o++) {
            double acc = b1[o];
            for (int i = 0; i < in; i++) {
                acc += (double) w1[o * in + i] * s[i];
            }
            h[o] = Math.max(0, acc);
        }
        return new float[][] { linear(we, be, h, dimension), linear(wl, bl, h, classes) };
    }

    private float[] linear(float[] w, float[] b, double[] h, int out) {
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double acc = b[o];
            for (int i = 0; i < hidden; i++) {
                acc += (double) w[o * hidden + i] * h[i];
            }
            y[o] = (float) acc;
        }
        return y;
    }

    /**
     * The student as an ONNX backbone (opset 13) in the default bundle's layout: input {@value #INPUT}
     * [batch, mels, frames] (log-mel, frames ≥ 2), outputs {@value #EMBEDDING} [batch, D] and
     * {@value #LOGITS} [batch, classes].
     */
    public byte[] export(String description) {
        int in = inputDim();
        OnnxGraph g = new OnnxGraph("audiopq-distilled-student");
        g.input(INPUT, "batch", (long) mels, "frames");
        String features = AudioBundleTool.statistics(g, INPUT);
        String s = g.node("Div", "standardised", g.node("Sub", "shifted", features, g.constant("shift", shift, in)), g.constant("scale", scale, in));
        List<byte[]> transB = List.of(OnnxGraph.intAttr("transB", 1));
        String h = g.node("Relu", "hidden", g.node("Gemm", "gemm1", transB, s, g.constant("w1", w1, hidden, in), g.constant("b1", b1, hidden)));
        g.node("Gemm", EMBEDDING, transB, h, g.constant("we", we, dimension, hidden), g.constant("be", be, dimension));
        g.node("Gemm", LOGITS, transB, h, g.constant("wl", wl, classes, hidden), g.constant("bl", bl, classes));
        g.output(EMBEDDING, "batch", (long) dimension);
        g.output(LOGITS, "batch", (long) classes);
        return g.toBytes("audiopq-train DistillCommand", description);
    }
}
