package io.audiopq.audio;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One ONNX model loaded into an ONNX Runtime session (CPU). The model is loaded from a path, not
 * from bytes, so that external weight files next to it ({@code *.onnx.data}) resolve. The session
 * is shared: {@link OrtSession#run} is thread-safe, so one instance serves all threads; its
 * intra-op thread pool is bounded and does not spin while idle, so a busy node's CPUs are not
 * taken over. Close it only when no thread uses it any more.
 */
public final class OnnxModel implements AutoCloseable {

    private final Path path;
    private final OrtSession session;
    private final int intraOpThreads;

    private OnnxModel(Path path, OrtSession session, int intraOpThreads) {
        this.path = path;
        this.session = session;
        this.intraOpThreads = intraOpThreads;
    }

    /**
     * Loads the model at {@code modelFile}.
     *
     * @param intraOpThreads threads one inference call may use (1 = run on the calling thread only)
     */
    public static OnnxModel load(Path modelFile, int intraOpThreads) throws IOException {
        if (intraOpThreads < 1 || intraOpThreads > 256) {
            throw new IllegalArgumentException("intra-op threads must be between 1 and 256, got " + intraOpThreads);
        }
        if (Files.isRegularFile(modelFile) == false) {
            throw new IOException("ONNX model file [" + modelFile + "] does not exist or is not a file");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle pool threads block instead of busy-waiting: the node has other work for its cores.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = env.createSession(modelFile.toAbsolutePath().toString(), options);
            return new OnnxModel(modelFile, session, intraOpThreads);
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot load model [" + modelFile + "]: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Input names in graph order. */
    public Set<String> inputNames() {
        return session.getInputNames();
    }

    /** Output names in graph order. */
    public Set<String> outputNames() {
        return session.getOutputNames();
    }
    /**
     * Runs the model on one float input.
     *
     * @param input   input name
     * @param data    the input values, row-major
     * @param shape   the input shape; its first dimension is the batch
     * @param outputs output names to fetch
     * @return per output, one flattened row per batch item
     */
    public Map<String, float[][]> run(String input, float[] data, long[] shape, Set<String> outputs) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
             OrtSession.Result result = session.run(Map.of(input, tensor), outputs)) {
            int batch = (int) shape[0];
            Map<String, float[][]> out = new LinkedHashMap<>();
            for (String name : outputs) {
                Optional<OnnxValue> value = result.get(name);
                if (value.isEmpty() || value.get() instanceof OnnxTensor == false) {
                    throw new IllegalStateException("model [" + path + "] returned no tensor output [" + name + "]");
                }
                OnnxTensor t = (OnnxTensor) value.get();
                FloatBuffer flat = t.getFloatBuffer();
                if (flat == null) {
                    throw new IllegalStateException("model [" + path + "] output [" + name + "] is not float32: " + t.getInfo());
                }
                int total = flat.remaining();
                if (total % batch != 0) {
                    throw new IllegalStateException("model [" + path + "] output [" + name + "] has " + total + " values for a batch of " + batch);
                }
                float[][] rows = new float[batch][total / batch];
                for (float[] row : rows) {
                    flat.get(row);
                }
                out.put(name, rows);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("inference with model [" + path + "] failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing model [" + path + "] failed", e);
        }
    }
}
