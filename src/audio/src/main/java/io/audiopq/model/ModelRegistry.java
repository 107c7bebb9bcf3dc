package io.audiopq.model;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The bundles of one node, loaded once from its models folder ({@code <config>/audio-pq/models}).
 * Every sub-folder is one bundle; a bundle that fails to load is kept as a failed entry with its
 * error, so a broken bundle neither stops the node nor hides the good ones. Immutable once loaded.
 */
public final class ModelRegistry {

    /** Told about each bundle as it loads, so the caller can log in its own framework. */
    public interface Listener {
        void loaded(ModelBundle bundle);

        void failed(String name, String error, Exception cause);

        /** The models folder itself could not be listed. */
        default void directoryFailed(Path directory, String error, Exception cause) {}

        Listener NONE = new Listener() {
            @Override
            public void loaded(ModelBundle bundle) {}

            @Override
            public void failed(String name, String error, Exception cause) {}
        };
    }

    /**
     * A further check of a loaded bundle that needs more than its files (e.g. opening an audio
     * bundle's ONNX models): when it throws, the bundle is listed as failed with that error.
     */
    @FunctionalInterface
    public interface BundleCheck {
        void check(ModelBundle bundle) throws InvalidBundleException;

        BundleCheck NONE = bundle -> {};
    }

    private final Path directory;
    private final Map<String, ModelEntry> entries;
    private final String directoryError;

    private ModelRegistry(Path directory, Map<String, ModelEntry> entries, String directoryError) {
        this.directory = directory;
        this.entries = Collections.unmodifiableMap(entries);
        this.directoryError = directoryError;
    }

    /**
     * Loads every bundle folder under {@code directory}, in name order. A missing folder is an
     * empty registry (no bundles installed); hidden folders (".name") are skipped, so a bundle
     * being copied in under a temporary name is not half-loaded; plain files are ignored.
     */
    public static ModelRegistry load(Path directory, Listener listener) {
        return load(directory, listener, BundleCheck.NONE);
    }

    /** As {@link #load(Path, Listener)}, running {@code check} on every bundle whose files loaded. */
    public static ModelRegistry load(Path directory, Listener listener, BundleCheck check) {
        Map<String, ModelEntry> entries = new TreeMap<>();
        if (Files.isDirectory(directory) == false) {
            return new ModelRegistry(directory, entries, null);
        }
        List<Path> folders = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path child : stream) {
                if (child.getFileName().toString().startsWith(".") == false && Files.isDirectory(child)) {
                    folders.add(child);
                }
            }
        } catch (IOException | RuntimeException e) {
            String error = "cannot list model bundles in " + directory + ": " + e;
            listener.directoryFailed(directory, error, e);
            return new ModelRegistry(directory, entries, error);
        }
        folders.sort(null);
        for (Path folder : folders) {
            String name = folder.getFileName().toString();
            try {
                ModelBundle bundle = ModelBundleLoader.load(folder);
                check.check(bundle);
                entries.put(name, ModelEntry.loaded(bundle));
                listener.loaded(bundle);
            } catch (InvalidBundleException e) {
                entries.put(name, ModelEntry.failed(name, e.getMessage()));
                listener.failed(name, e.getMessage(), e);
            } catch (RuntimeException e) {
                // A bug or an entitlement refusal must not take the other bundles (or the node) down with it.
                String error = "model bundle [" + name + "]: unexpected error while loading: " + e;
                entries.put(name, ModelEntry.failed(name, error));
                listener.failed(name, error, e);
            }
        }
        return new ModelRegistry(directory, entries, null);
    }

    /**
     * This registry with {@code more} entries added (a name already here keeps this registry's
     * entry): the node's view of config-folder bundles plus those stored in the cluster.
     */
    public ModelRegistry with(java.util.Collection<ModelEntry> more) {
        Map<String, ModelEntry> all = new TreeMap<>(entries);
        for (ModelEntry entry : more) {
            all.putIfAbsent(entry.name(), entry);
        }
        return new ModelRegistry(directory, all, directoryError);
    }

    /** A registry with no bundles. */
    public static ModelRegistry empty(Path directory) {
        return new ModelRegistry(directory, new TreeMap<>(), null);
    }

    /** The folder the bundles were loaded from. */
    public Path directory() {
        return directory;
    }

    /** Every entry, loaded or failed, sorted by name. */
    public List<ModelEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** The entry for a bundle name, loaded or failed. */
    public Optional<ModelEntry> get(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The loaded bundle of that name; empty when it is missing or failed to load. */
    public Optional<ModelBundle> bundle(String name) {
        return get(name).map(ModelEntry::bundle);
    }

    /** Why the models folder could not be listed, or null. */
    public String directoryError() {
        return directoryError;
    }
}
