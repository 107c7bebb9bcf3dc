package io.audiopq.elasticsearch.action;

import io.audiopq.model.AudioSpec;
import io.audiopq.model.FileChecksum;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelDescriptor;

import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * How {@code GET _audio_pq/models} shows one loaded bundle: its settings, files and checksums, as
 * model.json and the loader know them. Rendered on the node that loaded it and sent along in its
 * nodes-action response, so the answer comes from a node that has the bundle.
 */
final class ModelsInfo {

    private ModelsInfo() {}

    /** The fields of {@code bundle} as a JSON object. */
    static BytesReference details(ModelBundle bundle) throws IOException {
        XContentBuilder builder = JsonXContent.contentBuilder().startObject();
        fields(builder, bundle);
        return BytesReference.bytes(builder.endObject());
    }

    private static void fields(XContentBuilder builder, ModelBundle bundle) throws IOException {
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

    private static void audio(XContentBuilder builder, AudioSpec audio) throws IOException {
        // As model.json writes it: one rendering of an audio spec.
        byte[] json = audio.toJson().getBytes(StandardCharsets.UTF_8);
        builder.rawField("audio", new ByteArrayInputStream(json), XContentType.JSON);
    }
}
