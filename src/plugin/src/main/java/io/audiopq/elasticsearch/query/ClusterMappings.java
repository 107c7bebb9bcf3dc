package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.mapper.PqVectorFieldMapper;

import org.elasticsearch.action.ResolvedIndices;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.MappingMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads {@code pq_vector} fields and the bundle name they are mapped to from the cluster state's
 * mappings; it holds no bundle (the node that embeds the query audio resolves the name to a
 * loaded {@link io.audiopq.model.ModelBundle}).
 *
 * <p>{@link #bundleOf} finds the bundle a field is mapped to in the indices a search targets, on
 * the coordinating node ({@link ResolvedIndices}, as Elasticsearch's semantic queries find a
 * field's inference endpoint). Shards are not asked: the bundle must be known before the query
 * vector is computed and shard requests go out.
 */
public final class ClusterMappings {

    private static final String PROPERTIES = "properties";
    private static final String TYPE = "type";

    private ClusterMappings() {}

    /**
     * The one bundle {@code field} is mapped to in the local indices of {@code indices}; indices
     * without the field are skipped (their shards match nothing).
     *
     * @param subject the query input asking, e.g. {@code [pq_knn] [query_audio]}, for the messages
     * @throws IllegalArgumentException if the search targets remote clusters, if no targeted index maps
     *         {@code field} as {@code pq_vector}, or if they map it to different bundles
     */
    static String bundleOf(String field, ResolvedIndices indices, String subject) {
        if (indices.getRemoteClusterIndices().isEmpty() == false) {
            throw new IllegalArgumentException(
                subject + " requires [model_id] when the search targets remote clusters " + indices.getRemoteClusterIndices().keySet()
                    + ": their mappings are not known on this node; pass the bundle of field [" + field + "]"
            );
        }
        // bundle -> indices that map the field to it; sorted so that messages are stable.
        Map<String, List<String>> bundles = new TreeMap<>();
        List<String> otherTypes = new ArrayList<>();
        for (IndexMetadata index : indices.getConcreteLocalIndicesMetadata().values()) {
            Map<String, Object> mapping = fieldMapping(index.mapping(), field);
            if (mapping == null) {
                continue;
            }
            String name = index.getIndex().getName();
            if (PqVectorFieldMapper.CONTENT_TYPE.equals(mapping.get(TYPE)) && mapping.get("model") instanceof String model) {
                bundles.computeIfAbsent(model, m -> new ArrayList<>()).add(name);
            } else {
                // An object's mapping leaves out its type.
                otherTypes.add("[" + name + "] maps it as [" + mapping.getOrDefault(TYPE, "object") + "]");
            }
        }
        if (bundles.isEmpty()) {
            throw new IllegalArgumentException(
                subject + " has no [model_id] and field [" + field + "] is not a [" + PqVectorFieldMapper.CONTENT_TYPE
                    + "] field in any targeted index" + (otherTypes.isEmpty() ? "" : " (" + String.join(", ", otherTypes) + ")")
                    + ": query a [" + PqVectorFieldMapper.CONTENT_TYPE + "] field, whose mapping names its bundle, or pass [model_id]"
            );
        }
        if (bundles.size() > 1) {
            List<String> found = new ArrayList<>();
            bundles.forEach((bundle, in) -> found.add("[" + bundle + "] in " + in.stream().sorted().toList()));
            throw new IllegalArgumentException(
                subject + " has no [model_id] and field [" + field + "] is mapped to different bundles in the targeted indices: "
                    + String.join(", ", found) + "; pass [model_id] (the bundle that embedded the indexed audio) or search fewer indices"
            );
        }
        return bundles.keySet().iterator().next();
    }

    /** The full paths of the fields of {@code type} in a mapping (through objects and nested objects); empty without mappings. */
    static List<String> fieldsOfType(MappingMetadata metadata, String type) {
        List<String> paths = new ArrayList<>();
        if (metadata != null) {
            collect(metadata.sourceAsMap(), "", type, paths);
        }
        return paths;
    }

    private static void collect(Map<String, Object> object, String prefix, String type, List<String> paths) {
        if (object.get(PROPERTIES) instanceof Map<?, ?> properties) {
            for (Map.Entry<?, ?> entry : properties.entrySet()) {
                if (entry.getValue() instanceof Map<?, ?> child) {
                    String path = prefix + entry.getKey();
                    if (type.equals(child.get(TYPE))) {
                        paths.add(path);
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> childObject = (Map<String, Object>) child;
                    collect(childObject, path + ".", type, paths);
                }
            }
        }
    }

    /** The mapping of {@code field} (a dotted path through objects and nested objects), following one alias; null if unmapped. */
    public static Map<String, Object> fieldMapping(MappingMetadata metadata, String field) {
        if (metadata == null) {
            return null; // an index created without mappings
        }
        Map<String, Object> root = metadata.sourceAsMap();
        Map<String, Object> mapping = find(root, field);
        if (mapping != null && "alias".equals(mapping.get(TYPE)) && mapping.get("path") instanceof String path) {
            mapping = find(root, path);
        }
        return mapping;
    }

    /**
     * Looks {@code path} up below {@code object}'s {@code properties}. A name may itself hold dots
     * ({@code subobjects: false}), so every split of the path is tried, the whole remaining path first.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> find(Map<String, Object> object, String path) {
        if (object.get(PROPERTIES) instanceof Map<?, ?> properties) {
            if (properties.get(path) instanceof Map<?, ?> leaf) {
                return (Map<String, Object>) leaf;
            }
            for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
                if (properties.get(path.substring(0, dot)) instanceof Map<?, ?> child) {
                    Map<String, Object> found = find((Map<String, Object>) child, path.substring(dot + 1));
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }
}
