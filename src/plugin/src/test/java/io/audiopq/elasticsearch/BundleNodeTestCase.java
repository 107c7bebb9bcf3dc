package io.audiopq.elasticsearch;

import org.apache.lucene.tests.util.LuceneTestCase;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.junit.AfterClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * An in-JVM node with the plugin and the model bundles a test class writes into the node's
 * {@code config/audio-pq/models/} before the node starts (see {@link #writeBundles}).
 */
// Tests assert exactly what the node finds in its models folder; Lucene's ExtrasFS would add stray extraN entries there.
@LuceneTestCase.SuppressFileSystems("ExtrasFS")
public abstract class BundleNodeTestCase extends ESSingleNodeTestCase {

    // The node's home, prepared once before the node starts (nodeSettings() is called more than once).
    private static Path home;

    @AfterClass
    public static void forgetHome() {
        home = null;
    }

    /** Writes this class's bundles into the node's models folder (it exists already). */
    protected abstract void writeBundles(Path modelsDir) throws IOException;

    /** The node's name, or null for Elasticsearch's default. */
    protected String nodeName() {
        return null;
    }

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(AudioPqPlugin.class);
    }

    @Override
    protected Settings nodeSettings() {
        if (home == null) {
            home = createTempDir();
            try {
                writeBundles(Files.createDirectories(modelsDir()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // The node's bundles are exactly what writeBundles wrote: no default-bundle upload in the background.
        Settings.Builder settings = Settings.builder().put(Environment.PATH_HOME_SETTING.getKey(), home)
            .put(DefaultBundle.ENABLED.getKey(), false);
        if (nodeName() != null) {
            settings.put("node.name", nodeName());
        }
        return settings.build();
    }

    /** The node's models folder. */
    protected static Path modelsDir() {
        return home.resolve("config").resolve(AudioPqPlugin.MODELS_PATH);
    }

    /** Copies a bundle folder of the repository (e.g. {@code models/audiopq-default}) into the models folder. */
    protected static void copyBundle(Path from, Path modelsDir) throws IOException {
        assertTrue("bundle folder missing: " + from.toAbsolutePath(), Files.isDirectory(from));
        Path to = Files.createDirectories(modelsDir.resolve(from.getFileName().toString()));
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }

    /** Dimensions of the shipped default bundle ({@code models/audiopq-default}), read from its model.json. */
    protected static int defaultDimensions() {
        try {
            return io.audiopq.model.ModelBundleLoader.load(Path.of("models", "audiopq-default")).descriptor().dimensions();
        } catch (io.audiopq.model.InvalidBundleException e) {
            throw new AssertionError(e);
        }
    }
}
