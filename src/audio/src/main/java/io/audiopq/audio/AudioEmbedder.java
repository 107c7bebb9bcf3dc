package io.audiopq.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audio-to-embedding pipeline: resample to the front end's rate, log-mel spectrogram, cut
 * into segments, backbone (segments batched, since they share a frame count), optional head.
 *
 * <p>Clip-level embedding: the backbone is run once more on the whole clip's spectrogram, so the
 * network's own temporal pooling summarises the clip. This is what EfficientAT was trained and
 * evaluated with (its ESC-10 retrieval mAP of 0.936 is measured this way); a mean of segment
 * embeddings would be cheaper but pools differently from how the network was trained. The cost
 * is one extra forward pass over the clip, bounded by the maximum duration.
 *
 * <p>Thread-safe: the front end and the models are shared, all buffers are per call.
 */
public final class AudioEmbedder {

    private final LogMelSpectrogram frontEnd;
    private final SegmentSpec segmentSpec;
    private final OnnxModel backbone;
    private final BackboneSpec backboneSpec;
    private final OnnxModel head;
    private final HeadSpec headSpec;
    private final float silence;

    /**
     * @param head     the head model, or null
     * @param headSpec the head's names, or null when there is no head
     */
    public AudioEmbedder(LogMelConfig frontEnd, SegmentSpec segmentSpec, OnnxModel backbone, BackboneSpec backboneSpec, OnnxModel head,
        HeadSpec headSpec) {
        if ((head == null) != (headSpec == null)) {
            throw new IllegalArgumentException("a head model needs a head spec and vice versa");
        }
        checkNames(backbone, Set.of(backboneSpec.input()), backboneOutputs(backboneSpec));
        if (head != null) {
            checkNames(head, Set.of(headSpec.input()), Set.of(headSpec.output()));
        }
        this.frontEnd = new LogMelSpectrogram(frontEnd);
        this.segmentSpec = segmentSpec;
        this.backbone = backbone;
        this.backboneSpec = backboneSpec;
        this.head = head;
        this.headSpec = headSpec;
        // What the front end yields for digital silence: used to pad spectrograms up to minFrames.
        this.silence = this.frontEnd.compute(new float[frontEnd.nFft() + 2]).values()[0];
    }

    /** The default segmenting. */
    public SegmentSpec segmentSpec() {
        return segmentSpec;
    }

    public LogMelConfig frontEndConfig() {
        return frontEnd.config();
    }

    /** Clip and segment embeddings of decoded audio, segmented with this embedder's default window and hop. */
    public AudioEmbeddings embed(DecodedAudio audio) {
        return embed(audio, segmentSpec);
    }

    /** Clip and segment embeddings of decoded audio, segmented with {@code segmentSpec}. */
    public AudioEmbeddings embed(DecodedAudio audio, SegmentSpec segmentSpec) {
        return embed(audio, segmentSpec, StageTimer.NONE);
    }

    /** Clip and segment embeddings of decoded audio, segmented with {@code segmentSpec}, telling {@code timer} how long each stage took. */
    public AudioEmbeddings embed(DecodedAudio audio, SegmentSpec segmentSpec, StageTimer timer) {
        Spectrogram spec = spectrogram(audio, timer);
        long start = System.nanoTime();
        Output clip = infer(List.of(new Segment(0, spec.frames(), 0, audio.durationSeconds())), spec).get(0);
        List<Segment> segments = Segmenter.segments(spec.frames(), spec.framesPerSecond(), audio.durationSeconds(), segmentSpec);
        List<SegmentEmbedding> out = new ArrayList<>(segments.size());
        List<Output> outputs = new ArrayList<>(segments.size());
        for (int from = 0; from < segments.size(); from += backboneSpec.maxBatch()) {
            outputs.addAll(infer(segments.subList(from, Math.min(segments.size(), from + backboneSpec.maxBatch())), spec));
        }
        timer.add(StageTimer.Stage.INFERENCE, System.nanoTime() - start);
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            out.add(new SegmentEmbedding(s.startSeconds(), s.endSeconds(), outputs.get(i).embedding, outputs.get(i).logits));
        }
        return new AudioEmbeddings(AudioInfo.of(audio), clip.embedding, clip.logits, out);
    }

    /** The clip-level embedding only (no segments): what query-by-example and evaluation need. */
    public AudioEmbeddings embedClip(DecodedAudio audio) {
        return embedClip(audio, StageTimer.NONE);
    }

    /** The clip-level embedding only, telling {@code timer} how long each stage took. */
    public AudioEmbeddings embedClip(DecodedAudio audio, StageTimer timer) {
        Spectrogram spec = spectrogram(audio, timer);
        long start = System.nanoTime();
        Output clip = infer(List.of(new Segment(0, spec.frames(), 0, audio.durationSeconds())), spec).get(0);
        timer.add(StageTimer.Stage.INFERENCE, System.nanoTime() - start);
        return new AudioEmbeddings(AudioInfo.of(audio), clip.embedding, clip.logits, List.of());
    }

    private Spectrogram spectrogram(DecodedAudio audio, StageTimer timer) {
        // Decoders already enforce this; DecodedAudio can also be built by callers.
        AudioChecks.checkSamples(audio.format(), audio.samples(), 0, audio.samples().length);
        long start = System.nanoTime();
        float[] samples = AudioResampler.resample(audio.samples(), audio.sampleRate(), frontEnd.config().sampleRate());
        long resampled = System.nanoTime();
        timer.add(StageTimer.Stage.RESAMPLE, resampled - start);
        Spectrogram spec = frontEnd.compute(samples);
        timer.add(StageTimer.Stage.FRONT_END, System.nanoTime() - resampled);
        return spec;
    }

    private record Output(float[] embedding, float[] logits) {}

    /** One backbone (+ head) call on equally long segments. */
    private List<Output> infer(List<Segment> batch, Spectrogram spec) {
        int frames = Math.max(batch.get(0).frameCount(), backboneSpec.minFrames());
        int mels = spec.mels();
        float[] input = new float[batch.size() * mels * frames];
        Arrays.fill(input, silence);
        InputLayout layout = backboneSpec.layout();
        for (int b = 0; b < batch.size(); b++) {
            Segment s = batch.get(b);
            if (s.frameCount() != batch.get(0).frameCount()) {
                throw new IllegalArgumentException("segments in one batch must have equal frame counts");
            }
            int base = b * mels * frames;
            for (int t = 0; t < s.frameCount(); t++) {
                int src = (s.startFrame() + t) * mels;
                for (int m = 0; m < mels; m++) {
                    float v = spec.values()[src + m];
                    input[layout.melsFirst() ? base + m * frames + t : base + t * mels + m] = v;
                }
            }
        }
        Map<String, float[][]> result = backbone.run(backboneSpec.input(), input, layout.shape(batch.size(), mels, frames),
            backboneOutputs(backboneSpec));
        float[][] embeddings = result.get(backboneSpec.embeddingOutput());
        if (head != null) {
            int d = embeddings[0].length;
            float[] flat = new float[embeddings.length * d];
            for (int b = 0; b < embeddings.length; b++) {
                System.arraycopy(embeddings[b], 0, flat, b * d, d);
            }
            embeddings = head.run(headSpec.input(), flat, new long[] { embeddings.length, d }, Set.of(headSpec.output())).get(headSpec.output());
        }
        float[][] logits = backboneSpec.logitsOutput() == null ? null : result.get(backboneSpec.logitsOutput());
        List<Output> out = new ArrayList<>(batch.size());
        for (int b = 0; b < batch.size(); b++) {
            // Nothing non-finite may reach an index or a score: refuse the document instead.
            AudioChecks.requireFiniteEmbedding(embeddings[b], "the audio's");
            float[] l = logits == null ? null : logits[b];
            if (AudioChecks.isFinite(l) == false) {
                throw new InvalidAudioException(InvalidAudioException.Reason.CORRUPT, "the audio's class logits are not finite");
            }
            out.add(new Output(embeddings[b], l));
        }
        return out;
    }

    private static Set<String> backboneOutputs(BackboneSpec spec) {
        Set<String> names = new LinkedHashSet<>();
        names.add(spec.embeddingOutput());
        if (spec.logitsOutput() != null) {
            names.add(spec.logitsOutput());
        }
        return names;
    }

    private static void checkNames(OnnxModel model, Set<String> inputs, Set<String> outputs) {
        for (String input : inputs) {
            if (model.inputNames().contains(input) == false) {
                throw new IllegalArgumentException("model [" + model.path() + "] has no input [" + input + "]; its inputs: " + model.inputNames());
            }
        }
        for (String output : outputs) {
            if (model.outputNames().contains(output) == false) {
                throw new IllegalArgumentException("model [" + model.path() + "] has no output [" + output + "]; its outputs: " + model.outputNames());
            }
        }
    }
}
