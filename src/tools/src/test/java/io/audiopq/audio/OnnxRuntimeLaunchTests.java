package io.audiopq.audio;

import ai.onnxruntime.OrtEnvironment;
import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ONNX Runtime in a JVM launched the way Elasticsearch launches one: 1 MB thread stacks and a long
 * command line. ONNX Runtime Java 1.29.0 crashes the whole JVM (SIGSEGV, no hs_err file) while
 * loading its native library once the JVM's arguments pass roughly 4 KB, which an Elasticsearch
 * node's always do; 1.28.0 does not. This test keeps the version in pom.xml honest.
 */
public class OnnxRuntimeLaunchTests extends LuceneTestCase {

    public void testLoadsWithALongCommandLineAndSmallStacks() throws Exception {
        Path model = OnnxTestModels.matMul(createTempDir(), "x", "y", new float[][] { { 3 }, { 4 } });
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = String.join(
            File.pathSeparator,
            location(OrtSmokeMain.class),
            location(OnnxModel.class),
            location(OrtEnvironment.class)
        );
        String padding = "x".repeat(16_000);
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xss1m", "-Daudiopq.padding=" + padding, "-cp", classpath,
            OrtSmokeMain.class.getName(), model.toString()));
        pb.redirectErrorStream(true);
        Process process = pb.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue("child JVM did not finish", process.waitFor(120, TimeUnit.SECONDS));
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals("child JVM exit code (139 = SIGSEGV); output:\n" + text, 0, process.exitValue());
        // 1·3 + 2·4
        assertTrue(text, text.contains("result 11.0"));
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
