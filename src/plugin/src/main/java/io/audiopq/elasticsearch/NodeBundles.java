package io.audiopq.elasticsearch;

import io.audiopq.model.BundleArchive;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterStateListener;
import org.elasticsearch.common.UUIDs;
import org.elasticsearch.core.IOUtils;
import org.elasticsearch.gateway.GatewayService;
import org.elasticsearch.logging.LogManager;
import org.elasticsearch.logging.Logger;
import org.elasticsearch.threadpool.ThreadPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The live set of this node's model bundles, which changes as bundles are uploaded and deleted;
 * each {@link #registry()} is an immutable {@link ModelRegistry} snapshot of it.
 *
 * <p>The model bundles of this node as mappers, processors and queries see them: the read-only
 * bundles of {@code <config>/audio-pq/models/} plus those uploaded to the cluster
 * ({@link ModelIndex}), which every node unpacks into a cache under its data path
 * ({@code <data>/audio-pq/models/<checksum>/<name>/}) and loads with the same loader and checks as
 * a config folder. The cache survives restarts, so a restarted node has its bundles before its
 * shards recover; it is reconciled with the index ({@link #sync}) when this node first sees the
 * index readable (a node that joins later) and whenever an upload or delete asks every node to.
 *
 * <p>Codes written with one codebook are meaningless under another, so a node whose bundle differs
 * from the mapping (or lacks it) refuses to index, search or merge the field instead of silently
 * producing different codes ({@link #requireMatching}).
 */
public final class NodeBundles implements ClusterStateListener {

    /** Where uploaded bundles are unpacked, relative to the node's data path (the entitlement policy grants read/write). */
    public static final String CACHE_PATH = "audio-pq/models";

    private static final Logger logger = LogManager.getLogger(NodeBundles.class);

    private final Supplier<ModelRegistry> config;
    private final Supplier<String> nodeName;
    private final ModelRegistry.BundleCheck check;
    private final LoggingModelListener log = new LoggingModelListener();
    // Set when the node starts (createComponents); null in tests without a node: no cluster bundles then.
    private volatile Path cache;
    private volatile ModelIndex index;
    private volatile ThreadPool threadPool;
    // Name -> entry of the cluster's bundles on this node; replaced whole, under the monitor.
    private volatile Map<String, ModelEntry> cluster = Map.of();
    private volatile View view;
    private final AtomicBoolean syncing = new AtomicBoolean();
    private volatile boolean synced;

    private record View(ModelRegistry config, Map<String, ModelEntry> cluster, ModelRegistry all) {}

    public NodeBundles(Supplier<ModelRegistry> config, Supplier<String> nodeName, ModelRegistry.BundleCheck check) {
        this.config = Objects.requireNonNull(config, "config");
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.check = Objects.requireNonNull(check, "check");
    }

    /** Starts serving cluster bundles: loads what the cache holds from before a restart. */
    public synchronized void start(Path cacheDir, ModelIndex modelIndex, ThreadPool pool) {
        this.cache = cacheDir;
        this.index = modelIndex;
        this.threadPool = pool;
        Map<String, ModelEntry> loaded = new TreeMap<>();
        try {
            Files.createDirectories(cacheDir);
            try (var checksums = Files.list(cacheDir)) {
                for (Path dir : checksums.toList()) {
                    String checksum = dir.getFileName().toString();
                    if (checksum.startsWith(".")) {
                        IOUtils.rm(dir); // an unpack that a stop interrupted
                        continue;
                    }
                    try (var names = Files.list(dir)) {
                        for (Path folder : names.toList()) {
                            ModelEntry entry = load(folder, checksum);
                            if (entry.bundle() != null) {
                                loaded.put(entry.name(), entry);
                            } else {
                                IOUtils.rm(dir);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            logger.error("cannot read the cache of uploaded model bundles [" + cacheDir + "]; they load from the cluster instead", e);
        }
        cluster = Map.copyOf(loaded);
    }

    public String nodeName() {
        return nodeName.get();
    }

    /** Every bundle this node knows: its config folder's, then the cluster's (a config bundle wins a name both have). */
    public ModelRegistry registry() {
        ModelRegistry base = config.get();
        Map<String, ModelEntry> clusterNow = cluster;
        View current = view;
        if (current == null || current.config != base || current.cluster != clusterNow) {
            current = new View(base, clusterNow, base.with(clusterNow.values()));
            view = current;
        }
        return current.all;
    }

    /** The bundles of the node's config folder only. */
    public ModelRegistry configRegistry() {
        return config.get();
    }

    /** The loaded bundle named {@code model}, or null; {@link #describeMissing} says why it is null. */
    public ModelBundle loaded(String model) {
        return registry().bundle(model).orElse(null);
    }

    /**
     * Unpacks and validates an uploaded archive as bundle {@code name}, exactly as a bundle folder
     * is loaded at node start (strict model.json, file checksums, codebook shape, and for audio
     * bundles the ONNX models on one second of silence), leaving it in this node's cache.
     *
     * @throws InvalidBundleException naming the bundle, the key or entry and the problem
     */
    public ModelBundle unpack(String name, byte[] archive, long maxUnpackedBytes) throws InvalidBundleException {
        Path cacheDir = requireStarted();
        Path staging = cacheDir.resolve(".upload-" + UUIDs.randomBase64UUID());
        try {
            Files.createDirectories(staging);
            ModelBundle bundle = ModelBundleLoader.load(BundleArchive.extract(archive, staging, name, maxUnpackedBytes));
            Path folder = place(staging, bundle);
            ModelBundle placed = ModelBundleLoader.load(folder);
            check.check(placed);
            return placed;
        } catch (IOException e) {
            throw new InvalidBundleException(name, null, "cannot unpack the archive on node [" + nodeName() + "]: " + e, e);
        } finally {
            rmQuietly(staging);
        }
    }

    /**
     * Makes this node's cluster bundles those of {@code stored}: unpacks and loads the ones it
     * lacks (reading their archives from the index), drops the ones no longer stored. A bundle that
     * fails here is listed as failed with its error; the others are unaffected.
     */
    public synchronized void sync(List<ModelIndex.StoredModel> stored) {
        Path cacheDir = requireStarted();
        Map<String, ModelEntry> next = new TreeMap<>();
        Set<String> keep = new HashSet<>(); // checksums still stored
        for (ModelIndex.StoredModel model : stored) {
            keep.add(model.checksum());
            ModelEntry current = cluster.get(model.name());
            if (current != null && current.bundle() != null && current.bundle().checksum().equals(model.checksum())) {
                next.put(model.name(), current);
                continue;
            }
            next.put(model.name(), fetch(cacheDir, model));
        }
        Map<String, ModelEntry> previous = cluster;
        cluster = Map.copyOf(next);
        // Only the folders of bundles this sync drops: an upload in progress on this node has
        // placed its folder but not stored its model document yet, and must keep it.
        for (ModelEntry gone : previous.values()) {
            ModelEntry now = next.get(gone.name());
            if (gone.bundle() != null && (now == null || now.bundle() != gone.bundle())) {
                if (now == null) {
                    logger.info("model bundle [{}] was deleted from the cluster; unloaded it", gone.name());
                }
                if (keep.contains(gone.bundle().checksum()) == false) {
                    rmQuietly(cacheDir.resolve(gone.bundle().checksum()));
                }
            }
        }
        synced = true;
    }

    /** {@link #sync} with the bundles the index lists now. */
    public void syncFromIndex() {
        ModelIndex modelIndex = index;
        if (modelIndex == null) {
            throw new IllegalStateException("model bundles cannot sync: the node is still starting");
        }
        sync(modelIndex.list());
    }

    /**
     * A node that joins (or restarts) syncs once, as soon as the index is readable, or at once when
     * nothing was ever stored; so does a node that lost its master and found one again (it may have
     * missed an upload's or delete's broadcast meanwhile).
     */
    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        if (event.previousState().nodes().getMasterNodeId() == null && event.state().nodes().getMasterNodeId() != null) {
            synced = false;
        }
        if (synced || index == null || event.state().blocks().hasGlobalBlock(GatewayService.STATE_NOT_RECOVERED_BLOCK)) {
            return;
        }
        boolean exists = ModelIndex.exists(event.state());
        if (exists && ModelIndex.readable(event.state()) == false) {
            return;
        }
        if (syncing.compareAndSet(false, true)) {
            threadPool.generic().execute(() -> {
                try {
                    if (exists) {
                        syncFromIndex();
                    } else {
                        sync(List.of());
                    }
                } catch (RuntimeException e) {
                    logger.warn("cannot load the cluster's model bundles yet; retrying on the next cluster state change", e);
                } finally {
                    syncing.set(false);
                }
            });
        }
    }

    private ModelEntry fetch(Path cacheDir, ModelIndex.StoredModel model) {
        String name = model.name();
        Path folder = cacheDir.resolve(model.checksum()).resolve(name);
        Path staging = cacheDir.resolve(".sync-" + UUIDs.randomBase64UUID());
        try {
            if (Files.isDirectory(folder) == false) {
                Files.createDirectories(staging);
                byte[] archive = index.read(model);
                ModelBundle unpacked = ModelBundleLoader.load(BundleArchive.extract(archive, staging, name, Long.MAX_VALUE));
                if (unpacked.checksum().equals(model.checksum()) == false) {
                    return failed(name, "model bundle [" + name + "]: the archive stored in the cluster has checksum [" + unpacked.checksum()
                        + "] but was stored as [" + model.checksum() + "]; delete and upload it again");
                }
                place(staging, unpacked);
            }
            return load(folder, model.checksum());
        } catch (InvalidBundleException e) {
            return failed(name, e.getMessage());
        } catch (IOException | RuntimeException e) {
            String error = "model bundle [" + name + "]: cannot load it from the cluster: " + e;
            log.failed(name, error, e);
            return ModelEntry.failed(name, error, ModelEntry.Source.CLUSTER);
        } finally {
            rmQuietly(staging);
        }
    }

    private ModelEntry failed(String name, String error) {
        log.failed(name, error, null);
        return ModelEntry.failed(name, error, ModelEntry.Source.CLUSTER);
    }

    /** Loads and checks a cache folder {@code <checksum>/<name>}; a folder whose files no longer have that checksum fails. */
    private ModelEntry load(Path folder, String checksum) {
        String name = folder.getFileName().toString();
        try {
            ModelBundle bundle = ModelBundleLoader.load(folder);
            if (bundle.checksum().equals(checksum) == false) {
                return failed(name, "model bundle [" + name + "]: its unpacked files in " + folder + " have checksum [" + bundle.checksum()
                    + "], not [" + checksum + "]");
            }
            check.check(bundle);
            log.loaded(bundle);
            return ModelEntry.loaded(bundle, ModelEntry.Source.CLUSTER);
        } catch (InvalidBundleException e) {
            return failed(name, e.getMessage());
        } catch (RuntimeException e) {
            String error = "model bundle [" + name + "]: unexpected error while loading: " + e;
            log.failed(name, error, e);
            return ModelEntry.failed(name, error, ModelEntry.Source.CLUSTER);
        }
    }

    /** Moves an unpacked bundle from {@code staging/<name>} to {@code <cache>/<checksum>/<name>} (kept if already there). */
    private synchronized Path place(Path staging, ModelBundle bundle) throws IOException {
        Path dir = Files.createDirectories(cache.resolve(bundle.checksum()));
        Path folder = dir.resolve(bundle.name());
        if (Files.isDirectory(folder) == false) {
            Files.move(staging.resolve(bundle.name()), folder, StandardCopyOption.ATOMIC_MOVE);
        }
        return folder;
    }

    private Path requireStarted() {
        Path cacheDir = cache;
        if (cacheDir == null) {
            throw new IllegalStateException("model bundles cannot be uploaded: the node is still starting");
        }
        return cacheDir;
    }

    private static void rmQuietly(Path path) {
        try {
            if (Files.exists(path)) {
                IOUtils.rm(path);
            }
        } catch (IOException e) {
            logger.warn("cannot remove [" + path + "]", e);
        }
    }

    /** Why {@code model} is not loaded on this node: not installed (listing the bundles that are), or failed (with its error). */
    public String describeMissing(String model) {
        ModelRegistry models = registry();
        return models.get(model)
            .map(entry -> entry.status() == ModelEntry.Status.FAILED ? "it failed to load: " + entry.error() : "it is not loaded")
            .orElseGet(
                () -> "it is not installed in ["
                    + models.directory()
                    + "] nor uploaded to the cluster (PUT _audio_pq/models/" + model + "); bundles on this node: "
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
                + " (node checksum [none]); upload it with PUT _audio_pq/models/" + model + " or install the same bundle on every node");
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
