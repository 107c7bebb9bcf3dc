package io.audiopq.train;

import io.audiopq.tools.OnnxGraph;

import java.util.List;

/**
 * Writes a trained {@link Mlp} head as an ONNX model (opset 13) with the project's {@link OnnxGraph}:
 * <pre>
 *   x → x / max(ReduceL2(x), ε) → Gemm(W1, b1, transB=1) → Relu|Tanh → Gemm(W2, b2, transB=1)
 *     → y / max(ReduceL2(y), ε)
 * </pre>
 * Input {@value #INPUT} [batch, D] (the backbone's embedding), output {@value #OUTPUT} [batch, d].
 */
public final class OnnxHeadExporter {

    public static final String INPUT = "embedding";
    public static final String OUTPUT = "head_embedding";

    private OnnxHeadExporter() {}

    /** The serialised ONNX model of {@code mlp}, with {@code description} as its doc string. */
    public static byte[] export(Mlp mlp, String description) {
        OnnxGraph g = new OnnxGraph("audiopq_head").input(INPUT, "batch", mlp.inputDim()).output(OUTPUT, "batch", mlp.outputDim());
        String eps = g.constant("epsilon", new float[] { Mlp.EPSILON }, 1);
        String w1 = g.constant("w1", mlp.w1(), mlp.hidden(), mlp.inputDim());
        String b1 = g.constant("b1", mlp.b1(), mlp.hidden());
        String w2 = g.constant("w2", mlp.w2(), mlp.outputDim(), mlp.hidden());
        String b2 = g.constant("b2", mlp.b2(), mlp.outputDim());
        List<byte[]> transB = List.of(OnnxGraph.intAttr("transB", 1));

        String x = normalize(g, INPUT, eps, "in", "normalized_in");
        String h = g.node("Gemm", "gemm1", transB, x, w1, b1);
        String a = g.node(mlp.activation() == TrainConfig.Activation.RELU ? "Relu" : "Tanh", "activation", h);
        String y = g.node("Gemm", "gemm2", transB, a, w2, b2);
        normalize(g, y, eps, "out", OUTPUT);
        return g.toBytes("audiopq-train", description);
    }

    /** {@code v / max(ReduceL2(v, axis 1), eps)} into {@code output}. */
    private static String normalize(OnnxGraph g, String v, String eps, String name, String output) {
        // opset 13: ReduceL2's axes are an attribute (they became an input in opset 18)
        String norm = g.node("ReduceL2", "norm_" + name, List.of(OnnxGraph.intsAttr("axes", 1), OnnxGraph.intAttr("keepdims", 1)), v);
        String floor = g.node("Max", "norm_floor_" + name, norm, eps);
        return g.node("Div", output, v, floor);
    }
}
