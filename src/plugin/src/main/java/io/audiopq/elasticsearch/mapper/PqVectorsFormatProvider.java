package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.lucene.CodebookProvider;
import io.audiopq.lucene.PqFormatConfig;
import io.audiopq.lucene.PqVectorsFormat;
import io.audiopq.model.ModelBundle;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.ProductQuantizer;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.index.FieldInfo;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;
import org.elasticsearch.index.mapper.vectors.VectorsFormatProvider;

import java.util.concurrent.ExecutorService;

/**
 * Hands the child {@code dense_vector} of one {@code pq_vector} field the plugin's
 * {@link PqVectorsFormat}, encoding with the codebook of the field's model bundle, and with its IVF
 * centroids when the mapping's {@code ivf.centroids} is {@code bundle}.
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
        PqFormatConfig config = PqFormatConfig.DEFAULT.withStoreRaw(storeRaw);
        if (ivf != null && PqVectorFieldMapper.IvfOptions.BUNDLE.equals(ivf.centroids())) {
            // Global IVF: the bundle's centroids (and codebook) for every segment and merge.
            config = config.withNprobe(ivf.nprobe()).withCodebookProvider(new CodebookProvider() {
                @Override
                public ProductQuantizer codebookFor(FieldInfo info) {
                    return bundle().quantizer();
                }

                @Override
                public IvfPqQuantizer ivfFor(FieldInfo info) {
                    return bundle().ivf();
                }
            });
        } else {
            config = config.withCodebookProvider(info -> bundle().quantizer());
            if (ivf != null) {
                // The fallback: the bundle's codebook stays fixed and each segment trains only its coarse
                // quantiser (segments too small for nlist lists are written without them).
                config = config.withNlist(ivf.nlist()).withNprobe(ivf.nprobe());
            }
        }
        return new PqVectorsFormat(config);
    }

    private ModelBundle bundle() {
        return bundles.requireMatching(field, model, checksum, "write segments of");
    }

    @Override
    public String toString() {
        return "PqVectorsFormatProvider[field=" + field + ", model=" + model + ", checksum=" + checksum + ", storeRaw=" + storeRaw + ", ivf=" + ivf + "]";
    }
}
