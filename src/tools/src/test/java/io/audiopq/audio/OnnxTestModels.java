package io.audiopq.audio;

import io.audiopq.tools.OnnxGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny ONNX models at test time with the project's {@link OnnxGraph}, so that a head model
 * can be tested without a model file in the repository.
 */
final class OnnxTestModels {

    private OnnxTestModels() {}

    /** A model computing {@code output = input · weight}: input [batch, rows], output [batch, cols]. */
    static Path matMul(Path dir, String input, String output, float[][] weight) throws IOException {
        int rows = weight.length, cols = weight[0].length;
        float[] flat = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(weight[r], 0, flat, r * cols, cols);
        }
        OnnxGraph graph = new OnnxGraph("head").input(input, "batch", rows).output(output, "batch", cols);
        graph.node("MatMul", output, input, graph.constant("W", flat, rows, cols));
        Path file = dir.resolve("head.onnx");
        Files.write(file, graph.toBytes("audiopq tests"));
        return file;
    }
}
