package io.audiopq.quantization;

import java.util.Arrays;

/**
 * The inverted lists of an IVF index: for each list id in [0, nlist), the ordinals of the vectors
 * assigned to it and their codes, in the same order. Stored flat so that a storage layer can write
 * and read three arrays: {@code offsets} (nlist + 1 entries; list l spans
 * {@code [offsets[l], offsets[l+1])}), {@code ords} (one per vector) and {@code codes}
 * ({@code codeSize} bytes per vector, in the same order as {@code ords}).
 *
 * <p>Immutable once built; {@link Builder} collects vectors in any order.
 */
public final class InvertedLists {

    private final int nlist;
    private final int codeSize;
    private final int[] offsets;
    private final int[] ords;
    private final byte[] codes;

    private InvertedLists(int nlist, int codeSize, int[] offsets, int[] ords, byte[] codes) {
        this.nlist = nlist;
        this.codeSize = codeSize;
        this.offsets = offsets;
        this.ords = ords;
        this.codes = codes;
    }

    /**
     * Wraps arrays read back from storage (not copied), checking that they are consistent.
     *
     * @throws IllegalArgumentException when the arrays do not describe nlist lists of codeSize-byte codes
     */
    public static InvertedLists of(int codeSize, int[] offsets, int[] ords, byte[] codes) {
        if (codeSize < 1) {
            throw new IllegalArgumentException("codeSize must be >= 1, got " + codeSize);
        }
        if (offsets.length < 2) {
            throw new IllegalArgumentException("offsets must hold nlist+1 >= 2 entries, got " + offsets.length);
        }
        if (offsets[0] != 0 || offsets[offsets.length - 1] != ords.length) {
            throw new IllegalArgumentException(
                "offsets must run from 0 to the number of ords (" + ords.length + "), got " + offsets[0] + ".."
                    + offsets[offsets.length - 1]
            );
        }
        for (int l = 1; l < offsets.length; l++) {
            if (offsets[l] < offsets[l - 1]) {
                throw new IllegalArgumentException("offsets must not decrease, but offsets[" + l + "] < offsets[" + (l - 1) + "]");
            }
        }
        if (codes.length != (long) ords.length * codeSize) {
            throw new IllegalArgumentException(
                "codes must hold ords*codeSize=" + (long) ords.length * codeSize + " bytes, got " + codes.length
            );
        }
        return new InvertedLists(offsets.length - 1, codeSize, offsets, ords, codes);
    }

    public int nlist() {
        return nlist;
    }

    /** Bytes per code. */
    public int codeSize() {
        return codeSize;
    }

    /** Total number of vectors over all lists. */
    public int size() {
        return ords.length;
    }

    /** Number of vectors in list {@code list}. */
    public int listSize(int list) {
        return offsets[list + 1] - offsets[list];
    }

    /** Position of list {@code list}'s first entry in {@link #ords()} (and, times codeSize, in {@link #codes()}). */
    public int listStart(int list) {
        return offsets[list];
    }

    /** nlist + 1 offsets; not copied, do not mutate. */
    public int[] offsets() {
        return offsets;
    }

    /** All ordinals, list by list; not copied, do not mutate. */
    public int[] ords() {
        return ords;
    }

    /** All codes, list by list, codeSize bytes each; not copied, do not mutate. */
    public byte[] codes() {
        return codes;
    }

    @Override
    public String toString() {
        return "InvertedLists(nlist=" + nlist + ", codeSize=" + codeSize + ", size=" + ords.length + ")";
    }

    /**
     * Collects (list, ordinal, code) entries in any order; {@link #build()} groups them by list,
     * keeping insertion order within a list. Not thread-safe.
     */
    public static final class Builder {
        private final int nlist;
        private final int codeSize;
        private int size;
        private int[] listOf = new int[16];
        private int[] ordOf = new int[16];
        private byte[] codes;

        public Builder(int nlist, int codeSize) {
            if (nlist < 1) {
                throw new IllegalArgumentException("nlist must be >= 1, got " + nlist);
            }
            if (codeSize < 1) {
                throw new IllegalArgumentException("codeSize must be >= 1, got " + codeSize);
            }
            this.nlist = nlist;
            this.codeSize = codeSize;
            this.codes = new byte[16 * codeSize];
        }

        /** Adds the vector {@code ord} to list {@code list} with the code at {@code code[codeOffset..]}. */
        public Builder add(int list, int ord, byte[] code, int codeOffset) {
            if (list < 0 || list >= nlist) {
                throw new IllegalArgumentException("list id must be in [0, nlist=" + nlist + "), got " + list);
            }
            if (size == listOf.length) {
                int capacity = Math.max(16, size + (size >> 1));
                listOf = Arrays.copyOf(listOf, capacity);
                ordOf = Arrays.copyOf(ordOf, capacity);
                codes = Arrays.copyOf(codes, Math.multiplyExact(capacity, codeSize));
            }
            listOf[size] = list;
            ordOf[size] = ord;
            System.arraycopy(code, codeOffset, codes, size * codeSize, codeSize);
            size++;
            return this;
        }

        public InvertedLists build() {
            // Counting sort by list id: stable, so insertion order survives within each list.
            int[] offsets = new int[nlist + 1];
            for (int i = 0; i < size; i++) {
                offsets[listOf[i] + 1]++;
            }
            for (int l = 0; l < nlist; l++) {
                offsets[l + 1] += offsets[l];
            }
            int[] next = Arrays.copyOf(offsets, nlist);
            int[] ords = new int[size];
            byte[] sortedCodes = new byte[size * codeSize];
            for (int i = 0; i < size; i++) {
                int pos = next[listOf[i]]++;
                ords[pos] = ordOf[i];
                System.arraycopy(codes, i * codeSize, sortedCodes, pos * codeSize, codeSize);
            }
            return new InvertedLists(nlist, codeSize, offsets, ords, sortedCodes);
        }
    }
}
