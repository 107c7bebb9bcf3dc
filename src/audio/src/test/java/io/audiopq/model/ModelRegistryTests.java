package io.audiopq.model;

import org.apache.lucene.tests.util.LuceneTestCase;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class ModelRegistryTests extends LuceneTestCase {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    /** Records what the registry reports, in order. */
    private static final class Recorder implements ModelRegistry.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void loaded(ModelBundle bundle) {
            events.add("loaded " + bundle.name());
        }

        @Override
        public void failed(String name, String error, Exception cause) {
            events.add("failed " + name + ": " + error);
        }
    }

    @Test
    public void brokenBundlesAreRecordedBesideTheGoodOnes() throws Exception {
        Path models = temp.newFolder("models").toPath();
        BundleFixtures.validBundle(models, "alpha");
        BundleFixtures.bundleFolder(models, "broken", BundleFixtures.modelJson("broken", 8, 2, 4, "l2_norm", "codebook.pq"), 8, 4, 4);
        Files.createDirectory(models.resolve("no-descriptor"));
        BundleFixtures.validBundle(models, "zulu");
        BundleFixtures.validBundle(models, ".staging"); // hidden: skipped
        Files.writeString(models.resolve("README.txt"), "not a bundle"); // plain file: ignored

        Recorder recorder = new Recorder();
        ModelRegistry registry = ModelRegistry.load(models, recorder);

        assertEquals(List.of("alpha", "broken", "no-descriptor", "zulu"), registry.entries().stream().map(ModelEntry::name).toList());
        assertEquals(ModelEntry.Status.LOADED, registry.get("alpha").orElseThrow().status());
        assertEquals(ModelEntry.Status.LOADED, registry.get("zulu").orElseThrow().status());

        ModelEntry broken = registry.get("broken").orElseThrow();
        assertEquals(ModelEntry.Status.FAILED, broken.status());
        assertNull(broken.bundle());
        assertEquals("model bundle [broken]: key [pq.m]: is 2 but codebook [codebook.pq] was trained for M=4", broken.error());
        assertTrue(registry.get("no-descriptor").orElseThrow().error().contains("no model.json"));

        assertTrue(registry.bundle("alpha").isPresent());
        assertFalse("a failed bundle is not usable", registry.bundle("broken").isPresent());
        assertFalse(registry.get(".staging").isPresent());
        assertFalse(registry.get("missing").isPresent());
        assertEquals(models, registry.directory());
        assertNull(registry.directoryError());

        assertEquals(4, recorder.events.size());
        assertEquals("loaded alpha", recorder.events.get(0));
        assertEquals("failed broken: " + broken.error(), recorder.events.get(1));
        assertTrue(recorder.events.get(2).startsWith("failed no-descriptor: "));
        assertEquals("loaded zulu", recorder.events.get(3));
    }

    @Test
    public void missingModelsFolderMeansNoBundles() {
        Path models = temp.getRoot().toPath().resolve("nowhere");
        Recorder recorder = new Recorder();
        ModelRegistry registry = ModelRegistry.load(models, recorder);
        assertEquals(List.of(), registry.entries());
        assertEquals(List.of(), recorder.events);
        assertNull(registry.directoryError());
    }

    @Test
    public void identicalBundlesUnderDifferentNamesDifferInChecksum() throws Exception {
        // The name is part of model.json, so two otherwise identical bundles are distinguishable.
        Path models = temp.newFolder("models").toPath();
        BundleFixtures.validBundle(models, "one");
        BundleFixtures.validBundle(models, "two");
        ModelRegistry registry = ModelRegistry.load(models, ModelRegistry.Listener.NONE);
        String one = registry.bundle("one").orElseThrow().checksum();
        String two = registry.bundle("two").orElseThrow().checksum();
        assertFalse(one.equals(two));
        assertEquals(
            registry.bundle("one").orElseThrow().files().get(0).sha256(),
            registry.bundle("two").orElseThrow().files().get(0).sha256()
        );
    }
}
