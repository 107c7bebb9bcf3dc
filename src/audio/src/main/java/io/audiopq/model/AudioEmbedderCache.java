package io.audiopq.model;

import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioFormat;
import io.audiopq.audio.ClassifierLabels;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.OnnxModelCache;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running side of audio bundles: one {@link AudioEmbedder} per loaded bundle, its ONNX
 * sessions created once and shared by every pipeline, processor and query that names the bundle.
 * {@link #open} is meant to run when a bundle is loaded (node start), so that a model that ONNX
 * Runtime rejects, misnamed inputs or outputs, or an embedding whose size differs from
 * {@code dimensions} make the bundle fail there, with a message naming the key, instead of failing
 * every document later. Thread-safe; {@link #close()} closes every session.
 */
public final class AudioEmbedderCache implements AutoCloseable {

    /**
     * An audio bundle ready to embed: its shared ONNX pipeline and class names, created once from
     * a {@link ModelBundle} (which holds the bundle's descriptor, codebook and checksums).
     *
     * @param bundle   the loaded bundle
     * @param embedder the shared pipeline (thread-safe)
     * @param labels   the classifier's class names, or null without a classifier
     */
    public record BundleEmbedder(ModelBundle bundle, AudioEmbedder embedder, ClassifierLabels labels) {
        public AudioSpec spec() {
            return bundle.descriptor().audio();
        }
    }

    private final int intraOpThreads;
    private final OnnxModelCache sessions = new OnnxModelCache();
    // Keyed by folder and checksum: a bundle replaced on disk (and reloaded) is a different entry.
    private final Map<String, BundleEmbedder> open = new ConcurrentHashMap<>();

    /**
     * @param intraOpThreads threads one inference call may use. Ingest already runs one document
     *                       per write thread (one per core), so 1 keeps ONNX Runtime from
     *                       oversubscribing the node's cores.
     */
    public AudioEmbedderCache(int intraOpThreads) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
        this.intraOpThreads = intraOpThreads;
    }

    /** Threads one inference call may use. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * The shared embedder of an audio bundle, creating its sessions on first use and checking the
     * models against the descriptor.
     *
     * @throws InvalidBundleException when the bundle is not of kind {@code audio} or its models do
     *                                not fit its model.json
     */
    public BundleEmbedder open(ModelBundle bundle) throws InvalidBundleException {
        if (bundle.descriptor().audio() == null) {
            throw new InvalidBundleException(bundle.name(), "kind", "is [" + bundle.descriptor().kind().jsonName() + "], not [audio]: it embeds no audio");
        }
        String key = bundle.directory().toAbsolutePath() + "@" + bundle.checksum();
        BundleEmbedder existing = open.get(key);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            existing = open.get(key);
            if (existing == null) {
                existing = create(bundle);
                open.put(key, existing);
            }
            return existing;
        }
    }

    /** Loads {@link #open} for audio bundles only; other kinds pass. Use as {@link ModelRegistry.BundleCheck}. */
    public void check(ModelBundle bundle) throws InvalidBundleException {
        if (bundle.descriptor().kind() == ModelKind.AUDIO) {
            open(bundle);
        }
    }

    private BundleEmbedder create(ModelBundle bundle) throws InvalidBundleException {
        String name = bundle.name();
        ModelDescriptor descriptor = bundle.descriptor();
        AudioSpec spec = descriptor.audio();
        OnnxModel backbone = model(name, "audio.backbone.model", bundle, spec.backbone().model());
        OnnxModel head = spec.head() == null ? null : model(name, "audio.head.model", bundle, spec.head().model());
        AudioEmbedder embedder;
        try {
            embedder = new AudioEmbedder(spec.frontEnd(), spec.segments(), backbone, spec.backbone().call(), head, spec.headSpec());
        } catch (IllegalArgumentException e) {
            throw new InvalidBundleException(name, "audio", e.getMessage(), e);
        }
        ClassifierLabels labels = spec.classifier() == null ? null : ModelBundleLoader.readLabels(name, bundle.directory(), spec.classifier().labels());

        // One inference on a second of silence: the shapes the descriptor promises must be what the models produce.
        AudioEmbeddings probe;
        try {
            int rate = spec.frontEnd().sampleRate();
            probe = embedder.embedClip(new DecodedAudio(new float[rate], rate, 1, AudioFormat.WAV));
        } catch (RuntimeException e) {
            throw new InvalidBundleException(name, "audio", "the models fail on one second of silence: " + e.getMessage(), e);
        }
        if (probe.embedding().length != descriptor.dimensions()) {
            String source = spec.head() != null
                ? "head output [" + spec.head().call().output() + "]"
                : "backbone output [" + spec.backbone().call().embeddingOutput() + "]";
            throw new InvalidBundleException(name, "dimensions", "is " + descriptor.dimensions() + " but " + source + " has "
                + probe.embedding().length + " values per item");
        }
        if (labels != null && probe.logits().length != labels.size()) {
            throw new InvalidBundleException(name, "audio.classifier.labels", "file [" + spec.classifier().labels() + "] names " + labels.size()
                + " classes but output [" + spec.backbone().call().logitsOutput() + "] has " + probe.logits().length);
        }
        return new BundleEmbedder(bundle, embedder, labels);
    }

    private OnnxModel model(String name, String key, ModelBundle bundle, String path) throws InvalidBundleException {
        try {
            return sessions.get(bundle.directory().resolve(path), intraOpThreads);
        } catch (IOException | RuntimeException e) {
            throw new InvalidBundleException(name, key, e.getMessage(), e);
        }
    }

    /** Number of audio bundles opened. */
    public int size() {
        return open.size();
    }

    @Override
    public void close() {
        open.clear();
        sessions.close();
    }
}
