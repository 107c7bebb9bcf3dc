package io.audiopq.elasticsearch;

import io.audiopq.elasticsearch.ingest.IngestTimings;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.FileChecksum;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelEntry;

import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of {@code GET _audio_pq/models[/{name}]}: the node that answered and its bundles, keyed
 * by name, each with its load status and either its settings and checksums or its error.
 *
 * @param nodeName       the answering node (bundles are node-local files)
 * @param modelsPath     the folder the node loaded bundles from
 * @param directoryError why that folder could not be listed, or null
 * @param entries        the bundles to show
 * @param ingestTimings  the ingest processor's stage timings on this node, shown per bundle
 */
record ModelsInfo(String nodeName, String modelsPath, String directoryError, List<ModelEntry> entries, IngestTimings ingestTimings)
    implements ToXContentObject {

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field("node", nodeName);
        builder.field("models_path", modelsPath);
        if (directoryError != null) {
            builder.field("error", directoryError);
        }
        builder.startObject("models");
        for (ModelEntry entry : entries) {
            builder.startObject(entry.name());
            builder.field("name", entry.name());
            builder.field("status", entry.status().jsonName());
            if (entry.bundle() != null) {
                bundle(builder, entry.bundle());
            } else {
                builder.field("error", entry.error());
            }
            ingestTimings.toXContent(builder, entry.name());
            builder.endObject();
        }
        builder.endObject();
        return builder.endObject();
    }

    private static void audio(XContentBuilder builder, AudioSpec audio) throws IOException {
        // As model.json writes it: one rendering of an audio spec.
        byte[] json = audio.toJson().getBytes(StandardCharsets.UTF_8);
        builder.rawField("audio", new ByteArrayInputStream(json), XContentType.JSON);
    }

    private static void bundle(XContentBuilder builder, ModelBundle bundle) throws IOException {
        ModelDescriptor descriptor = bundle.descriptor();
        builder.field("kind", descriptor.kind().jsonName());
        builder.field("format_version", descriptor.formatVersion());
        if (descriptor.description() != null) {
            builder.field("description", descriptor.description());
        }
        builder.field("dimensions", descriptor.dimensions());
        builder.field("similarity", descriptor.similarity().jsonName());
        builder.startObject("pq");
        builder.field("m", descriptor.pq().m());
        builder.field("bits", descriptor.pq().bits());
        builder.field("codebook", descriptor.pq().codebook());
        builder.field("code_size_in_bytes", bundle.quantizer().codeSize());
        builder.endObject();
        if (descriptor.ivf() != null) {
            builder.startObject("ivf")
                .field("centroids", descriptor.ivf().centroids())
                .field("nlist", bundle.ivf().nlist())
                .field("encoding", ModelDescriptor.Ivf.jsonName(descriptor.ivf().encoding()))
                .endObject();
        }
        if (descriptor.audio() != null) {
            audio(builder, descriptor.audio());
        }
        builder.startObject("files");
        for (FileChecksum file : bundle.files()) {
            builder.startObject(file.path()).field("sha256", file.sha256()).field("size_in_bytes", file.sizeInBytes()).endObject();
        }
        builder.endObject();
        builder.field("checksum", bundle.checksum());
    }
}
