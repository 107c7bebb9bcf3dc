package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.mapper.PqVectorFieldMapper;

import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.MappingMetadata;
import org.elasticsearch.cluster.metadata.ProjectMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which {@code pq_vector} fields of which indices name each bundle, read from the cluster state's
 * mappings: what {@code DELETE _audio_pq/models/{name}} refuses on and
 * {@code GET _audio_pq/models/{name}/_stats} reports.
 */
public final class ModelUsage {

    private ModelUsage() {}

    /** bundle → index → fields (dotted paths), all sorted. */
    public static Map<String, Map<String, List<String>>> of(ProjectMetadata project) {
        Map<String, Map<String, List<String>>> usage = new TreeMap<>();
        for (IndexMetadata index : project.indices().values()) {
            MappingMetadata mapping = index.mapping();
            if (mapping != null) {
                walk(mapping.sourceAsMap(), "", index.getIndex().getName(), usage);
            }
        }
        usage.values().forEach(indices -> indices.values().forEach(fields -> fields.sort(null)));
        return usage;
    }

    private static void walk(Map<?, ?> object, String prefix, String index, Map<String, Map<String, List<String>>> usage) {
        if (object.get("properties") instanceof Map<?, ?> properties) {
            walkProperties(properties, prefix, index, usage);
        }
    }

    private static void walkProperties(Map<?, ?> properties, String prefix, String index, Map<String, Map<String, List<String>>> usage) {
        for (Map.Entry<?, ?> property : properties.entrySet()) {
            if (property.getValue() instanceof Map<?, ?> field) {
                String path = prefix + property.getKey();
                if (PqVectorFieldMapper.CONTENT_TYPE.equals(field.get("type")) && field.get("model") instanceof String model) {
                    usage.computeIfAbsent(model, m -> new TreeMap<>()).computeIfAbsent(index, i -> new ArrayList<>()).add(path);
                }
                walk(field, path + ".", index, usage);
            }
        }
    }
}
