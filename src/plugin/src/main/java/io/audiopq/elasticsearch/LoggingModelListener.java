package io.audiopq.elasticsearch;

import io.audiopq.model.InvalidBundleException;
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
        // The error starts "model bundle [name]: ..." and names the key and problem; a stack trace only helps for unexpected errors.
        String message = "failed to load " + error + " (this bundle is unavailable on this node; other bundles are unaffected)";
        if (cause instanceof InvalidBundleException) {
            logger.error(message);
        } else {
            logger.error(message, cause);
        }
    }

    @Override
    public void directoryFailed(Path directory, String error, Exception cause) {
        logger.error("no model bundles loaded: " + error, cause);
    }
}
