package io.audiopq.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Jackson set up to read JSON strictly (RFC 8259), for model.json and JSON-lines vector files.
 * Jackson's defaults already reject comments, trailing commas, unquoted keys, leading zeros,
 * {@code NaN}/{@code Infinity} and unescaped control characters; on top of them this rejects
 * duplicate keys, empty input, content after the value, nesting deeper than {@value #MAX_DEPTH} and
 * numbers beyond the range of a double (which Jackson would read as infinity).
 *
 * <p>Values are Jackson trees ({@link JsonNode}); object keys keep their document order. Integers
 * are integral nodes (int, long or BigInteger, by size, so no digit is lost), other numbers
 * finite doubles.
 */
public final class StrictJson {

    // Documents nested deeper than this are rejected (Jackson's own limit is 1000).
    static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
        .build();

    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    private StrictJson() {}

    /** The factory the readers use; {@link ModelDescriptor#toJson()} writes with it too. */
    static JsonFactory factory() {
        return FACTORY;
    }

    /** Parses one JSON value that must make up the whole of {@code text} (surrounding whitespace allowed). */
    public static JsonNode parse(String text) throws JsonProcessingException {
        try (JsonParser parser = new FiniteNumbers(FACTORY.createParser(text))) {
            if (parser.nextToken() == null) {
                throw new JsonParseException(parser, "no JSON value");
            }
            JsonNode value = MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "unexpected content after the JSON value");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a string", e); // a String source does no I/O
        }
    }

    /** Fails on a non-integer number literal that a double cannot hold, such as {@code 1e999}. */
    private static final class FiniteNumbers extends JsonParserDelegate {
        FiniteNumbers(JsonParser parser) {
            super(parser);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            return checked(super.nextToken());
        }

        @Override
        public JsonToken nextValue() throws IOException {
            return checked(super.nextValue());
        }

        private JsonToken checked(JsonToken token) throws IOException {
            if (token == JsonToken.VALUE_NUMBER_FLOAT && Double.isFinite(getDoubleValue()) == false) {
                throw new JsonParseException(this, "number out of range: " + getText(), currentTokenLocation());
            }
            return token;
        }
    }

    /** A parse error as one line: Jackson's message and, where known, {@code at line L, column C}. */
    public static String describe(JsonProcessingException e) {
        JsonLocation where = e.getLocation();
        String message = e.getOriginalMessage();
        return where == null || where.getLineNr() < 1 ? message : message + " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    /** How a value is named in error messages: "object", "array", "string", "integer", "number", "boolean", "null". */
    public static String typeName(JsonNode value) {
        return switch (value.getNodeType()) {
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            case BINARY, MISSING, POJO -> throw new IllegalArgumentException("not a parsed JSON value: " + value.getNodeType());
        };
    }

    /** {@code s} as a JSON string literal, quotes included (for error messages). */
    static String quote(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }
}
