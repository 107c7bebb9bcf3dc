package io.audiopq.elasticsearch;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.InvalidAudioException;
import io.audiopq.audio.SegmentSpec;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelEntry;
import io.audiopq.model.ModelKind;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;

import java.util.Base64;
import java.util.Locale;

/**
 * Audio that users send, turned into embeddings: the one code path shared by the
 * {@code audio_embedding} ingest processor (documents) and the embed action behind
 * {@code pq_knn}'s {@code query_audio} (queries), so that a query clip is read, limited, decoded
 * and embedded exactly as an indexed clip is. Every message starts with {@code subject} (e.g.
 * {@code field [audio]}), so users see which input was wrong.
 */
public final class AudioInput {

    private static final AudioDecoder DECODER = new AudioDecoder();

    private AudioInput() {}

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
     * when it is null.
     *
     * @throws IllegalArgumentException naming {@code subject} and the {@link InvalidAudioException.Reason} when the audio is unusable
     */
    public static AudioEmbeddings embed(AudioEmbedderCache.OpenBundle model, byte[] bytes, DecodeLimits limits, SegmentSpec segments,
        String subject) {
        try {
            DecodedAudio audio = DECODER.decode(bytes, limits);
            return segments != null ? model.embedder().embed(audio, segments) : model.embedder().embedClip(audio);
        } catch (InvalidAudioException e) {
            throw new IllegalArgumentException(subject + " holds unusable audio (" + e.reason().id() + "): " + e.getMessage(), e);
        }
    }

    /**
     * The installed, loaded audio bundle {@code name}, its ONNX sessions open.
     *
     * @param user who needs it, for the message about a bundle of another kind (e.g. {@code this processor})
     * @throws ResourceNotFoundException when no bundle of that name is installed on this node (the message lists those that are)
     * @throws IllegalArgumentException  when it failed to load or is not of kind {@code audio}
     */
    public static AudioEmbedderCache.OpenBundle audioBundle(ModelRegistry registry, AudioEmbedderCache models, String name, String user) {
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
