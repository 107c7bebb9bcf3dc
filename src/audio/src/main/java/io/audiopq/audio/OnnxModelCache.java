package io.audiopq.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads each model file once and hands the same {@link OnnxModel} to every caller, so that all
 * pipelines, processors and queries that name a model share one session (and its memory).
 * Thread-safe; {@link #close()} closes every session.
 */
public final class OnnxModelCache implements AutoCloseable {

    private record Key(Path path, int intraOpThreads) {}

    private final ConcurrentHashMap<Key, OnnxModel> models = new ConcurrentHashMap<>();

    /** The shared model for {@code modelFile}, loading it on first use. */
    public OnnxModel get(Path modelFile, int intraOpThreads) throws IOException {
        Key key = new Key(modelFile.toAbsolutePath().normalize(), intraOpThreads);
        try {
            return models.computeIfAbsent(key, k -> {
                try {
                    return OnnxModel.load(k.path(), k.intraOpThreads());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Number of loaded models. */
    public int size() {
        return models.size();
    }

    @Override
    public void close() {
        models.values().forEach(OnnxModel::close);
        models.clear();
    }
}
