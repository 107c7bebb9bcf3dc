package io.audiopq.tools;

import io.audiopq.model.StrictJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Streams vectors from a file a user already has, one at a time, so files larger than memory can
 * feed a sampler:
 * <ul>
 *   <li>JSON lines: one vector per line, either an array of numbers or an object whose
 *       {@code field} key holds that array; blank lines are skipped;</li>
 *   <li>{@code .fvecs} (the TEXMEX/FAISS format): per vector a little-endian int32 dimension
 *       followed by that many little-endian float32 values.</li>
 * </ul>
 * Errors name the file and the line (or vector number) and what was wrong.
 */
final class VectorFileReader {

    /** Input file formats. */
    enum Format {
        JSONL,
        FVECS;

        /** {@code .fvecs} files are fvecs; anything else is read as JSON lines. */
        static Format detect(Path file) {
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".fvecs") ? FVECS : JSONL;
        }
    }

    /** Receives each vector with a human-readable location ({@code file:line}). */
    interface Sink {
        void accept(float[] vector, String location) throws IOException;
    }

    // Guards against reading garbage as a huge vector; Elasticsearch's dense_vector stops at 4096.
    private static final int MAX_FVECS_DIMENSION = 1 << 16;

    private VectorFileReader() {}

    static void read(Path file, Format format, String field, Sink sink) throws IOException {
        switch (format) {
            case JSONL -> readJsonLines(file, field, sink);
            case FVECS -> readFvecs(file, sink);
        }
    }

    private static void readJsonLines(Path file, String field, Sink sink) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String location = file + ":" + lineNumber;
                JsonNode value;
                try {
                    value = StrictJson.parse(line);
                } catch (JsonProcessingException e) {
                    throw new IOException(location + ": not valid JSON: " + StrictJson.describe(e));
                }
                if (value.isObject()) {
                    if (value.has(field) == false) {
                        throw new IOException(location + ": object has no key [" + field + "] (choose the key with --field)");
                    }
                    value = value.get(field);
                }
                if (value.isArray() == false) {
                    throw new IOException(
                        location + ": expected an array of numbers or an object with key [" + field + "], got " + StrictJson.typeName(value)
                    );
                }
                sink.accept(toFloats(value, location), location);
            }
        }
    }

    private static float[] toFloats(JsonNode array, String location) throws IOException {
        if (array.isEmpty()) {
            throw new IOException(location + ": empty vector");
        }
        float[] vector = new float[array.size()];
        for (int i = 0; i < vector.length; i++) {
            JsonNode element = array.get(i);
            if (element.isNumber() == false) {
                throw new IOException(location + ": element " + i + " is " + StrictJson.typeName(element) + ", expected a number");
            }
            float f = element.floatValue();
            if (Float.isFinite(f) == false) {
                throw new IOException(location + ": element " + i + " (" + element + ") does not fit a float");
            }
            vector[i] = f;
        }
        return vector;
    }

    private static void readFvecs(Path file, Sink sink) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] header = new byte[Integer.BYTES];
            long index = 0;
            while (true) {
                int first = in.read();
                if (first == -1) {
                    return;
                }
                header[0] = (byte) first;
                String location = file + ": vector " + index;
                readFully(in, header, 1, 3, location);
                int d = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
                if (d < 1 || d > MAX_FVECS_DIMENSION) {
                    throw new IOException(location + ": dimension " + d + " is out of range [1, " + MAX_FVECS_DIMENSION + "]; is this an .fvecs file?");
                }
                byte[] body = new byte[d * Float.BYTES];
                readFully(in, body, 0, body.length, location);
                float[] vector = new float[d];
                ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
                for (int i = 0; i < d; i++) {
                    if (Float.isFinite(vector[i]) == false) {
                        throw new IOException(location + ": element " + i + " is " + vector[i]);
                    }
                }
                sink.accept(vector, location);
                index++;
            }
        }
    }

    private static void readFully(InputStream in, byte[] buffer, int offset, int length, String location) throws IOException {
        int done = 0;
        while (done < length) {
            int read = in.read(buffer, offset + done, length - done);
            if (read == -1) {
                throw new EOFException(location + ": file ends in the middle of a vector");
            }
            done += read;
        }
    }
}
