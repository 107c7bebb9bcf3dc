package io.audiopq.elasticsearch;

import io.audiopq.audio.LogMelConfig;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.FileChecksum;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.ModelEntry;

import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code GET _audio_pq/models[/{name}]}: the node that answered and its bundles, keyed
 * by name, each with its load status and either its settings and checksums or its error.
 *
 * @param nodeName       the answering node (bundles are node-local files)
 * @param modelsPath     the folder the node loaded bundles from
 * @param directoryError why that folder could not be listed, or null
 * @param entries        the bundles to show
 */
record ModelsInfo(String nodeName, String modelsPath, String directoryError, List<ModelEntry> entries) implements ToXContentObject {

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
            builder.endObject();
        }
        builder.endObject();
        return builder.endObject();
    }

    private static void audio(XContentBuilder builder, AudioSpec audio) throws IOException {
        LogMelConfig f = audio.frontEnd();
        builder.startObject("audio");
        builder.startObject("front_end")
            .field("sample_rate", f.sampleRate())
            .field("n_fft", f.nFft())
            .field("win_length", f.winLength())
            .field("hop_length", f.hopLength())
            .field("window", lower(f.window()))
            .field("periodic_window", f.periodicWindow())
            .field("window_align", lower(f.windowAlign()))
            .field("center", f.center())
            .field("pad_mode", lower(f.padMode()))
            .field("preemphasis", f.preemphasis())
            .field("spectrum", lower(f.spectrum()))
            .field("mel_scale", lower(f.melScale()))
            .field("filter_style", lower(f.filterStyle()))
            .field("mel_norm", lower(f.melNorm()))
            .field("n_mels", f.nMels())
            .field("fmin", f.fmin())
            .field("fmax", f.fmax())
            .field("log", lower(f.log()))
            .field("log_offset", f.logOffset())
            .field("log_floor", f.logFloor())
            .field("norm_add", f.normAdd())
            .field("norm_div", f.normDiv())
            .endObject();
        AudioSpec.Backbone b = audio.backbone();
        builder.startObject("backbone").field("model", b.model());
        if (b.externalData().isEmpty() == false) {
            builder.field("external_data", b.externalData());
        }
        builder.field("input", b.input())
            .field("layout", lower(b.layout()))
            .field("embedding_output", b.embeddingOutput())
            .field("min_frames", b.minFrames())
            .field("max_batch", b.maxBatch())
            .endObject();
        if (audio.head() != null) {
            builder.startObject("head").field("model", audio.head().model());
            if (audio.head().externalData().isEmpty() == false) {
                builder.field("external_data", audio.head().externalData());
            }
            builder.field("input", audio.head().input()).field("output", audio.head().output()).endObject();
        }
        if (audio.classifier() != null) {
            AudioSpec.Classifier c = audio.classifier();
            builder.startObject("classifier")
                .field("output", c.output())
                .field("labels", c.labels())
                .field("top_k", c.topK())
                .field("min_score", c.minScore())
                .endObject();
        }
        builder.startObject("segments")
            .field("window", audio.segments().windowSeconds())
            .field("hop", audio.segments().hopSeconds())
            .endObject();
        builder.endObject();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
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
            builder.startObject("ivf").field("centroids", descriptor.ivf().centroids()).endObject();
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
