package io.audiopq.audio;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Child-process entry point for {@link OnnxRuntimeLaunchTests}: loads a model and runs it once. */
public final class OrtSmokeMain {

    private OrtSmokeMain() {}

    public static void main(String[] args) throws Exception {
        try (OnnxModel model = OnnxModel.load(Path.of(args[0]), 1)) {
            Map<String, float[][]> out = model.run("x", new float[] { 1, 2 }, new long[] { 1, 2 }, Set.of("y"));
            System.out.println("result " + out.get("y")[0][0]);
        }
    }
}
