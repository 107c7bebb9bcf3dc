package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.lucene.PqFormatConfig;
import io.audiopq.lucene.PqVectorsFormat;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;
import org.elasticsearch.index.mapper.vectors.VectorsFormatProvider;

import java.util.concurrent.ExecutorService;

/**
 * Hands the child {@code dense_vector} of one {@code pq_vector} field the plugin's
 * {@link PqVectorsFormat}, encoding with the codebook of the field's model bundle.
 *
 * <p>The codebook is looked up when a segment is written (flush or merge), not when the mapping is
 * built: a node whose bundle differs from the one the mapping recorded fails the write with
 * {@link NodeBundles.BundleMismatchException} rather than encoding with another codebook. Readers
 * need nothing from here: segments carry their codebook and reopen through SPI.
 */
final class PqVectorsFormatProvider implements VectorsFormatProvider {

    private final String field;
    private final String model;
    private final String checksum;
    private final boolean storeRaw;
    /** Null: exhaustive (no inverted lists). */
    private final PqVectorFieldMapper.IvfOptions ivf;
    private final NodeBundles bundles;

    PqVectorsFormatProvider(
        String field,
        String model,
        String checksum,
        boolean storeRaw,
        PqVectorFieldMapper.IvfOptions ivf,
        NodeBundles bundles
    ) {
        this.field = field;
        this.model = model;
        this.checksum = checksum;
        this.storeRaw = storeRaw;
        this.ivf = ivf;
        this.bundles = bundles;
    }

    @Override
    public KnnVectorsFormat getKnnVectorsFormat(
        IndexSettings indexSettings,
        DenseVectorFieldMapper.DenseVectorIndexOptions indexOptions,
        DenseVectorFieldMapper.VectorSimilarity similarity,
        DenseVectorFieldMapper.ElementType elementType,
        ExecutorService mergingExecutorService,
        int maxMergingWorkers
    ) {
        PqFormatConfig config = PqFormatConfig.DEFAULT.withStoreRaw(storeRaw)
            .withCodebookProvider(info -> bundles.requireMatching(field, model, checksum, "write segments of").quantizer());
        if (ivf != null) {
            // The bundle's codebook stays fixed; each segment trains only its coarse quantiser (and
            // segments too small for nlist lists are written without them).
            config = config.withNlist(ivf.nlist()).withNprobe(ivf.nprobe());
        }
        return new PqVectorsFormat(config);
    }

    @Override
    public String toString() {
        return "PqVectorsFormatProvider[field=" + field + ", model=" + model + ", checksum=" + checksum + ", storeRaw=" + storeRaw + ", ivf=" + ivf + "]";
    }
}
