package io.audiopq.lucene;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's conformance suite for the format with per-segment IVF: 4 lists, all probed (so search
 * is exhaustive over residual codes), segments below {@code 8 × nlist} vectors written without
 * lists. Per-segment training on the suite's small, random segments is part of what it checks.
 */
public class PqVectorsFormatIvfTests extends BaseKnnVectorsFormatTestCase {


    static final int NLIST = 4;

    @Override
    protected Codec getCodec() {
        return TestUtil.alwaysKnnVectorsFormat(new PqVectorsFormat(PqFormatConfig.DEFAULT.withNlist(NLIST).withNprobe(NLIST)));
    }

    /** As in {@link PqVectorsFormatTests}: raw vectors are kept per field, so there is no quantised fallback to test. */
    @Override
    protected boolean supportsFloatVectorFallback() {
        return false;
    }
}
