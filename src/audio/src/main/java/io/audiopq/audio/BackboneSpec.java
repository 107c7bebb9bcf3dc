package io.audiopq.audio;

/**
 * How to call a backbone model: its input, layout and outputs (mn04: input {@code spec}
 * [batch,1,128,T], embedding output {@code features} [batch,384], classifier output
 * {@code logits} [batch,527]).
 *
 * @param input           input name
 * @param layout          input layout
 * @param embeddingOutput output holding the embedding
 * @param logitsOutput    classifier output (scores before the sigmoid), or null when the model has none
 * @param minFrames       shortest spectrogram the model accepts; shorter ones are padded with the
 *                        front end's value for silence (CNNs with several stride-2 stages need a few frames)
 * @param maxBatch        most segments per inference call
 */
public record BackboneSpec(String input, InputLayout layout, String embeddingOutput, String logitsOutput, int minFrames, int maxBatch) {

    public BackboneSpec {
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException("backbone input name must be set");
        }
        if (layout == null) {
            throw new IllegalArgumentException("backbone input layout must be set");
        }
        if (embeddingOutput == null || embeddingOutput.isEmpty()) {
            throw new IllegalArgumentException("backbone embedding output name must be set");
        }
        if (minFrames < 1) {
            throw new IllegalArgumentException("minFrames must be >= 1, got " + minFrames);
        }
        if (maxBatch < 1 || maxBatch > 4096) {
            throw new IllegalArgumentException("maxBatch must be between 1 and 4096, got " + maxBatch);
        }
    }

    /** EfficientAT mn*_as as exported to ONNX (see ../shared/models/efficientat-mn04/MODEL.md). */
    public static BackboneSpec efficientAt() {
        return new BackboneSpec("spec", InputLayout.BATCH_1_MELS_FRAMES, "features", "logits", 1, 64);
    }
}
