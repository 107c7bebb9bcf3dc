package io.audiopq.lucene;

import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;

/**
 * How a field's PQ codes sit in the codes file. The writer and reader touch codes only through
 * this type, so another layout (e.g. 4-bit codes in transposed blocks of 32 for in-register
 * lookups) is one more constant here plus a wire id recorded in the meta file.
 */
enum CodeLayout {

    /** n × M bytes: code of ord 0, then ord 1, ...; one unpacked byte per subquantiser, so a scan is sequential. */
    ORD_MAJOR(0) {
        @Override
        long byteSize(int count, int m) {
            return (long) count * m;
        }

        @Override
        CodeWriter newWriter(IndexOutput out, int m) {
            return new CodeWriter() {
                @Override
                public void add(byte[] code) throws IOException {
                    out.writeBytes(code, 0, m);
                }

                @Override
                public void finish() {}
            };
        }

        @Override
        void readCodes(IndexInput codes, int m, int fromOrd, int count, byte[] dest) throws IOException {
            codes.seek((long) fromOrd * m);
            codes.readBytes(dest, 0, count * m);
        }
    };

    final int wireId;

    CodeLayout(int wireId) {
        this.wireId = wireId;
    }

    /** Bytes taken by {@code count} codes of M subquantisers. */
    abstract long byteSize(int count, int m);

    /** A writer that appends codes, in ord order, at the output's current position. */
    abstract CodeWriter newWriter(IndexOutput out, int m);

    /**
     * Reads the codes of ords {@code [fromOrd, fromOrd + count)} into {@code dest} as consecutive
     * M-byte codes (the form {@link io.audiopq.quantization.AdcTable#distance} scans).
     *
     * @param codes a slice holding exactly this field's codes
     */
    abstract void readCodes(IndexInput codes, int m, int fromOrd, int count, byte[] dest) throws IOException;

    static CodeLayout fromWireId(int wireId) {
        for (CodeLayout layout : values()) {
            if (layout.wireId == wireId) {
                return layout;
            }
        }
        return null;
    }

    /** Appends codes in ord order. */
    interface CodeWriter {
        void add(byte[] code) throws IOException;

        /** Flushes anything buffered (a partial block). */
        void finish() throws IOException;
    }
}
