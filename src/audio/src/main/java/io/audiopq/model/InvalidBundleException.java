package io.audiopq.model;

/**
 * A model bundle that cannot be used. The message always names the bundle, and the model.json key
 * or the file at fault when there is one, so that an operator can fix it from the log line alone.
 */
public class InvalidBundleException extends Exception {

    private final String bundle;
    private final String key;

    /**
     * @param bundle  the bundle's name (its folder name)
     * @param key     the model.json key at fault, dotted for nested keys ({@code pq.m}); null when
     *                the problem is not tied to one key
     * @param problem what is wrong and what was expected
     */
    public InvalidBundleException(String bundle, String key, String problem) {
        this(bundle, key, problem, null);
    }

    public InvalidBundleException(String bundle, String key, String problem, Throwable cause) {
        super("model bundle [" + bundle + "]: " + (key == null ? "" : "key [" + key + "]: ") + problem, cause);
        this.bundle = bundle;
        this.key = key;
    }

    public String bundle() {
        return bundle;
    }

    /** The model.json key at fault, or null. */
    public String key() {
        return key;
    }
}
