package io.audiopq.train;

/**
 * The trained head's weights, independent of the training library: y = n(W2·act(W1·n(x) + b1) + b2)
 * with n(v) = v / max(‖v‖₂, {@link #EPSILON}). Weights are row-major [out][in], as DJL's Linear and
 * ONNX's Gemm with transB = 1 hold them. {@link #forward} is a plain-Java reference used to check the
 * exports; the training and evaluation use DJL's own forward pass.
 */
public record Mlp(int inputDim, int hidden, int outputDim, TrainConfig.Activation activation, float[] w1, float[] b1, float[] w2, float[] b2) {

    /** Floor of the norm in the L2 normalisations (as torch.nn.functional.normalize). */
    public static final float EPSILON = 1e-12f;

    public Mlp {
        if (w1.length != hidden * inputDim || b1.length != hidden || w2.length != outputDim * hidden || b2.length != outputDim) {
            throw new IllegalArgumentException("weight shapes do not match " + inputDim + "→" + hidden + "→" + outputDim);
        }
    }

    /** The head's output for one input, in double precision. */
    public float[] forward(float[] x) {
        double[] in = normalize(toDouble(x));
        double[] h = new double[hidden];
        for (int o = 0; o < hidden; o++) {
            double s = b1[o];
            for (int i = 0; i < inputDim; i++) {
                s += w1[o * inputDim + i] * in[i];
            }
            h[o] = activation == TrainConfig.Activation.RELU ? Math.max(0, s) : Math.tanh(s);
        }
        double[] y = new double[outputDim];
        for (int o = 0; o < outputDim; o++) {
            double s = b2[o];
            for (int i = 0; i < hidden; i++) {
                s += w2[o * hidden + i] * h[i];
            }
            y[o] = s;
        }
        double[] n = normalize(y);
        float[] out = new float[outputDim];
        for (int i = 0; i < outputDim; i++) {
            out[i] = (float) n[i];
        }
        return out;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static double[] normalize(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double norm = Math.max(Math.sqrt(s), EPSILON);
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }
}
