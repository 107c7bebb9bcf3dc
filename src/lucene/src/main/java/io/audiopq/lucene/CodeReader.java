package io.audiopq.lucene;

import io.audiopq.quantization.CodeSource;
import io.audiopq.quantization.FastScanCodes;
import java.io.IOException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;

/**
 * One field's codes in a segment's codes file, whatever the layout: the {@link CodeSource} that
 * {@link io.audiopq.quantization.PqSearch} scans, and random access by ord for scorers (maps the
 * ord to its position, as IVF fields store codes list by list; for the packed 4-bit layout keeps
 * the last block read, since callers mostly walk ords in order). Not thread-safe: one per search,
 * scorer or values instance.
 */
final class CodeReader implements CodeSource {

    private final PqFieldEntry entry;
    private final IndexInput codes;
    private final RandomAccessInput ordToPosition;
    private final RandomAccessInput positionToOrd;
    private final int m;
    private final byte[] code;
    private final byte[] blockData;
    private final FastScanCodes block;
    private int cachedBlock = -1;

    CodeReader(PqFieldEntry entry, IndexInput codesData) throws IOException {
        this.entry = entry;
        this.codes = entry.codesSlice(codesData);
        this.ordToPosition = entry.ivf() == null ? null : entry.ivf().ordToPosition(codesData);
        this.positionToOrd = entry.ivf() == null ? null : entry.ivf().positionToOrd(codesData);
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

    @Override
    public int m() {
        return m;
    }

    @Override
    public void readCodes(int from, int count, byte[] dest) throws IOException {
        entry.layout().readCodes(codes, m, from, count, dest);
    }

    @Override
    public void readBlocks(int fromBlock, int blocks, byte[] dest) throws IOException {
        CodeLayout.readBlocks(codes, m, fromBlock, blocks, dest);
    }

    @Override
    public int ordAt(int position) throws IOException {
        return positionToOrd == null ? position : positionToOrd.readInt((long) Integer.BYTES * position);
    }

    /** The unpacked M-byte code at {@code position}; the returned array is reused by the next call. */
    @Override
    public byte[] codeAt(int position) throws IOException {
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
