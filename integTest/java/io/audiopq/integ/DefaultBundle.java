package io.audiopq.integ;

import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelBundleLoader;

import java.nio.file.Path;

/** The default bundle that node.sh installs from {@code models/audiopq-default}. */
final class DefaultBundle {

    private DefaultBundle() {}

    /** Its dimensions, read from its model.json. */
    static int dimensions() {
        return descriptor().dimensions();
    }

    /** Whether it tags (has an audio classifier). */
    static boolean tags() {
        return descriptor().audio().classifier() != null;
    }

    private static ModelDescriptor descriptor() {
        try {
            return ModelBundleLoader.load(Path.of(System.getProperty("audiopq.repo.dir", ".."), "models", "audiopq-default")).descriptor();
        } catch (InvalidBundleException e) {
            throw new AssertionError(e);
        }
    }
}
