package io.audiopq.elasticsearch.query;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractXContentSerializingTestCase;
import org.elasticsearch.xcontent.XContentParser;

import java.util.Arrays;

/**
 * Wire and XContent round trips of the {@code audio_embedding} query vector builder (JSON carries
 * the clip as base64, CBOR and SMILE as binary), and what a malformed one is told.
 */
public class AudioEmbeddingQueryVectorBuilderTests extends AbstractXContentSerializingTestCase<AudioEmbeddingQueryVectorBuilder> {

    @Override
    protected AudioEmbeddingQueryVectorBuilder createTestInstance() {
        return new AudioEmbeddingQueryVectorBuilder(randomAlphaOfLengthBetween(1, 12), randomByteArrayOfLength(randomIntBetween(1, 400)));
    }

    @Override
    protected AudioEmbeddingQueryVectorBuilder mutateInstance(AudioEmbeddingQueryVectorBuilder instance) {
        if (randomBoolean()) {
            return new AudioEmbeddingQueryVectorBuilder(instance.modelId() + randomAlphaOfLength(1), instance.audio());
        }
        byte[] audio = instance.audio();
        byte[] other = randomValueOtherThanMany(a -> Arrays.equals(a, audio), () -> randomByteArrayOfLength(randomIntBetween(1, 400)));
        return new AudioEmbeddingQueryVectorBuilder(instance.modelId(), other);
    }

    @Override
    protected Writeable.Reader<AudioEmbeddingQueryVectorBuilder> instanceReader() {
        return AudioEmbeddingQueryVectorBuilder::new;
    }

    @Override
    protected AudioEmbeddingQueryVectorBuilder doParseInstance(XContentParser parser) {
        return AudioEmbeddingQueryVectorBuilder.fromXContent(parser);
    }

    private AudioEmbeddingQueryVectorBuilder parse(String json) throws Exception {
        try (XContentParser parser = createParser(org.elasticsearch.xcontent.json.JsonXContent.jsonXContent, json)) {
            return doParseInstance(parser);
        }
    }

    public void testMalformedBuilderIsRefusedNamingIt() {
        assertEquals("[audio_embedding] requires [model_id]: the audio bundle that embedded the indexed audio",
            expectThrows(IllegalArgumentException.class, () -> parse("{\"audio\": \"UklGRg==\"}")).getMessage());
        assertEquals("[audio_embedding] requires [audio]: base64-encoded audio",
            expectThrows(IllegalArgumentException.class, () -> parse("{\"model_id\": \"m\", \"audio\": \"\"}")).getMessage());
        assertTrue(expectThrows(IllegalArgumentException.class, () -> parse("{\"model_id\": \"m\", \"audio\": \"@@\"}")).getMessage()
            .startsWith("[audio_embedding] [audio] is not valid base64"));
        assertEquals("[audio_embedding] [audio] must hold base64-encoded audio as a string, found integer",
            expectThrows(IllegalArgumentException.class, () -> parse("{\"model_id\": \"m\", \"audio\": 7}")).getMessage());
        assertTrue(expectThrows(IllegalArgumentException.class, () -> parse("{\"model_id\": \"m\", \"audio\": \"UklGRg==\", \"x\": 1}"))
            .getMessage().contains("[audio_embedding] unknown field [x]"));
    }
}
