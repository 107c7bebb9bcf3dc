package io.audiopq.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny ONNX models at test time, encoding the ONNX protobuf messages by hand (only the
 * fields used here: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto), so that a
 * head model can be tested without a model file in the repository or an ONNX library.
 */
final class OnnxTestModels {

    private OnnxTestModels() {}

    /** A model computing {@code output = input · weight}: input [batch, rows], output [batch, cols]. */
    static Path matMul(Path dir, String input, String output, float[][] weight) throws IOException {
        int rows = weight.length, cols = weight[0].length;
        ByteBuffer raw = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : weight) {
            for (float w : row) {
                raw.putFloat(w);
            }
        }
        byte[] tensor = concat(varintField(1, rows), varintField(1, cols), varintField(2, 1), stringField(8, "W"), bytesField(9, raw.array()));
        byte[] node = concat(stringField(1, input), stringField(1, "W"), stringField(2, output), stringField(3, "matmul"), stringField(4, "MatMul"));
        byte[] graph = concat(
            bytesField(1, node),
            stringField(2, "head"),
            bytesField(5, tensor),
            bytesField(11, valueInfo(input, rows)),
            bytesField(12, valueInfo(output, cols))
        );
        byte[] opset = concat(stringField(1, ""), varintField(2, 13));
        byte[] model = concat(varintField(1, 8), bytesField(7, graph), bytesField(8, opset));
        Path file = dir.resolve("head.onnx");
        Files.write(file, model);
        return file;
    }

    /** float tensor [batch, width] with a symbolic batch dimension. */
    private static byte[] valueInfo(String name, int width) {
        byte[] shape = concat(bytesField(1, stringField(2, "batch")), bytesField(1, varintField(1, width)));
        byte[] tensorType = concat(varintField(1, 1), bytesField(2, shape));
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
