package io.audiopq.elasticsearch.ingest;

import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.model.AudioEmbedderCache;
import io.audiopq.model.ModelRegistry;

import org.elasticsearch.ingest.IngestDocument;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Throughput of the {@code audio_embedding} processor on one thread (one intra-op thread): every
 * {@code .ogg}/{@code .wav} under a folder, base64-encoded in a document, processed with the
 * processor's defaults (clip + segment embeddings, tags if any). Prints seconds of audio per second
 * per core. Not a test (timings vary with the machine); run by hand:
 *
 * <pre>java -cp target/classes:target/test-classes:$(test classpath) io.audiopq.elasticsearch.ingest.ProcessorThroughput MODELS_DIR BUNDLE AUDIO_DIR</pre>
 */
public final class ProcessorThroughput {

    private ProcessorThroughput() {}

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        String bundle = args[1];
        List<String> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of(args[2]))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".ogg") || p.toString().endsWith(".wav")).sorted().toList()) {
                docs.add(Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
            }
        }
        try (AudioEmbedderCache audio = new AudioEmbedderCache(1)) {
            ModelRegistry registry = ModelRegistry.load(models, ModelRegistry.Listener.NONE, audio::check);
            AudioEmbeddingProcessorFactory factory = new AudioEmbeddingProcessorFactory(AudioEmbeddingService.unbounded(() -> registry, audio));
            AudioEmbeddingProcessor p = factory.create(null, null, null, new HashMap<>(Map.of("field", "audio", "model_id", bundle)), null);
            for (int pass = 0; pass < 2; pass++) { // pass 0 warms up (JIT, ONNX Runtime's lazy initialisation)
                double seconds = 0;
                long start = System.nanoTime();
                for (String doc : docs) {
                    IngestDocument d = new IngestDocument("i", "id", 1, null, null, new HashMap<>(Map.of("audio", doc)));
                    p.execute(d);
                    seconds += d.getFieldValue("audio_embedding.audio.duration", Double.class);
                }
                double wall = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "%s pass %d: %d documents, %.1f s of audio in %.2f s on one thread = %.1f s of audio per second per core%n",
                    bundle, pass, docs.size(), seconds, wall, seconds / wall);
            }
        }
    }
}
