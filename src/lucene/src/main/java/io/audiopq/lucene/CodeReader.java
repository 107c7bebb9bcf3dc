package io.audiopq.lucene;

import io.audiopq.quantization.FastScanCodes;
import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;

/**
 * Random access to one field's codes by ord, whatever the layout: maps the ord to its position
 * (IVF fields store codes list by list), and for the packed 4-bit layout keeps the last block read,
 * since callers mostly walk ords in order. Not thread-safe: one per scorer or values instance.
 */
final class CodeReader {

    private final PqFieldEntry entry;
    private final IndexInput codes;
    private final RandomAccessInput ordToPosition;
    private final int m;
    private final byte[] code;
    private final byte[] blockData;
    private final FastScanCodes block;
    private int cachedBlock = -1;

    CodeReader(PqFieldEntry entry, IndexInput codesData) throws IOException {
        this.entry = entry;
        this.codes = entry.codesSlice(codesData);
        this.ordToPosition = entry.ivf() == null ? null : entry.ivf().ordToPosition(codesData);
        this.m = entry.quantizer().codeSize();
        this.code = new byte[m];
        if (entry.layout() == CodeLayout.FAST_SCAN_4BIT) {
            blockData = new byte[FastScanCodes.blockBytes(m)];
            block = FastScanCodes.wrap(blockData, FastScanCodes.BLOCK, m);
        } else {
            blockData = null;
            block = null;
        }
    }

    /** Where the code of {@code ord} is stored: the ord itself, or its place in the inverted lists. */
    int position(int ord) throws IOException {
        return ordToPosition == null ? ord : ordToPosition.readInt((long) Integer.BYTES * ord);
    }

    /** The unpacked M-byte code at {@code position}; the returned array is reused by the next call. */
    byte[] codeAt(int position) throws IOException {
        if (block == null) {
            entry.layout().readCodes(codes, m, position, 1, code);
            return code;
        }
        // IVF lists each start a block: a position's place among the blocks skips earlier lists' padding.
        int index = entry.ivf() == null ? position : entry.ivf().blockIndex(position);
        int b = index / FastScanCodes.BLOCK;
        if (b != cachedBlock) {
            CodeLayout.readBlocks(codes, m, b, 1, blockData);
            cachedBlock = b;
        }
        block.unpack(index % FastScanCodes.BLOCK, code, 0);
        return code;
    }
}
