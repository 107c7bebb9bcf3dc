package io.audiopq.lucene;

import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.FieldInfo;

/**
 * A {@link CodebookProvider} for Lucene's conformance suite, whose fields have random dimensions:
 * one IVF-PQ model per dimension (4 lists, M = the largest divisor of D up to 4), trained once on
 * seeded Gaussian vectors and then shared by every segment and merge, as a bundle's model is.
 * Even dimensions get residual codes, odd ones direct codes, so a run covers both.
 */
final class GlobalIvfModels implements CodebookProvider {

    static final int NLIST = 4;

    private final int nbits;
    private final Map<Integer, IvfPqQuantizer> models = new ConcurrentHashMap<>();

    GlobalIvfModels(int nbits) {
        this.nbits = nbits;
    }

    @Override
    public ProductQuantizer codebookFor(FieldInfo field) {
        return ivfFor(field).pq();
    }

    @Override
    public IvfPqQuantizer ivfFor(FieldInfo field) {
        return models.computeIfAbsent(field.getVectorDimension(), this::train);
    }

    private IvfPqQuantizer train(int d) {
        int n = 1 << nbits;
        float[] data = new float[n * d];
        SplittableRandom random = new SplittableRandom(d);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        int m = PqFormatConfig.DEFAULT.withDefaultM(4).mFor(d);
        IvfPqQuantizer.Encoding encoding = d % 2 == 0 ? IvfPqQuantizer.Encoding.RESIDUAL : IvfPqQuantizer.Encoding.DIRECT;
        return IvfPqQuantizer.train(data, n, d, NLIST, m, nbits, encoding, new KMeans.Params(5, 42L, n, true));
    }
}
