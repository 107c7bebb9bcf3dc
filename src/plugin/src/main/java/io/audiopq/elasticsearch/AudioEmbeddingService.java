package io.audiopq.elasticsearch;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.InvalidAudioException;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.audio.StageTimer;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelKind;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.breaker.CircuitBreakingException;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;

import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Audio that users send, turned into embeddings: the one code path, and the one node component
 * (made in {@link AudioPqPlugin#createComponents}), shared by the {@code audio_embedding} ingest
 * processor (documents), the {@code _embed} action and {@code pq_knn}'s {@code query_audio}
 * (queries), so that a query clip is read, limited, decoded and embedded exactly as an indexed
 * clip is. Every message starts with {@code subject} (e.g. {@code field [audio]}), so users see
 * which input was wrong.
 *
 * <p>Untrusted audio cannot take the node down:
 * <ul>
 *   <li>at most {@code audio_pq.decode.max_concurrent} clips are decoded and embedded at once on a
 *       node; the next waits up to {@code audio_pq.decode.max_wait} for a turn and is then refused
 *       with a 429 ({@link EsRejectedExecutionException});</li>
 *   <li>before decoding, the clip's {@link AudioFootprint} (a bound on what decoding and embedding
 *       allocate, which the decoder is held to) is reserved on the {@code audio_pq} circuit breaker
 *       ({@code breaker.audio_pq.limit}) and released when the embedding is done; a reservation the
 *       breaker (or its parent) refuses is a 429 ({@link CircuitBreakingException});</li>
 *   <li>an embedding with a NaN or infinite value is refused (400, naming {@code subject}) rather
 *       than written or searched with.</li>
 * </ul>
 */
public final class AudioEmbeddingService {

    /** The circuit breaker's name, as {@code _nodes/stats/breaker} shows it. */
    public static final String BREAKER_NAME = "audio_pq";
    /** Default {@code breaker.audio_pq.limit}: one full-length (300 s, 48 kHz) clip must fit on a 1 GB heap. */
    public static final String DEFAULT_BREAKER_LIMIT = "30%";

    /** Clips decoded and embedded at once on this node; default: the node's allocated processors (the work is CPU-bound). */
    public static final Setting<Integer> MAX_CONCURRENT = Setting.intSetting(
        "audio_pq.decode.max_concurrent",
        s -> Integer.toString(EsExecutors.allocatedProcessors(s)),
        1,
        4096,
        Setting.Property.NodeScope
    );
    /** How long a clip waits for a turn before it is refused with a 429. */
    public static final Setting<TimeValue> MAX_WAIT = Setting.timeSetting(
        "audio_pq.decode.max_wait",
        TimeValue.timeValueSeconds(5),
        TimeValue.ZERO,
        Setting.Property.NodeScope
    );

    private static final AudioDecoder DECODER = new AudioDecoder();

    private final Supplier<ModelRegistry> registry;
    private final AudioEmbedderCache models;
    private final Supplier<CircuitBreaker> breaker;
    private final Semaphore permits;
    private final int maxConcurrent;
    private final TimeValue maxWait;
    private final IngestTimings ingestTimings = new IngestTimings();

    /**
     * @param breaker the {@code audio_pq} breaker once the node has made it (null before, and in tests without a node: no accounting)
     */
    public AudioEmbeddingService(Supplier<ModelRegistry> registry, AudioEmbedderCache models, Supplier<CircuitBreaker> breaker,
        int maxConcurrent, TimeValue maxWait) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1, got " + maxConcurrent);
        }
        this.registry = registry;
        this.models = models;
        this.breaker = breaker;
        this.maxConcurrent = maxConcurrent;
        this.permits = new Semaphore(maxConcurrent, true);
        this.maxWait = maxWait;
    }

    /** A service reading its limits from {@code settings}. */
    public AudioEmbeddingService(Supplier<ModelRegistry> registry, AudioEmbedderCache models, Supplier<CircuitBreaker> breaker,
        Settings settings) {
        this(registry, models, breaker, MAX_CONCURRENT.get(settings), MAX_WAIT.get(settings));
    }

    /** A service without memory accounting and with one turn per processor, waiting up to the default: for tools and tests. */
    public static AudioEmbeddingService unbounded(Supplier<ModelRegistry> registry, AudioEmbedderCache models) {
        return new AudioEmbeddingService(registry, models, () -> null, Settings.EMPTY);
    }

    /** The ingest processor's per-model stage timings on this node. */
    public IngestTimings ingestTimings() {
        return ingestTimings;
    }

    /** Clips being decoded or embedded right now. */
    public int active() {
        return maxConcurrent - permits.availablePermits();
    }

    /**
     * The value of an audio option as {@link #bytes} takes it: the text of a JSON string (base64),
     * the bytes of a CBOR/SMILE binary value, or whatever else is there (which {@link #bytes}
     * then refuses, naming its type).
     */
    public static Object value(XContentParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_STRING -> parser.text();
            case VALUE_EMBEDDED_OBJECT -> parser.binaryValue();
            default -> parser.objectText();
        };
    }

    /**
     * The encoded audio bytes of {@code value}: base64 text (whitespace such as MIME line breaks
     * allowed) or raw bytes (CBOR/SMILE sources). The size is checked before decoding, so an
     * oversized input costs no decoded copy.
     *
     * @throws IllegalArgumentException naming {@code subject} for any other value, invalid base64 or too many bytes
     */
    public static byte[] bytes(Object value, long maxBytes, String subject) {
        if (value instanceof byte[] raw) {
            checkSize(raw.length, maxBytes, subject);
            return raw;
        }
        if ((value instanceof String) == false) {
            if (value == null) {
                throw new IllegalArgumentException(subject + " must hold base64-encoded audio as a string, found null");
            }
            throw new IllegalArgumentException(subject + " must hold base64-encoded audio as a string, found "
                + value.getClass().getSimpleName().toLowerCase(Locale.ROOT));
        }
        String text = (String) value;
        checkSize((long) text.length() / 4 * 3 - 2, maxBytes, subject);
        String compact = text.indexOf(' ') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0 && text.indexOf('\t') < 0
            ? text
            : text.replaceAll("[ \t\r\n]", "");
        try {
            return Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(subject + " is not valid base64: " + e.getMessage(), e);
        }
    }

    private static void checkSize(long bytes, long maxBytes, String subject) {
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(subject + " holds unusable audio (" + InvalidAudioException.Reason.TOO_LARGE.id() + "): about "
                + bytes + " bytes, more than max_bytes=" + maxBytes);
        }
    }

    /**
     * Decodes {@code bytes} (format detected from the bytes) and embeds them with {@code model}:
     * clip and segment embeddings when {@code segments} is given, the clip-level embedding only
     * when it is null. Waits for a turn and reserves the clip's {@link AudioFootprint} first.
     *
     * @throws IllegalArgumentException     naming {@code subject} and the {@link InvalidAudioException.Reason} when the audio is
     *                                      unusable, or when the embedding is not finite
     * @throws EsRejectedExecutionException when no turn came within {@code audio_pq.decode.max_wait} (429)
     * @throws CircuitBreakingException     when the breaker refuses the reservation (429)
     */
    public AudioEmbeddings embed(AudioEmbedderCache.BundleEmbedder model, byte[] bytes, DecodeLimits limits, SegmentSpec segments,
        String subject) {
        return embed(model, bytes, limits, segments, subject, StageTimer.NONE);
    }

    /** As {@link #embed(AudioEmbedderCache.BundleEmbedder, byte[], DecodeLimits, SegmentSpec, String)}, telling {@code timer} how long each stage took. */
    public AudioEmbeddings embed(AudioEmbedderCache.BundleEmbedder model, byte[] bytes, DecodeLimits limits, SegmentSpec segments,
        String subject, StageTimer timer) {
        AudioFootprint footprint;
        try {
            footprint = AudioFootprint.of(bytes, limits, model.embedder().frontEndConfig());
        } catch (InvalidAudioException e) {
            throw unusable(subject, e);
        }
        acquire(subject);
        try {
            CircuitBreaker memory = breaker.get();
            if (memory != null) {
                if (memory.getLimit() > 0 && footprint.bytes() > memory.getLimit()) {
                    // More than the whole breaker: no retry can succeed, so a 400, not the breaker's 429.
                    throw new IllegalArgumentException(subject + " holds unusable audio (" + InvalidAudioException.Reason.TOO_LARGE.id()
                        + "): decoding and embedding it would need about " + (footprint.bytes() >> 20) + " MB, more than "
                        + "breaker.audio_pq.limit (" + (memory.getLimit() >> 20) + " MB); lower the processor's max_duration or raise the limit");
                }
                memory.addEstimateBytesAndMaybeBreak(footprint.bytes(), "audio_pq: decoding and embedding " + subject);
            }
            try {
                long start = System.nanoTime();
                DecodedAudio audio = DECODER.decode(bytes, footprint.limits());
                timer.add(StageTimer.Stage.DECODE, System.nanoTime() - start);
                AudioEmbeddings embeddings = segments != null
                    ? model.embedder().embed(audio, segments, timer)
                    : model.embedder().embedClip(audio, timer);
                checkFinite(embeddings, model, subject);
                return embeddings;
            } catch (InvalidAudioException e) {
                throw unusable(subject, e);
            } finally {
                if (memory != null) {
                    memory.addWithoutBreaking(-footprint.bytes());
                }
            }
        } finally {
            permits.release();
        }
    }

    /** Takes a turn as {@link #embed} does (for tests that hold the node's turns). */
    org.elasticsearch.core.Releasable turn(String subject) {
        acquire(subject);
        return permits::release;
    }

    private void acquire(String subject) {
        boolean acquired;
        try {
            acquired = maxWait.nanos() == 0 ? permits.tryAcquire() : permits.tryAcquire(maxWait.nanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EsRejectedExecutionException("audio_pq: interrupted while " + subject + " waited to be decoded");
        }
        if (acquired == false) {
            throw new EsRejectedExecutionException(
                "audio_pq: " + subject + " was not decoded: " + maxConcurrent + " audio clips are being decoded and embedded on this node ["
                    + MAX_CONCURRENT.getKey() + "=" + maxConcurrent + "] and none finished within [" + MAX_WAIT.getKey() + "=" + maxWait
                    + "]; retry later"
            );
        }
    }

    private static IllegalArgumentException unusable(String subject, InvalidAudioException e) {
        return new IllegalArgumentException(subject + " holds unusable audio (" + e.reason().id() + "): " + e.getMessage(), e);
    }

    /** NaN or infinity would be indexed or searched with as if it were a vector: refuse it here, naming the input. */
    static void checkFinite(AudioEmbeddings embeddings, AudioEmbedderCache.BundleEmbedder model, String subject) {
        String where = firstNonFinite(embeddings.embedding(), "the clip embedding");
        for (int s = 0; where == null && s < embeddings.segments().size(); s++) {
            where = firstNonFinite(embeddings.segments().get(s).embedding(), "the embedding of segment " + s);
        }
        if (where != null) {
            throw new IllegalArgumentException(subject + " could not be embedded: model bundle [" + model.bundle().name() + "] produced "
                + where + "; the audio (or the bundle) is unusable");
        }
    }

    private static String firstNonFinite(float[] vector, String what) {
        for (int i = 0; i < vector.length; i++) {
            if (Float.isFinite(vector[i]) == false) {
                return "a non-finite value (" + vector[i] + ") at dimension " + i + " of " + what;
            }
        }
        return null;
    }

    /**
     * The installed, loaded audio bundle {@code name}, its ONNX sessions open.
     *
     * @param user who needs it, for the message about a bundle of another kind (e.g. {@code this processor})
     * @throws ResourceNotFoundException when no bundle of that name is installed on this node (the message lists those that are)
     * @throws IllegalArgumentException  when it failed to load or is not of kind {@code audio}
     */
    public AudioEmbedderCache.BundleEmbedder audioBundle(String name, String user) {
        ModelRegistry registry = this.registry.get();
        ModelEntry entry = registry.get(name).orElseThrow(
            () -> new ResourceNotFoundException("model bundle [{}] is not installed in [{}] on this node; bundles here: {}", name,
                registry.directory(), registry.entries().stream().map(ModelEntry::name).toList())
        );
        if (entry.bundle() == null) {
            throw new IllegalArgumentException("model bundle [" + name + "] failed to load on this node: " + entry.error());
        }
        if (entry.bundle().descriptor().kind() != ModelKind.AUDIO) {
            throw new IllegalArgumentException("model bundle [" + name + "] is of kind [" + entry.bundle().descriptor().kind().jsonName()
                + "]; " + user + " needs a bundle of kind [audio]");
        }
        try {
            return models.open(entry.bundle());
        } catch (InvalidBundleException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
