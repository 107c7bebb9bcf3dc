package io.audiopq.quantization;

import java.io.IOException;

/**
 * The PQ codes a {@link PqSearch} scans, addressed by <em>position</em> (the ord itself for an
 * exhaustive scan, the place in the list-by-list order for inverted lists: see {@link IvfLayout}),
 * in the style of Lucene's {@code RandomVectorScorer}: the search loops are written once against
 * this, and a storage layer (a Lucene segment's codes file, or arrays in memory) implements it.
 * Not thread-safe: one per search.
 */
public interface CodeSource {

    /** Bytes per unpacked code: M. */
    int m();

    /** Reads the codes of positions {@code [from, from + count)} into {@code dest} as consecutive unpacked M-byte codes. */
    void readCodes(int from, int count, byte[] dest) throws IOException;

    /** Reads {@code blocks} packed {@link FastScanCodes} blocks from block {@code fromBlock} into {@code dest} (4-bit codes only). */
    void readBlocks(int fromBlock, int blocks, byte[] dest) throws IOException;

    /** The unpacked M-byte code at {@code position}; the array may be reused by the next call. */
    byte[] codeAt(int position) throws IOException;

    /** The ord stored at {@code position}: the position itself unless codes are stored in inverted lists. */
    int ordAt(int position) throws IOException;
}
