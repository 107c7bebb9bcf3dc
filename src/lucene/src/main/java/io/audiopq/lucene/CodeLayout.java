package io.audiopq.lucene;

import io.audiopq.quantization.FastScanCodes;
import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;

/**
 * How a field's PQ codes sit in the codes file. The writer and reader touch codes only through
 * this type; its wire id is recorded per field in the meta file.
 *
 * <p>Codes are addressed by <em>position</em>: the ord itself for an exhaustive field, the place in
 * the list-by-list order for an IVF field (see {@link PqIvf}).
 */
enum CodeLayout {

    /** n × M bytes: code of position 0, then 1, ...; one unpacked byte per subquantiser, so a scan is sequential. */
    ORD_MAJOR(0) {
        @Override
        long byteSize(int count, int m) {
            return (long) count * m;
        }

        @Override
        CodeWriter newWriter(IndexOutput out, int m) {
            return new CodeWriter() {
                @Override
                public void add(byte[] code, int offset) throws IOException {
                    out.writeBytes(code, offset, m);
                }

                @Override
                public void finish() {}
            };
        }

        @Override
        void readCodes(IndexInput codes, int m, int from, int count, byte[] dest) throws IOException {
            codes.seek((long) from * m);
            codes.readBytes(dest, 0, count * m);
        }
    },

    /**
     * 4-bit codes in {@link FastScanCodes} blocks of 32: each block is {@link FastScanCodes#blockBytes}
     * bytes, subquantiser-major and nibble-packed, the last block padded with code 0. This is
     * what {@link io.audiopq.quantization.FastScanScanner} reads, so a scan loads the blocks as they
     * are; single codes are unpacked from their block.
     */
    FAST_SCAN_4BIT(1) {
        @Override
        long byteSize(int count, int m) {
            return (long) FastScanCodes.blocks(count) * FastScanCodes.blockBytes(m);
        }

        @Override
        CodeWriter newWriter(IndexOutput out, int m) {
            return new CodeWriter() {
                private final byte[] pending = new byte[FastScanCodes.BLOCK * m];
                private int size;

                @Override
                public void add(byte[] code, int offset) throws IOException {
                    System.arraycopy(code, offset, pending, size * m, m);
                    if (++size == FastScanCodes.BLOCK) {
                        flushBlock();
                    }
                }

                @Override
                public void finish() throws IOException {
                    if (size > 0) {
                        flushBlock();
                    }
                }

                private void flushBlock() throws IOException {
                    byte[] packed = FastScanCodes.pack(pending, size, m).data();
                    out.writeBytes(packed, 0, packed.length);
                    size = 0;
                }
            };
        }

        @Override
        void readCodes(IndexInput codes, int m, int from, int count, byte[] dest) throws IOException {
            if (count == 0) {
                return;
            }
            int firstBlock = from / FastScanCodes.BLOCK;
            int lastBlock = (from + count - 1) / FastScanCodes.BLOCK;
            int blocks = lastBlock - firstBlock + 1;
            byte[] data = new byte[blocks * FastScanCodes.blockBytes(m)];
            readBlocks(codes, m, firstBlock, blocks, data);
            FastScanCodes packed = FastScanCodes.wrap(data, blocks * FastScanCodes.BLOCK, m);
            int base = firstBlock * FastScanCodes.BLOCK;
            for (int i = 0; i < count; i++) {
                packed.unpack(from + i - base, dest, i * m);
            }
        }
    };

    final int wireId;

    CodeLayout(int wireId) {
        this.wireId = wireId;
    }

    /** The layout the writer uses for a codebook of {@code nbits}-bit codes (in IVF fields, within each list: see {@link PqIvf}). */
    static CodeLayout forNbits(int nbits) {
        return nbits == 4 ? FAST_SCAN_4BIT : ORD_MAJOR;
    }

    /** Bytes taken by {@code count} codes of M subquantisers. */
    abstract long byteSize(int count, int m);

    /** A writer that appends codes, in position order, at the output's current position. */
    abstract CodeWriter newWriter(IndexOutput out, int m);

    /**
     * Reads the codes of positions {@code [from, from + count)} into {@code dest} as consecutive
     * unpacked M-byte codes (the form {@link io.audiopq.quantization.AdcTable#distance} scans).
     *
     * @param codes a slice holding exactly this field's codes
     */
    abstract void readCodes(IndexInput codes, int m, int from, int count, byte[] dest) throws IOException;

    /** Reads {@code blocks} packed {@link #FAST_SCAN_4BIT} blocks from block {@code fromBlock} into {@code dest}. */
    static void readBlocks(IndexInput codes, int m, int fromBlock, int blocks, byte[] dest) throws IOException {
        int blockBytes = FastScanCodes.blockBytes(m);
        codes.seek((long) fromBlock * blockBytes);
        codes.readBytes(dest, 0, blocks * blockBytes);
    }

    static CodeLayout fromWireId(int wireId) {
        for (CodeLayout layout : values()) {
            if (layout.wireId == wireId) {
                return layout;
            }
        }
        return null;
    }

    /** Appends codes in position order. */
    interface CodeWriter {
        /** Appends the M-byte code at {@code code[offset ..]}. */
        void add(byte[] code, int offset) throws IOException;

        /** Flushes anything buffered (a partial block). */
        void finish() throws IOException;
    }
}
