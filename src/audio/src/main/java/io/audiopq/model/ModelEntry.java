package io.audiopq.model;

import java.util.Objects;

/**
 * What the registry knows about one bundle folder: the loaded bundle, or why it failed.
 *
 * @param name   the folder name
 * @param bundle the loaded bundle, or null when loading failed
 * @param error  why loading failed, or null when it succeeded
 */
public record ModelEntry(String name, ModelBundle bundle, String error) {

    /** Load status as the API reports it. */
    public enum Status {
        LOADED,
        FAILED;

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ModelEntry {
        Objects.requireNonNull(name);
        if ((bundle == null) == (error == null)) {
            throw new IllegalArgumentException("an entry holds either a bundle or an error");
        }
    }

    public static ModelEntry loaded(ModelBundle bundle) {
        return new ModelEntry(bundle.name(), bundle, null);
    }

    public static ModelEntry failed(String name, String error) {
        return new ModelEntry(name, null, error);
    }

    public Status status() {
        return bundle != null ? Status.LOADED : Status.FAILED;
    }
}
