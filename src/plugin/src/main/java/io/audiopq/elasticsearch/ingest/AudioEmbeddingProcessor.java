package io.audiopq.elasticsearch.ingest;

import io.audiopq.elasticsearch.IngestTimings;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.AudioInfo;
import io.audiopq.audio.ClassifierLabels;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.SegmentEmbedding;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.model.AudioEmbedderCache;

import org.elasticsearch.ingest.AbstractProcessor;
import org.elasticsearch.ingest.IngestDocument;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code audio_embedding} ingest processor: reads audio (base64 in a JSON source, or raw
 * bytes from CBOR/SMILE) from one field, decodes it (format detected from the bytes), and writes
 * under {@code target_field}
 *
 * <pre>
 * { "embedding": [...],                                  clip-level: the backbone (+ head) on the whole clip
 *   "segments": [{"start": s, "end": s, "embedding": [...]}, ...],
 *   "audio": {"duration": s, "sample_rate": Hz, "channels": n, "format": "wav"},
 *   "tags": [{"label": "Sine wave", "score": 0.86}, ...],  when the bundle has a classifier
 *   "model": "bundle name" }
 * </pre>
 *
 * Input that cannot be used (invalid base64, empty, truncated, corrupt, unsupported, absurd
 * headers, too long, too large) fails this document only, with a message that names the field
 * and the problem. Inference runs on the calling (write) thread, one document at a time per
 * thread, over the bundle's shared ONNX sessions; the work per document is bounded by
 * {@code max_bytes} and {@code max_duration}, which are checked before the expensive steps.
 */
public final class AudioEmbeddingProcessor extends AbstractProcessor {

    public static final String TYPE = "audio_embedding";

    private final AudioEmbeddingService audio;
    private final String field;
    private final String targetField;
    private final AudioEmbedderCache.BundleEmbedder model;
    private final SegmentSpec segments;
    private final boolean includeSegments;
    private final DecodeLimits limits;
    private final boolean removeBinary;
    private final boolean ignoreMissing;
    private final int topTags;
    private final float minTagScore;
    private final IngestTimings.Model timings;

    AudioEmbeddingProcessor(AudioEmbeddingService audio, String tag, String description, String field, String targetField, AudioEmbedderCache.BundleEmbedder model,
        SegmentSpec segments, boolean includeSegments, DecodeLimits limits, boolean removeBinary, boolean ignoreMissing, int topTags,
        double minTagScore) {
        super(tag, description);
        this.audio = audio;
        this.field = field;
        this.targetField = targetField;
        this.model = model;
        this.segments = segments;
        this.includeSegments = includeSegments;
        this.limits = limits;
        this.removeBinary = removeBinary;
        this.ignoreMissing = ignoreMissing;
        this.topTags = topTags;
        this.minTagScore = (float) minTagScore;
        this.timings = audio.ingestTimings().forModel(model.bundle().name());
    }

    @Override
    public IngestDocument execute(IngestDocument document) {
        Object value = document.getFieldValue(field, Object.class, ignoreMissing);
        if (value == null) {
            if (ignoreMissing) {
                return document;
            }
            throw new IllegalArgumentException("field [" + field + "] is null, cannot embed its audio");
        }
        String subject = "field [" + field + "]";
        byte[] bytes = AudioEmbeddingService.bytes(value, limits.maxBytes(), subject);
        AudioEmbeddings embeddings = audio.embed(model, bytes, limits, includeSegments ? segments : null, subject, timings);
        timings.document(embeddings.audio().durationSeconds());
        document.setFieldValue(targetField, output(embeddings));
        if (removeBinary) {
            document.removeField(field);
        }
        return document;
    }

    private Map<String, Object> output(AudioEmbeddings embeddings) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("embedding", floats(embeddings.embedding()));
        if (includeSegments) {
            List<Map<String, Object>> list = new ArrayList<>(embeddings.segments().size());
            for (SegmentEmbedding s : embeddings.segments()) {
                Map<String, Object> segment = new LinkedHashMap<>();
                segment.put("start", round(s.start()));
                segment.put("end", round(s.end()));
                segment.put("embedding", floats(s.embedding()));
                list.add(segment);
            }
            out.put("segments", list);
        }
        AudioInfo info = embeddings.audio();
        Map<String, Object> audio = new LinkedHashMap<>();
        audio.put("duration", round(info.durationSeconds()));
        audio.put("sample_rate", info.sampleRate());
        audio.put("channels", info.channels());
        audio.put("format", info.format().id());
        out.put("audio", audio);
        ClassifierLabels labels = model.labels();
        if (labels != null && topTags > 0 && embeddings.logits() != null) {
            List<Map<String, Object>> tags = new ArrayList<>();
            for (ClassifierLabels.Tag tag : labels.top(embeddings.logits(), topTags, minTagScore)) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("label", tag.label());
                t.put("score", tag.score());
                tags.add(t);
            }
            out.put("tags", tags);
        }
        out.put("model", model.bundle().name());
        return out;
    }

    private static List<Float> floats(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    /** Milliseconds are enough for times and keep the source readable. */
    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    String field() {
        return field;
    }

    String targetField() {
        return targetField;
    }

    SegmentSpec segments() {
        return segments;
    }

    boolean includeSegments() {
        return includeSegments;
    }

    DecodeLimits limits() {
        return limits;
    }

    boolean removeBinary() {
        return removeBinary;
    }

    boolean ignoreMissing() {
        return ignoreMissing;
    }

    int topTags() {
        return topTags;
    }

    AudioEmbedderCache.BundleEmbedder model() {
        return model;
    }
}
