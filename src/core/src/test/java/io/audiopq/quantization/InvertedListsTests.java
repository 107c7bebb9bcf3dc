package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class InvertedListsTests extends LuceneTestCase {

    public void testBuilderGroupsByListKeepingInsertionOrder() {
        int nlist = 1 + random().nextInt(8), codeSize = 1 + random().nextInt(5), n = random().nextInt(200);
        List<List<int[]>> expected = new ArrayList<>();
        for (int l = 0; l < nlist; l++) {
            expected.add(new ArrayList<>());
        }
        InvertedLists.Builder builder = new InvertedLists.Builder(nlist, codeSize);
        for (int i = 0; i < n; i++) {
            int list = random().nextInt(nlist);
            int ord = random().nextInt(1_000_000);
            byte[] code = new byte[codeSize + 2];
            random().nextBytes(code);
            builder.add(list, ord, code, 1);
            int[] entry = new int[codeSize + 1];
            entry[0] = ord;
            for (int j = 0; j < codeSize; j++) {
                entry[j + 1] = code[1 + j];
            }
            expected.get(list).add(entry);
        }
        InvertedLists lists = builder.build();
        assertEquals(n, lists.size());
        assertEquals(nlist, lists.nlist());
        for (int l = 0; l < nlist; l++) {
            assertEquals(expected.get(l).size(), lists.listSize(l));
            for (int i = 0; i < lists.listSize(l); i++) {
                int pos = lists.listStart(l) + i;
                int[] entry = expected.get(l).get(i);
                assertEquals(entry[0], lists.ords()[pos]);
                for (int j = 0; j < codeSize; j++) {
                    assertEquals(entry[j + 1], lists.codes()[pos * codeSize + j]);
                }
            }
        }
        InvertedLists reread = InvertedLists.of(
            codeSize,
            lists.offsets().clone(),
            lists.ords().clone(),
            lists.codes().clone()
        );
        assertArrayEquals(lists.offsets(), reread.offsets());
        assertArrayEquals(lists.ords(), reread.ords());
        assertArrayEquals(lists.codes(), reread.codes());
    }

    public void testInconsistentArraysAreRejected() {
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> InvertedLists.of(2, new int[] { 0, 2, 1, 3 }, new int[3], new byte[6])
        );
        assertTrue(e.getMessage(), e.getMessage().contains("must not decrease"));
        e = expectThrows(IllegalArgumentException.class, () -> InvertedLists.of(2, new int[] { 0, 3 }, new int[3], new byte[5]));
        assertTrue(e.getMessage(), e.getMessage().contains("ords*codeSize=6"));
        e = expectThrows(IllegalArgumentException.class, () -> InvertedLists.of(2, new int[] { 0, 2 }, new int[3], new byte[6]));
        assertTrue(e.getMessage(), e.getMessage().contains("from 0 to the number of ords (3)"));
        e = expectThrows(IllegalArgumentException.class, () -> InvertedLists.of(2, new int[] { 0 }, new int[0], new byte[0]));
        assertTrue(e.getMessage(), e.getMessage().contains("nlist+1 >= 2"));
        e = expectThrows(IllegalArgumentException.class, () -> new InvertedLists.Builder(0, 4));
        assertEquals("nlist must be >= 1, got 0", e.getMessage());
        InvertedLists.Builder builder = new InvertedLists.Builder(3, 1);
        e = expectThrows(IllegalArgumentException.class, () -> builder.add(3, 0, new byte[1], 0));
        assertEquals("list id must be in [0, nlist=3), got 3", e.getMessage());
        assertEquals(0, Arrays.stream(builder.build().offsets()).sum());
    }
}
