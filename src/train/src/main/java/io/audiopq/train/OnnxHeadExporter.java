package io.audiopq.train;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a trained {@link Mlp} head as an ONNX model (opset 13) with tribuo's ONNX graph builder:
 * <pre>
 *   x → x / max(ReduceL2(x), ε) → Gemm(W1, b1, transB=1) → Relu|Tanh → Gemm(W2, b2, transB=1)
 *     → y / max(ReduceL2(y), ε)
 * </pre>
 * Input {@value #INPUT} [batch, D] (the backbone's embedding), output {@value #OUTPUT} [batch, d].
 * Tribuo's operator set has Gemm and Div but not Relu, Tanh, ReduceL2 or Max: they are declared
 * here through its public {@link ONNXOperator} interface (standard ai.onnx operators, opset 13).
 */
public final class OnnxHeadExporter {

    public static final String INPUT = "embedding";
    public static final String OUTPUT = "head_embedding";

    /** The ai.onnx operators this exporter needs beyond tribuo's {@link ONNXOperators}. */
    enum ExtraOp implements ONNXOperator {
        RELU("Relu", 1, 0, Map.of()),
        TANH("Tanh", 1, 0, Map.of()),
        // opset 13: ReduceL2's axes are an attribute (they became an input in opset 18)
        REDUCE_L2("ReduceL2", 1, 0, Map.of("axes", new ONNXAttribute("axes", OnnxMl.AttributeProto.AttributeType.INTS, false),
            "keepdims", new ONNXAttribute("keepdims", OnnxMl.AttributeProto.AttributeType.INT, false))),
        MAX("Max", 2, 0, Map.of());

        private final String name;
        private final int inputs, optionalInputs;
        private final Map<String, ONNXAttribute> attributes;

        ExtraOp(String name, int inputs, int optionalInputs, Map<String, ONNXAttribute> attributes) {
            this.name = name;
            this.inputs = inputs;
            this.optionalInputs = optionalInputs;
            this.attributes = attributes;
        }

        @Override
        public String getOpName() {
            return name;
        }

        @Override
        public int getNumInputs() {
            return inputs;
        }

        @Override
        public int getNumOptionalInputs() {
            return optionalInputs;
        }

        @Override
        public int getNumOutputs() {
            return 1;
        }

        @Override
        public Map<String, ONNXAttribute> getAttributes() {
            return attributes;
        }

        @Override
        public Set<String> getMandatoryAttributeNames() {
            return Set.of();
        }

        @Override
        public int getOpVersion() {
            return ONNXOperators.getOpsetVersion();
        }

        @Override
        public String getOpDomain() {
            return ""; // the default ai.onnx domain
        }
    }

    private OnnxHeadExporter() {}

    /** The serialised ONNX model of {@code mlp}. */
    public static byte[] export(Mlp mlp, String description) {
        ONNXContext ctx = new ONNXContext();
        ctx.setName("audiopq_head");
        ONNXPlaceholder input = ctx.floatInput(INPUT, mlp.inputDim());
        ONNXPlaceholder output = ctx.floatOutput(OUTPUT, mlp.outputDim());
        ONNXInitializer eps = ctx.array("epsilon", new float[] { Mlp.EPSILON });
        ONNXInitializer w1 = tensor(ctx, "w1", mlp.w1(), mlp.hidden(), mlp.inputDim());
        ONNXInitializer b1 = ctx.array("b1", mlp.b1());
        ONNXInitializer w2 = tensor(ctx, "w2", mlp.w2(), mlp.outputDim(), mlp.hidden());
        ONNXInitializer b2 = ctx.array("b2", mlp.b2());

        ONNXNode x = normalize(ctx, input, eps, "in");
        ONNXNode h = ctx.operation(ONNXOperators.GEMM, List.<ONNXRef<?>>of(x, w1, b1), "gemm1", Map.<String, Object>of("transB", 1));
        ONNXNode a = h.apply(mlp.activation() == TrainConfig.Activation.RELU ? ExtraOp.RELU : ExtraOp.TANH, "activation");
        ONNXNode y = ctx.operation(ONNXOperators.GEMM, List.<ONNXRef<?>>of(a, w2, b2), "gemm2", Map.<String, Object>of("transB", 1));
        normalize(ctx, y, eps, "out").assignTo(output);

        OnnxMl.GraphProto graph = ctx.buildGraph();
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
            .setGraph(graph)
            .setIrVersion(8)
            .addOpsetImport(ONNXOperators.getOpsetProto())
            .setProducerName("audiopq-train")
            .setDomain("io.audiopq")
            .setModelVersion(1)
            .setDocString(description)
            .build();
        return model.toByteArray();
    }

    private static ONNXNode normalize(ONNXContext ctx, ONNXRef<?> v, ONNXInitializer eps, String name) {
        ONNXNode norm = ctx.operation(ExtraOp.REDUCE_L2, List.of(v), "norm_" + name, Map.<String, Object>of("axes", new int[] { 1 }, "keepdims", 1));
        ONNXNode floor = ctx.operation(ExtraOp.MAX, List.<ONNXRef<?>>of(norm, eps), "norm_floor_" + name);
        return ctx.operation(ONNXOperators.DIV, List.<ONNXRef<?>>of(v, floor), "normalized_" + name);
    }

    private static ONNXInitializer tensor(ONNXContext ctx, String name, float[] values, int rows, int cols) {
        return ctx.floatTensor(name, List.of(rows, cols), buffer -> buffer.put(values));
    }
}
