package io.audiopq.train;

import io.audiopq.tools.OnnxGraph;

import java.util.List;

/**
 * A convolutional student backbone distilled from a teacher (mn04), chosen for CPU speed: 1-D
 * temporal convolutions over log-mel frames with the mel bands as input channels (TC-ResNet style),
 * then mean and max over time, a hidden layer and two linear outputs, the teacher's embedding (its
 * direction) and its logits:
 * <pre>
 *   x = (spec − shift) / scale                                  (per band)
 *   x = relu(conv_l(x))   l = 0..L−1,  kernel k, stride s_l, padding k/2 (batch norm folded in)
 *   p = [mean_t x, max_t x];  h = relu(Wh·p + bh);  embedding = We·h + be;  logits = Wl·h + bl
 * </pre>
 * Conv weights [out][in][k] (DJL's Conv1d and ONNX's Conv), linear weights row-major [out][in]
 * (ONNX's Gemm with transB = 1). Any frame count ≥ 1 is accepted: every stage pads by k/2, so each
 * keeps at least one frame. The export is checked against DJL's forward pass (DistillCommand's
 * parity check), not against a Java reference.
 */
public record ConvStudent(int mels, int kernel, int[] channels, int[] strides, int hidden, int dimension, int classes, float[] shift, float[] scale,
    float[][] convW, float[][] convB, float[] wh, float[] bh, float[] we, float[] be, float[] wl, float[] bl) {

    /** Shortest spectrogram the exported model accepts. */
    public static final int MIN_FRAMES = 1;

    public ConvStudent {
        int layers = channels.length;
        boolean ok = strides.length == layers && convW.length == layers && convB.length == layers && shift.length == mels && scale.length == mels;
        for (int l = 0, in = mels; ok && l < layers; in = channels[l], l++) {
            ok = convW[l].length == channels[l] * in * kernel && convB[l].length == channels[l];
        }
        int pooled = 2 * channels[layers - 1];
        if (ok == false || wh.length != hidden * pooled || bh.length != hidden || we.length != dimension * hidden || be.length != dimension
            || wl.length != classes * hidden || bl.length != classes) {
            throw new IllegalArgumentException("weight shapes do not match " + mels + "→conv" + java.util.Arrays.toString(channels) + "→" + hidden + "→"
                + dimension + "+" + classes);
        }
    }

    /** Weights of the exported model. */
    public long parameters() {
        long n = 2L * mels + wh.length + bh.length + we.length + be.length + wl.length + bl.length;
        for (int l = 0; l < channels.length; l++) {
            n += convW[l].length + convB[l].length;
        }
        return n;
    }

    /**
     * Folds an inference-mode batch norm that follows a convolution into it: {@code γ·(conv(x) + b − μ)/√(σ² + ε) + β}
     * is a convolution with weights {@code w·γ/√(σ² + ε)} and bias {@code (b − μ)·γ/√(σ² + ε) + β}.
     *
     * @param w the convolution's weights [out][...], {@code b} its bias (null: none)
     * @return {folded weights, folded bias}
     */
    public static float[][] foldBatchNorm(float[] w, float[] b, float[] gamma, float[] beta, float[] mean, float[] variance, double epsilon) {
        int out = gamma.length, per = w.length / out;
        float[] fw = new float[w.length], fb = new float[out];
        for (int o = 0; o < out; o++) {
            double g = gamma[o] / Math.sqrt(variance[o] + epsilon);
            for (int j = 0; j < per; j++) {
                fw[o * per + j] = (float) (w[o * per + j] * g);
            }
            fb[o] = (float) (((b == null ? 0 : b[o]) - mean[o]) * g + beta[o]);
        }
        return new float[][] { fw, fb };
    }

    /**
     * The student as an ONNX backbone (opset 13) in the default bundle's layout: input {@value Student#INPUT}
     * [batch, mels, frames] (log-mel, frames ≥ {@value #MIN_FRAMES}), outputs {@value Student#EMBEDDING}
     * [batch, D] and {@value Student#LOGITS} [batch, classes].
     */
    public byte[] export(String description) {
        OnnxGraph g = new OnnxGraph("audiopq-conv-student");
        g.input(Student.INPUT, "batch", (long) mels, "frames");
        String x = g.node("Div", "standardised", g.node("Sub", "shifted", Student.INPUT, g.constant("shift", shift, mels, 1)),
            g.constant("scale", scale, mels, 1));
        int in = mels;
        for (int l = 0; l < channels.length; l++) {
            List<byte[]> attributes = List.of(OnnxGraph.intsAttr("kernel_shape", kernel), OnnxGraph.intsAttr("strides", strides[l]),
                OnnxGraph.intsAttr("pads", kernel / 2, kernel / 2));
            x = g.node("Relu", "relu" + l, g.node("Conv", "conv" + l, attributes, x, g.constant("w" + l, convW[l], channels[l], in, kernel),
                g.constant("b" + l, convB[l], channels[l])));
            in = channels[l];
        }
        List<byte[]> overTime = List.of(OnnxGraph.intsAttr("axes", 2), OnnxGraph.intAttr("keepdims", 0));
        String pooled = g.node("Concat", "pooled", List.of(OnnxGraph.intAttr("axis", 1)), g.node("ReduceMean", "mean", overTime, x),
            g.node("ReduceMax", "max", overTime, x));
        List<byte[]> transB = List.of(OnnxGraph.intAttr("transB", 1));
        String h = g.node("Relu", "hidden", g.node("Gemm", "gemm_hidden", transB, pooled, g.constant("wh", wh, hidden, 2L * in), g.constant("bh", bh, hidden)));
        g.node("Gemm", Student.EMBEDDING, transB, h, g.constant("we", we, dimension, hidden), g.constant("be", be, dimension));
        g.node("Gemm", Student.LOGITS, transB, h, g.constant("wl", wl, classes, hidden), g.constant("bl", bl, classes));
        g.output(Student.EMBEDDING, "batch", (long) dimension);
        g.output(Student.LOGITS, "batch", (long) classes);
        return g.toBytes("audiopq-train DistillCommand", description);
    }
}
