package io.audiopq.train;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbedder;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.OnnxModel;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.model.AudioSpec;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelBundleLoader;
import io.audiopq.tools.AudioBundleTool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a head is trained on top of: a front end and an ONNX backbone (plus, optionally, a
 * classifier and its labels), with the folder their files live in. Either EfficientAT mn04 from its
 * ONNX file, or the front end and backbone of an existing audio bundle (such as the project's
 * default bundle), whose head, if any, is replaced.
 *
 * @param directory   folder holding the files {@code spec} names
 * @param spec        the audio section a trained bundle inherits (its head is ignored)
 * @param description one line for model cards: what the backbone is and where its weights come from
 */
public record BackboneSource(Path directory, AudioSpec spec, String description) {

    /** EfficientAT mn04_as from its ONNX file (external weights {@code <file>.data} beside it). */
    public static BackboneSource mn04(Path onnxFile) {
        AudioSpec mn04 = AudioBundleTool.mn04Spec();
        String file = onnxFile.getFileName().toString();
        AudioSpec spec = new AudioSpec(mn04.frontEnd(), new AudioSpec.Backbone(file, List.of(file + ".data"), mn04.backbone().call()), null,
            mn04.classifier(), mn04.segments());
        return new BackboneSource(onnxFile.toAbsolutePath().getParent(), spec,
            "EfficientAT mn04_as (AudioSet CNN, MIT licence, weights by F. Schmid et al.)");
    }

    /** The front end, backbone and classifier of an audio bundle folder (validated by the node's loader). */
    public static BackboneSource bundle(Path folder) throws InvalidBundleException {
        ModelBundle bundle = ModelBundleLoader.load(folder);
        AudioSpec audio = bundle.descriptor().audio();
        if (audio == null) {
            throw new IllegalArgumentException("--base-bundle " + folder + ": bundle [" + bundle.name() + "] is not an audio bundle (no audio section)");
        }
        AudioSpec spec = new AudioSpec(audio.frontEnd(), audio.backbone(), null, audio.classifier(), audio.segments());
        return new BackboneSource(folder.toAbsolutePath(), spec, "the front end and backbone of bundle `" + bundle.name() + "` ("
            + bundle.descriptor().description() + ")");
    }

    public Path modelFile() {
        return directory.resolve(spec.backbone().model());
    }

    /** The embedding cache for this backbone (keyed by its files, front end and spec). */
    public EmbeddingCache cache(Path cacheDir) throws IOException {
        return new EmbeddingCache(modelFile(), spec.frontEnd(), spec.backbone().call(), cacheDir);
    }

    /** The files a trained bundle copies in: the backbone, its external data and the classifier's labels (those that exist). */
    public Map<String, Path> files() {
        List<String> names = new ArrayList<>();
        names.add(spec.backbone().model());
        names.addAll(spec.backbone().externalData());
        if (spec.classifier() != null) {
            names.add(spec.classifier().labels());
        }
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : names) {
            Path p = directory.resolve(name);
            if (Files.isRegularFile(p)) {
                files.put(name, p);
            } else if (name.equals(spec.backbone().model())) {
                throw new IllegalArgumentException("backbone model " + p + " does not exist");
            }
        }
        return files;
    }

    /**
     * The segment embeddings (the bundle's segment window and hop) of every file, in file order, not
     * cached: only {@code --codebook-segments} needs them, so that a codebook covers the segment
     * vectors a node will quantise as well as the clip vectors.
     */
    public List<float[]> segmentEmbeddings(List<Path> files, Progress progress) throws IOException {
        List<float[]> out = new ArrayList<>();
        AudioDecoder decoder = new AudioDecoder();
        DecodeLimits limits = new DecodeLimits(200_000_000, 600);
        Progress.Bar bar = progress.bar("segment embeddings of " + files.size() + " files", files.size());
        try (OnnxModel backbone = OnnxModel.load(modelFile(), 1)) {
            AudioEmbedder embedder = new AudioEmbedder(spec.frontEnd(), spec.segments(), backbone, spec.backbone().call(), null, null);
            for (Path file : files) {
                for (SegmentEmbedding segment : embedder.embed(decoder.decode(Files.readAllBytes(file), limits)).segments()) {
                    out.add(segment.embedding());
                }
                bar.step();
            }
        }
        bar.done();
        return out;
    }

    /** The bundle's audio section with {@code head} after this backbone; external data only where the file exists. */
    public AudioSpec withHead(AudioSpec.Head head) {
        AudioSpec.Backbone b = spec.backbone();
        List<String> data = b.externalData().stream().filter(f -> Files.isRegularFile(directory.resolve(f))).toList();
        return new AudioSpec(spec.frontEnd(), new AudioSpec.Backbone(b.model(), data, b.call()), head, spec.classifier(), spec.segments());
    }
}
