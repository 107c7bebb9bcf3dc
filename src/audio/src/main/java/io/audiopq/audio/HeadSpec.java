package io.audiopq.audio;

/**
 * A second model applied to the backbone's embedding (e.g. a Deep Quantization Network head):
 * [batch, D] in, [batch, D'] out; its output replaces the embedding.
 *
 * @param input  input name
 * @param output output name
 */
public record HeadSpec(String input, String output) {

    public HeadSpec {
        if (input == null || input.isEmpty() || output == null || output.isEmpty()) {
            throw new IllegalArgumentException("head input and output names must be set, got [" + input + "], [" + output + "]");
        }
    }
}
