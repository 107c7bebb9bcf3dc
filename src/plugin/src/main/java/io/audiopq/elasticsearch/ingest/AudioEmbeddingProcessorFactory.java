package io.audiopq.elasticsearch.ingest;

import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.AudioSpec;

import org.elasticsearch.cluster.metadata.ProjectId;
import org.elasticsearch.common.logging.DeprecationCategory;
import org.elasticsearch.common.logging.DeprecationLogger;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.ingest.Processor;

import java.util.Map;

import static org.elasticsearch.ingest.ConfigurationUtils.newConfigurationException;
import static org.elasticsearch.ingest.ConfigurationUtils.readBooleanProperty;
import static org.elasticsearch.ingest.ConfigurationUtils.readStringProperty;

/**
 * Reads the {@code audio_embedding} options (documented in README.md, "The audio_embedding
 * processor") and binds the processor to its bundle's shared embedder. Every bad option is a
 * configuration error naming the option, the value and what is expected.
 */
public final class AudioEmbeddingProcessorFactory implements Processor.Factory {

    public static final String DEFAULT_TARGET_FIELD = "audio_embedding";
    /** Decoded bytes accepted by default: a 5-minute 44.1 kHz stereo 16-bit WAV is about 53 MB. */
    public static final ByteSizeValue DEFAULT_MAX_BYTES = ByteSizeValue.ofBytes(DecodeLimits.DEFAULT_MAX_BYTES);
    /** Longest audio accepted by default; memory per document grows linearly with it. */
    public static final double DEFAULT_MAX_DURATION_SECONDS = DecodeLimits.DEFAULT_MAX_DURATION_SECONDS;
    /** Upper bound for {@code max_duration}: beyond an hour one document would hold the write thread for minutes. */
    public static final double MAX_DURATION_LIMIT_SECONDS = 3600;
    /** Upper bound for {@code max_bytes}. */
    public static final ByteSizeValue MAX_BYTES_LIMIT = ByteSizeValue.ofMb(512);

    /** The audio bundle option, named as Elasticsearch's inference processor names it. */
    public static final String MODEL_ID = "model_id";
    /** The option's earlier name, still accepted with a deprecation warning. */
    static final String MODEL_ALIAS = "model";
    // Only deprecation loggers below org.elasticsearch feed Elasticsearch's Warning response header (its log4j configuration
    // attaches the header appender there); a logger named after this class would only write the deprecation log.
    private static final DeprecationLogger DEPRECATION = DeprecationLogger.getLogger("org.elasticsearch.ingest.audio_embedding");

    private final AudioEmbeddingService audio;

    /** @param audio the node's audio service: every document's clip is decoded and embedded through it */
    public AudioEmbeddingProcessorFactory(AudioEmbeddingService audio) {
        this.audio = audio;
    }

    @Override
    public AudioEmbeddingProcessor create(Map<String, Processor.Factory> factories, String tag, String description,
        Map<String, Object> config, ProjectId projectId) {
        String type = AudioEmbeddingProcessor.TYPE;
        String field = readStringProperty(type, tag, config, "field");
        String modelName = modelId(tag, config);
        String targetField = readStringProperty(type, tag, config, "target_field", DEFAULT_TARGET_FIELD);
        boolean ignoreMissing = readBooleanProperty(type, tag, config, "ignore_missing", false);
        boolean removeBinary = readBooleanProperty(type, tag, config, "remove_binary", false);
        boolean includeSegments = readBooleanProperty(type, tag, config, "include_segments", true);
        Double window = seconds(tag, config, "segment_window", null, MAX_DURATION_LIMIT_SECONDS);
        Double hop = seconds(tag, config, "segment_hop", null, MAX_DURATION_LIMIT_SECONDS);
        double maxDuration = seconds(tag, config, "max_duration", DEFAULT_MAX_DURATION_SECONDS, MAX_DURATION_LIMIT_SECONDS);
        long maxBytes = bytes(tag, config, "max_bytes");
        Integer topTags = integer(tag, config, "top_tags", 0, 1000);
        Double minTagScore = probability(tag, config, "min_tag_score");
        if (field.equals(targetField)) {
            throw newConfigurationException(type, tag, "target_field", "must differ from field [" + field + "]");
        }

        AudioEmbedderCache.BundleEmbedder model = resolve(tag, modelName);
        AudioSpec spec = model.spec();
        if (spec.classifier() == null && ((topTags != null && topTags > 0) || minTagScore != null)) {
            throw newConfigurationException(type, tag, topTags != null ? "top_tags" : "min_tag_score",
                "model bundle [" + modelName + "] has no classifier (audio.classifier in its model.json), so it produces no tags");
        }
        double segmentWindow = window != null ? window : spec.segments().windowSeconds();
        double segmentHop = hop != null ? hop : window != null ? Math.min(window, spec.segments().hopSeconds()) : spec.segments().hopSeconds();
        if (segmentHop > segmentWindow) {
            throw newConfigurationException(type, tag, "segment_hop", "is " + segmentHop + " s, longer than segment_window " + segmentWindow
                + " s: segments would leave gaps");
        }
        int tags = topTags != null ? topTags : spec.classifier() == null ? 0 : spec.classifier().topK();
        double minScore = minTagScore != null ? minTagScore : spec.classifier() == null ? 0 : spec.classifier().minScore();
        return new AudioEmbeddingProcessor(audio, tag, description, field, targetField, model, new SegmentSpec(segmentWindow, segmentHop),
            includeSegments, new DecodeLimits(maxBytes, maxDuration), removeBinary, ignoreMissing, tags, minScore);
    }

    private AudioEmbedderCache.BundleEmbedder resolve(String tag, String name) {
        String type = AudioEmbeddingProcessor.TYPE;
        try {
            return audio.audioBundle(name, "this processor");
        } catch (RuntimeException e) {
            throw newConfigurationException(type, tag, MODEL_ID, e.getMessage());
        }
    }

    /** {@code model_id}, or its deprecated alias {@code model} (with a deprecation warning); not both. */
    private static String modelId(String tag, Map<String, Object> config) {
        String type = AudioEmbeddingProcessor.TYPE;
        if (config.containsKey(MODEL_ALIAS) == false) {
            return readStringProperty(type, tag, config, MODEL_ID);
        }
        if (config.containsKey(MODEL_ID)) {
            throw newConfigurationException(type, tag, MODEL_ALIAS, "is a deprecated alias of [" + MODEL_ID + "]: set only [" + MODEL_ID
                + "]");
        }
        DEPRECATION.warn(DeprecationCategory.API, "audio_embedding_model", "[" + type + "] processor option [" + MODEL_ALIAS
            + "] is deprecated, use [" + MODEL_ID + "]");
        return readStringProperty(type, tag, config, MODEL_ALIAS);
    }

    /** Seconds: a number, or a time string such as {@code "90s"} or {@code "5m"}; > 0 and at most {@code max}. */
    private static Double seconds(String tag, Map<String, Object> config, String property, Double defaultValue, double max) {
        Object value = config.remove(property);
        if (value == null) {
            return defaultValue;
        }
        double seconds;
        if (value instanceof Number n) {
            seconds = n.doubleValue();
        } else if (value instanceof String s) {
            try {
                seconds = TimeValue.parseTimeValue(s, property).nanos() / 1e9;
            } catch (RuntimeException e) {
                throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property,
                    "must be a number of seconds or a time value such as \"90s\", got [" + s + "]");
            }
        } else {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be a number of seconds, got [" + value + "]");
        }
        if (Double.isFinite(seconds) == false || seconds <= 0 || seconds > max) {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be > 0 and at most " + max + " seconds, got ["
                + value + "]");
        }
        return seconds;
    }

    /** A byte size: a number of bytes or a size string such as {@code "20mb"}. */
    private static long bytes(String tag, Map<String, Object> config, String property) {
        Object value = config.remove(property);
        if (value == null) {
            return DEFAULT_MAX_BYTES.getBytes();
        }
        long bytes;
        if (value instanceof Integer || value instanceof Long) {
            bytes = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                bytes = ByteSizeValue.parseBytesSizeValue(s, property).getBytes();
            } catch (RuntimeException e) {
                throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property,
                    "must be a number of bytes or a size such as \"20mb\", got [" + s + "]");
            }
        } else {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be a number of bytes, got [" + value + "]");
        }
        if (bytes <= 0 || bytes > MAX_BYTES_LIMIT.getBytes()) {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be > 0 and at most " + MAX_BYTES_LIMIT
                + ", got [" + value + "]");
        }
        return bytes;
    }

    private static Integer integer(String tag, Map<String, Object> config, String property, int min, int max) {
        Object value = config.remove(property);
        if (value == null) {
            return null;
        }
        if ((value instanceof Integer || value instanceof Long) == false) {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be an integer, got [" + value + "]");
        }
        long v = ((Number) value).longValue();
        if (v < min || v > max) {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be between " + min + " and " + max + ", got ["
                + value + "]");
        }
        return (int) v;
    }

    private static Double probability(String tag, Map<String, Object> config, String property) {
        Object value = config.remove(property);
        if (value == null) {
            return null;
        }
        if ((value instanceof Number) == false || ((Number) value).doubleValue() < 0 || ((Number) value).doubleValue() > 1) {
            throw newConfigurationException(AudioEmbeddingProcessor.TYPE, tag, property, "must be a number between 0 and 1, got [" + value + "]");
        }
        return ((Number) value).doubleValue();
    }
}
