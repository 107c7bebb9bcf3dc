package io.audiopq.elasticsearch.action;

import io.audiopq.audio.AudioEmbeddings;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.elasticsearch.AudioEmbeddingService;
import io.audiopq.elasticsearch.ingest.AudioEmbeddingProcessorFactory;
import io.audiopq.model.AudioEmbedderCache;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

/**
 * Runs {@link EmbedAudioAction} on this node: decode and embed through the node's
 * {@link AudioEmbeddingService} (its concurrency limit and circuit breaker), the code path of the
 * ingest processor, with its default limits ({@code max_bytes} 64 MB,
 * {@code max_duration} 300 s). The work runs on the {@code search} thread pool (CPU-bound, like
 * the query that asks for it), never on a transport thread.
 */
public final class TransportEmbedAudioAction extends TransportAction<EmbedAudioAction.Request, EmbedAudioAction.Response> {

    static final DecodeLimits LIMITS = new DecodeLimits(
        AudioEmbeddingProcessorFactory.DEFAULT_MAX_BYTES.getBytes(),
        AudioEmbeddingProcessorFactory.DEFAULT_MAX_DURATION_SECONDS
    );

    private final AudioEmbeddingService audio;

    @Inject
    public TransportEmbedAudioAction(TransportService transportService, ActionFilters actionFilters, ThreadPool threadPool,
        AudioEmbeddingService audio) {
        super(EmbedAudioAction.NAME, actionFilters, transportService.getTaskManager(), threadPool.executor(ThreadPool.Names.SEARCH));
        this.audio = audio;
    }

    @Override
    protected void doExecute(Task task, EmbedAudioAction.Request request, ActionListener<EmbedAudioAction.Response> listener) {
        ActionListener.completeWith(listener, () -> {
            AudioEmbedderCache.BundleEmbedder bundle = audio.audioBundle(request.model(), "embedding audio");
            if (request.audio().length > LIMITS.maxBytes()) {
                throw new IllegalArgumentException("[audio] holds unusable audio (too_large): " + request.audio().length
                    + " bytes, more than max_bytes=" + LIMITS.maxBytes());
            }
            AudioEmbeddings embeddings = audio.embed(bundle, request.audio(), LIMITS, null, "[audio]");
            return new EmbedAudioAction.Response(bundle.bundle().name(), embeddings.embedding(), embeddings.audio());
        });
    }
}
