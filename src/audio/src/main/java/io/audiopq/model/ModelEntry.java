package io.audiopq.model;

import java.util.Objects;

/**
 * What the registry knows about one bundle folder: the loaded bundle, or why it failed, and where
 * it came from. A {@link ModelBundle} is only ever a loaded one; this also records failures.
 *
 * @param name   the folder name
 * @param bundle the loaded bundle, or null when loading failed
 * @param error  why loading failed, or null when it succeeded
 * @param source where the bundle came from
 */
public record ModelEntry(String name, ModelBundle bundle, String error, Source source) {

    /** Where a bundle came from, as the API reports it. */
    public enum Source {
        /** A folder in the node's {@code <config>/audio-pq/models/}: read-only through the API. */
        CONFIG,
        /** Uploaded with {@code PUT _audio_pq/models/{name}}, stored in the cluster and unpacked on every node. */
        CLUSTER;

        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

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
        Objects.requireNonNull(source);
        if ((bundle == null) == (error == null)) {
            throw new IllegalArgumentException("an entry holds either a bundle or an error");
        }
    }

    public static ModelEntry loaded(ModelBundle bundle) {
        return loaded(bundle, Source.CONFIG);
    }

    public static ModelEntry failed(String name, String error) {
        return failed(name, error, Source.CONFIG);
    }

    public static ModelEntry loaded(ModelBundle bundle, Source source) {
        return new ModelEntry(bundle.name(), bundle, null, source);
    }

    public static ModelEntry failed(String name, String error, Source source) {
        return new ModelEntry(name, null, error, source);
    }

    public Status status() {
        return bundle != null ? Status.LOADED : Status.FAILED;
    }
}
