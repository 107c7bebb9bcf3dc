package io.audiopq.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, strict access to one parsed JSON object of a model.json: every read names the dotted key
 * and the bundle in its error, and {@link #finish()} rejects keys nobody read, so a typo such as
 * {@code "dimension"} fails loudly instead of falling back to a default.
 */
final class StrictJsonObject {

    private final String bundle;
    private final String path; // "" for the root object, "pq" for its pq object, ...
    private final Map<String, Object> map;
    private final Set<String> known = new LinkedHashSet<>();

    StrictJsonObject(String bundle, String path, Map<String, Object> map) {
        this.bundle = bundle;
        this.path = path;
        this.map = map;
    }

    /** Wraps the document's root value, which must be an object. */
    static StrictJsonObject root(String bundle, Object value) throws InvalidBundleException {
        if (value instanceof Map<?, ?> == false) {
            throw new InvalidBundleException(bundle, null, "model.json must hold a JSON object, found " + Json.typeName(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        return new StrictJsonObject(bundle, "", map);
    }

    String bundle() {
        return bundle;
    }

    /** This object's dotted key ("" for the root). */
    String path() {
        return path;
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        known.add(name);
        return map.containsKey(name);
    }

    String requiredString(String name) throws InvalidBundleException {
        return string(name, require(name));
    }

    String optionalString(String name, String defaultValue) throws InvalidBundleException {
        return has(name) ? string(name, map.get(name)) : defaultValue;
    }

    int requiredInt(String name, int min, int max) throws InvalidBundleException {
        return integer(name, require(name), min, max);
    }

    Long optionalLong(String name, long min) throws InvalidBundleException {
        if (has(name) == false) {
            return null;
        }
        Object value = map.get(name);
        if ((value instanceof Long) == false) {
            throw wrongType(name, "an integer", value);
        }
        long l = (Long) value;
        if (l < min) {
            throw new InvalidBundleException(bundle, key(name), "must be >= " + min + ", got " + l);
        }
        return l;
    }

    int optionalInt(String name, int min, int max, int defaultValue) throws InvalidBundleException {
        return has(name) ? integer(name, map.get(name), min, max) : defaultValue;
    }

    /** A JSON number (integer or not), as a double. */
    double requiredDouble(String name) throws InvalidBundleException {
        return number(name, require(name));
    }

    double optionalDouble(String name, double defaultValue) throws InvalidBundleException {
        return has(name) ? number(name, map.get(name)) : defaultValue;
    }

    boolean requiredBoolean(String name) throws InvalidBundleException {
        Object value = require(name);
        if ((value instanceof Boolean) == false) {
            throw wrongType(name, "a boolean", value);
        }
        return (Boolean) value;
    }

    /** An array of non-empty strings; an empty list when the key is absent. */
    List<String> optionalStringList(String name) throws InvalidBundleException {
        if (has(name) == false) {
            return List.of();
        }
        Object value = map.get(name);
        if ((value instanceof List<?>) == false) {
            throw wrongType(name, "an array of strings", value);
        }
        List<String> out = new ArrayList<>();
        for (Object item : (List<?>) value) {
            if ((item instanceof String) == false || ((String) item).isEmpty()) {
                throw new InvalidBundleException(bundle, key(name), "expected an array of non-empty strings, found element " + Json.typeName(item) + " " + item);
            }
            out.add((String) item);
        }
        return List.copyOf(out);
    }

    /** Whether {@code name} was given, without marking it as read. */
    boolean present(String name) {
        return map.containsKey(name);
    }

    StrictJsonObject requiredObject(String name) throws InvalidBundleException {
        return object(name, require(name));
    }

    /** The nested object, or null when the key is absent. */
    StrictJsonObject optionalObject(String name) throws InvalidBundleException {
        return has(name) ? object(name, map.get(name)) : null;
    }

    /** Fails on any key that no accessor asked for, listing the keys this object accepts. */
    void finish() throws InvalidBundleException {
        List<String> unknown = new ArrayList<>();
        for (String name : map.keySet()) {
            if (known.contains(name) == false) {
                unknown.add(name);
            }
        }
        if (unknown.isEmpty() == false) {
            String where = path.isEmpty() ? "model.json" : "[" + path + "]";
            throw new InvalidBundleException(
                bundle,
                key(unknown.get(0)),
                "unknown key" + (unknown.size() > 1 ? "s " + unknown : "") + " in " + where + "; accepted keys: " + known
            );
        }
    }

    private Object require(String name) throws InvalidBundleException {
        if (has(name) == false) {
            throw new InvalidBundleException(bundle, key(name), "is required but missing");
        }
        Object value = map.get(name);
        if (value == null) {
            throw new InvalidBundleException(bundle, key(name), "is required but null");
        }
        return value;
    }

    private String string(String name, Object value) throws InvalidBundleException {
        if ((value instanceof String) == false) {
            throw wrongType(name, "a string", value);
        }
        String s = (String) value;
        if (s.isEmpty()) {
            throw new InvalidBundleException(bundle, key(name), "must not be empty");
        }
        return s;
    }

    private int integer(String name, Object value, int min, int max) throws InvalidBundleException {
        if ((value instanceof Long) == false) {
            throw wrongType(name, "an integer", value);
        }
        long l = (Long) value;
        if (l < min || l > max) {
            throw new InvalidBundleException(bundle, key(name), "must be in [" + min + ", " + max + "], got " + l);
        }
        return (int) (long) l;
    }

    private double number(String name, Object value) throws InvalidBundleException {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d) {
            return d;
        }
        throw wrongType(name, "a number", value);
    }

    private StrictJsonObject object(String name, Object value) throws InvalidBundleException {
        if (value instanceof Map<?, ?> == false) {
            throw wrongType(name, "an object", value);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) value;
        return new StrictJsonObject(bundle, key(name), nested);
    }

    private InvalidBundleException wrongType(String name, String expected, Object value) {
        String shown = value instanceof String s ? Json.quote(s) : String.valueOf(value);
        return new InvalidBundleException(bundle, key(name), "expected " + expected + ", got " + Json.typeName(value) + " " + shown);
    }
}
