package io.audiopq.elasticsearch;

import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.logging.LogManager;
import org.elasticsearch.logging.Logger;

import java.nio.file.Path;

/** Reports bundle loading in the node's log: one line per bundle, errors at ERROR so a broken bundle stands out. */
final class LoggingModelListener implements ModelRegistry.Listener {

    private static final Logger logger = LogManager.getLogger(LoggingModelListener.class);

    @Override
    public void loaded(ModelBundle bundle) {
        var descriptor = bundle.descriptor();
        logger.info(
            "loaded model bundle [{}]: kind [{}], dimensions [{}], similarity [{}], pq m [{}] bits [{}], checksum [{}]",
            bundle.name(),
            descriptor.kind().jsonName(),
            descriptor.dimensions(),
            descriptor.similarity().jsonName(),
            descriptor.pq().m(),
            descriptor.pq().bits(),
            bundle.checksum()
        );
    }

    @Override
    public void failed(String name, String error, Exception cause) {
        // The message already names the bundle, key and problem; the stack trace only helps for unexpected errors.
        if (cause instanceof io.audiopq.model.InvalidBundleException) {
            logger.error("failed to load model bundle [{}], it is unavailable on this node: {}", name, error);
        } else {
            logger.error("failed to load model bundle [" + name + "], it is unavailable on this node: " + error, cause);
        }
    }

    @Override
    public void directoryFailed(Path directory, String error, Exception cause) {
        logger.error("no model bundles loaded: " + error, cause);
    }
}
