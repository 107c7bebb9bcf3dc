package io.audiopq.elasticsearch;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The model bundles of this node as mappers and queries see them: which bundle a {@code pq_vector}
 * field may be created with, and whether this node's copy of a bundle is the one a mapping
 * recorded. Codes written with one codebook are meaningless under another, so a node whose bundle
 * differs from the mapping (or lacks it) refuses to index, search or merge the field instead of
 * silently producing different codes.
 */
public final class NodeBundles {

    private final Supplier<ModelRegistry> registry;
    private final Supplier<String> nodeName;

    public NodeBundles(Supplier<ModelRegistry> registry, Supplier<String> nodeName) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    }

    public String nodeName() {
        return nodeName.get();
    }

    public ModelRegistry registry() {
        return registry.get();
    }

    /** The loaded bundle named {@code model}, or null; {@link #describeMissing} says why it is null. */
    public ModelBundle loaded(String model) {
        return registry().bundle(model).orElse(null);
    }

    /** Why {@code model} is not loaded on this node: not installed (listing the bundles that are), or failed (with its error). */
    public String describeMissing(String model) {
        ModelRegistry models = registry();
        return models.get(model)
            .map(entry -> entry.status() == ModelEntry.Status.FAILED ? "it failed to load: " + entry.error() : "it is not loaded")
            .orElseGet(
                () -> "it is not installed in ["
                    + models.directory()
                    + "]; bundles on this node: "
                    + models.entries().stream().map(ModelEntry::name).toList()
            );
    }

    /**
     * This node's bundle {@code model}, provided its checksum is {@code recordedChecksum}.
     *
     * @param field  the field, for the message
     * @param action what is refused, e.g. "index" or "search"
     * @throws BundleMismatchException naming the node, the bundle and both checksums otherwise
     */
    public ModelBundle requireMatching(String field, String model, String recordedChecksum, String action) {
        ModelBundle bundle = loaded(model);
        // Same opening for both refusals, so users can grep their logs for one phrase.
        String refused = "cannot " + action + " field [" + field + "] on node [" + nodeName() + "]: ";
        if (bundle == null) {
            throw new BundleMismatchException(refused + "the mapping was created with model bundle [" + model + "] checksum ["
                + recordedChecksum + "], but on this node " + describeMissing(model)
                + " (node checksum [none]); install the same bundle on every node and restart it");
        }
        if (bundle.checksum().equals(recordedChecksum) == false) {
            throw new BundleMismatchException(refused + "model bundle [" + model + "] on this node has checksum [" + bundle.checksum()
                + "] but the mapping recorded checksum [" + recordedChecksum
                + "]; codes from different codebooks are not comparable: install the bundle the index was created with "
                + "on every node (or reindex into an index created with this bundle)");
        }
        return bundle;
    }

    /** A node's bundle differs from (or lacks) the bundle a mapping recorded. */
    public static final class BundleMismatchException extends IllegalStateException {
        public BundleMismatchException(String message) {
            super(message);
        }
    }
}
