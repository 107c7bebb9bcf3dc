package io.audiopq.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, strict access to one parsed JSON object of a model.json (a Jackson tree from
 * {@link StrictJson#parse}): every read names the dotted key and the bundle in its error, and
 * {@link #finish()} rejects keys nobody read, so a typo such as {@code "dimension"} fails loudly
 * instead of falling back to a default.
 */
final class StrictJsonObject {

    private final String bundle;
    private final String path; // "" for the root object, "pq" for its pq object, ...
    private final ObjectNode map;
    private final Set<String> known = new LinkedHashSet<>();

    StrictJsonObject(String bundle, String path, ObjectNode map) {
        this.bundle = bundle;
        this.path = path;
        this.map = map;
    }

    /** Wraps the document's root value, which must be an object. */
    static StrictJsonObject root(String bundle, JsonNode value) throws InvalidBundleException {
        if (value instanceof ObjectNode object) {
            return new StrictJsonObject(bundle, "", object);
        }
        throw new InvalidBundleException(bundle, null, "model.json must hold a JSON object, found " + StrictJson.typeName(value));
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
        return map.has(name);
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
        JsonNode value = map.get(name);
        if (value.isIntegralNumber() == false) {
            throw wrongType(name, "an integer", value);
        }
        if (value.canConvertToLong() == false) {
            throw new InvalidBundleException(bundle, key(name), "must fit a 64-bit integer, got " + value);
        }
        long l = value.longValue();
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
        JsonNode value = require(name);
        if (value.isBoolean() == false) {
            throw wrongType(name, "a boolean", value);
        }
        return value.booleanValue();
    }

    /** An array of non-empty strings; an empty list when the key is absent. */
    List<String> optionalStringList(String name) throws InvalidBundleException {
        if (has(name) == false) {
            return List.of();
        }
        JsonNode value = map.get(name);
        if (value.isArray() == false) {
            throw wrongType(name, "an array of strings", value);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (item.isTextual() == false || item.textValue().isEmpty()) {
                throw new InvalidBundleException(
                    bundle,
                    key(name),
                    "expected an array of non-empty strings, found element " + StrictJson.typeName(item) + " " + shown(item)
                );
            }
            out.add(item.textValue());
        }
        return List.copyOf(out);
    }

    /** Whether {@code name} was given, without marking it as read. */
    boolean present(String name) {
        return map.has(name);
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
        for (String name : (Iterable<String>) map::fieldNames) {
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

    private JsonNode require(String name) throws InvalidBundleException {
        if (has(name) == false) {
            throw new InvalidBundleException(bundle, key(name), "is required but missing");
        }
        JsonNode value = map.get(name);
        if (value.isNull()) {
            throw new InvalidBundleException(bundle, key(name), "is required but null");
        }
        return value;
    }

    private String string(String name, JsonNode value) throws InvalidBundleException {
        if (value.isTextual() == false) {
            throw wrongType(name, "a string", value);
        }
        String s = value.textValue();
        if (s.isEmpty()) {
            throw new InvalidBundleException(bundle, key(name), "must not be empty");
        }
        return s;
    }

    private int integer(String name, JsonNode value, int min, int max) throws InvalidBundleException {
        if (value.isIntegralNumber() == false) {
            throw wrongType(name, "an integer", value);
        }
        // canConvertToInt: an integer beyond long (a BigInteger node) is out of range too, not wrapped.
        if (value.canConvertToInt() == false || value.intValue() < min || value.intValue() > max) {
            throw new InvalidBundleException(bundle, key(name), "must be in [" + min + ", " + max + "], got " + value);
        }
        return value.intValue();
    }

    private double number(String name, JsonNode value) throws InvalidBundleException {
        if (value.isNumber() == false) {
            throw wrongType(name, "a number", value);
        }
        return value.doubleValue(); // finite: StrictJson rejects 1e999
    }

    private StrictJsonObject object(String name, JsonNode value) throws InvalidBundleException {
        if (value instanceof ObjectNode nested) {
            return new StrictJsonObject(bundle, key(name), nested);
        }
        throw wrongType(name, "an object", value);
    }

    private InvalidBundleException wrongType(String name, String expected, JsonNode value) {
        return new InvalidBundleException(bundle, key(name), "expected " + expected + ", got " + StrictJson.typeName(value) + " " + shown(value));
    }

    /** A value as JSON text: strings quoted, numbers as Jackson prints them. */
    private static String shown(JsonNode value) {
        return value.isTextual() ? StrictJson.quote(value.textValue()) : value.toString();
    }
}
