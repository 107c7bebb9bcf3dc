package io.audiopq.tools;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal writer of ONNX models (opset 13, IR version 8): float32 graphs built from named
 * nodes, constant initialisers and one input and output. It encodes the few protobuf messages of
 * onnx.proto it needs by hand (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto), so the project can export its own models without an ONNX or protobuf library
 * (nothing extra in the plugin zip). The output is a deterministic function of the calls made.
 */
public final class OnnxGraph {

    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private int nodeCount;

    public OnnxGraph(String name) {
        this.name = name;
    }

    /**
     * Declares a float32 graph input or output; a dimension is a {@code Long}/{@code Integer}
     * (fixed) or a {@code String} (symbolic, e.g. "batch").
     */
    public OnnxGraph input(String name, Object... dims) {
        inputs.add(valueInfo(name, dims));
        return this;
    }

    public OnnxGraph output(String name, Object... dims) {
        outputs.add(valueInfo(name, dims));
        return this;
    }

    /** A float32 constant of the given shape (row-major values). */
    public String constant(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        initializers.add(tensor(name, FLOAT, raw.array(), dims));
        return name;
    }

    /** A 1-D int64 constant. */
    public String constantLongs(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        initializers.add(tensor(name, INT64, raw.array(), values.length));
        return name;
    }

    /** A node without attributes; returns its (single) output name. */
    public String node(String opType, String output, String... inputs) {
        return node(opType, output, List.of(), inputs);
    }

    /** A node with attributes (see {@link #intAttr} and {@link #intsAttr}); returns its output name. */
    public String node(String opType, String output, List<byte[]> attributes, String... inputs) {
        List<byte[]> parts = new ArrayList<>();
        for (String in : inputs) {
            parts.add(stringField(1, in));
        }
        parts.add(stringField(2, output));
        parts.add(stringField(3, opType.toLowerCase(java.util.Locale.ROOT) + "_" + (nodeCount++)));
        parts.add(stringField(4, opType));
        for (byte[] attribute : attributes) {
            parts.add(bytesField(5, attribute));
        }
        nodes.add(concat(parts.toArray(new byte[0][])));
        return output;
    }

    public static byte[] intAttr(String name, long value) {
        return concat(stringField(1, name), varintField(20, ATTR_INT), varintField(3, value));
    }

    public static byte[] intsAttr(String name, long... values) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(stringField(1, name));
        parts.add(varintField(20, ATTR_INTS));
        for (long v : values) {
            parts.add(varintField(8, v));
        }
        return concat(parts.toArray(new byte[0][]));
    }

    /** The serialised ModelProto. */
    public byte[] toBytes(String producer) {
        return toBytes(producer, null);
    }

    /** The serialised ModelProto, with {@code docString} (a description of the model) unless null. */
    public byte[] toBytes(String producer, String docString) {
        List<byte[]> graph = new ArrayList<>();
        for (byte[] node : nodes) {
            graph.add(bytesField(1, node));
        }
        graph.add(stringField(2, name));
        for (byte[] init : initializers) {
            graph.add(bytesField(5, init));
        }
        for (byte[] in : inputs) {
            graph.add(bytesField(11, in));
        }
        for (byte[] out : outputs) {
            graph.add(bytesField(12, out));
        }
        byte[] opset = concat(stringField(1, ""), varintField(2, 13));
        byte[] doc = docString == null ? new byte[0] : stringField(6, docString);
        return concat(varintField(1, 8), stringField(2, producer), doc, bytesField(7, concat(graph.toArray(new byte[0][]))), bytesField(8, opset));
    }

    private static byte[] tensor(String name, int type, byte[] raw, long... dims) {
        List<byte[]> parts = new ArrayList<>();
        for (long d : dims) {
            parts.add(varintField(1, d));
        }
        parts.add(varintField(2, type));
        parts.add(stringField(8, name));
        parts.add(bytesField(9, raw));
        return concat(parts.toArray(new byte[0][]));
    }

    private static byte[] valueInfo(String name, Object... dims) {
        List<byte[]> dimensions = new ArrayList<>();
        for (Object d : dims) {
            dimensions.add(bytesField(1, d instanceof String s ? stringField(2, s) : varintField(1, ((Number) d).longValue())));
        }
        byte[] shape = concat(dimensions.toArray(new byte[0][]));
        byte[] tensorType = concat(varintField(1, FLOAT), bytesField(2, shape));
        return concat(stringField(1, name), bytesField(2, bytesField(1, tensorType)));
    }

    private static byte[] varintField(int field, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeVarint(out, (long) field << 3);
        writeVarint(out, value);
        return out.toByteArray();
    }

    private static byte[] stringField(int field, String value) {
        return bytesField(field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytesField(int field, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeVarint(out, ((long) field << 3) | 2);
        writeVarint(out, value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
