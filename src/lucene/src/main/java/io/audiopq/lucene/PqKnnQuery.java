package io.audiopq.lucene;

import io.audiopq.quantization.AdcTable;
import io.audiopq.quantization.TopKHeap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;

/**
 * Top-k PQ search over the whole index reader (an Elasticsearch shard), a {@link KnnFloatVectorQuery}
 * whose {@link #rewrite} is its own: PQ codes are scanned with one ADC table per distinct
 * codebook, built once for the query and shared by the segments, the shard's best
 * {@code ceil(k × oversample)} candidates across all segments are rescored exactly where raw
 * vectors are stored, and the query rewrites to the resulting (doc, score) list. A filter is
 * applied inside the scan, with an exact search when it is selective; the searcher's timeout and
 * executor are honoured.
 *
 * <p>Where a segment's field has inverted lists, {@code nprobe} of them are scanned (the field's
 * default unless the query names a number). Segments whose field is not written with
 * {@link PqVectorsFormat} contribute candidates from their own format's search.
 */
public class PqKnnQuery extends KnnFloatVectorQuery {

    /** Use the oversample each segment's field was written with. */
    public static final float FIELD_DEFAULT_OVERSAMPLE = -1f;

    /**
     * A filter accepting at most this fraction of a shard's vectors (or at most the candidates
     * wanted) is searched exactly: every accepted document is scored, reading its code directly,
     * rather than scanning all codes (or probing lists) and skipping the others. Reading a code on
     * its own costs roughly ten times a code in a scan, so below a few percent it is also faster.
     */
    public static final double EXACT_FILTER_FRACTION = 0.05;

    /** Use the nprobe each segment's field was written with. */
    public static final int FIELD_DEFAULT_NPROBE = PqVectorsReader.FIELD_DEFAULT_NPROBE;

    /**
     * With the field's default oversample, a shard of up to this many accepted vectors rescores
     * {@code ceil(k × oversample)} candidates, and a larger one
     * {@code × (n / }{@value}{@code )^}{@value #DEFAULT_DEPTH_EXPONENT}: ADC's ranking error is
     * fixed while more neighbours crowd inside it as a shard grows, so a fixed depth loses recall
     * (0.97 → 0.91 from 100k to 300k vectors in the end-to-end bench). Both constants were chosen
     * on development Gaussian mixtures unlike the bench's data (RescoreDepthStudy in src/bench,
     * docs/pq-knn.md): the smallest rule keeping recall@10 ≥ 0.97 up to 1M vectors there.
     */
    public static final long DEFAULT_DEPTH_REFERENCE_VECTORS = 30_000;

    /** See {@link #DEFAULT_DEPTH_REFERENCE_VECTORS}. */
    public static final double DEFAULT_DEPTH_EXPONENT = 0.75;

    /** The grown default depth stops here, Elasticsearch's own limit on {@code num_candidates}. */
    public static final long MAX_DEFAULT_DEPTH = 10_000;

    private final float oversample;
    private final int nprobe;
    /** ADC tables by {@link PqVectorsReader#tableKey}: a pure function of codebook, similarity and target, so caching is invisible. */
    private final Map<String, AdcTable> tables = new ConcurrentHashMap<>();

    public PqKnnQuery(String field, float[] target, int k) {
        this(field, target, k, null, FIELD_DEFAULT_OVERSAMPLE);
    }

    /**
     * @param filter     documents to consider, or {@code null} for all
     * @param oversample {@link #FIELD_DEFAULT_OVERSAMPLE}, 0 for pure ADC scores, or at least 1 to
     *                   rescore the shard's best {@code ceil(k × oversample)} candidates with the raw vectors
     */
    public PqKnnQuery(String field, float[] target, int k, Query filter, float oversample) {
        this(field, target, k, filter, oversample, FIELD_DEFAULT_NPROBE);
    }

    /**
     * @param filter     documents to consider, or {@code null} for all
     * @param oversample {@link #FIELD_DEFAULT_OVERSAMPLE}, 0 for pure ADC scores, or at least 1 to
     *                   rescore the shard's best {@code ceil(k × oversample)} candidates with the raw vectors
     * @param nprobe     {@link #FIELD_DEFAULT_NPROBE}, or how many inverted lists to scan in segments
     *                   that have them (at least 1; more than a segment's nlist scans all its lists)
     */
    public PqKnnQuery(String field, float[] target, int k, Query filter, float oversample, int nprobe) {
        super(field, target, k, filter);
        if (nprobe != FIELD_DEFAULT_NPROBE && nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be -1 (field default) or >= 1, got " + nprobe);
        }
        this.nprobe = nprobe;
        boolean valid = oversample == FIELD_DEFAULT_OVERSAMPLE
            || oversample == 0f
            || (oversample >= 1f && oversample <= PqFormatConfig.MAX_RESCORE_OVERSAMPLE);
        if (valid == false) {
            throw new IllegalArgumentException(
                "oversample must be -1 (field default), 0 (no rescoring) or in [1, " + PqFormatConfig.MAX_RESCORE_OVERSAMPLE + "], got " + oversample
            );
        }
        this.oversample = oversample;
    }

    public float getOversample() {
        return oversample;
    }
    /**
     * How many documents the query returns per index reader (shard): {@link #getK()} here; fewer
     * for {@link PqTopKQuery}, which collects {@code k} candidates but keeps only its top.
     */
    protected int resultCount() {
        return k;
    }

    /**
     * One candidate set per index reader (shard), whatever its segments: the best
     * {@code max(k, ceil(k × oversample))} documents by ADC score over <em>all</em> segments
     * (ties: lower doc id first), then, where raw vectors are stored, exact scores for those and
     * the best {@link #resultCount()} by exact score (ties: lower doc id). Each segment keeps its
     * own best {@code n} in its own heap (a segment's share of the shard's best {@code n} is among
     * its own best {@code n}), the heaps are merged into the shard's best {@code n}, and only
     * those are rescored: so splitting the same documents into other segments, or merging them,
     * changes neither the candidates nor the results (unlike per-segment rescoring, where each
     * segment rescored its own share and the shares depended on the segments' sizes). Exceptions
     * inherent to the data rather than the search: codebooks or inverted lists trained per
     * segment give other ADC values after a merge; a 4-bit segment pre-selects
     * {@value PqVectorsReader#FAST_SCAN_RERANK_FACTOR}·n codes by the quantised table before
     * exact ADC ranking.
     *
     * <p>A filter is applied inside the scan (only accepted documents are scored). When the
     * filter accepts at most {@code max(n, }{@value #EXACT_FILTER_FRACTION}{@code  × vectors)}
     * documents of the shard, every accepted document is scored directly instead (inverted lists
     * are then not consulted): an exact search over the filter, exact on raw vectors too when at
     * most {@code n} documents pass and rescoring is on. The choice is made once per shard, from
     * counts that do not depend on the segments.
     */
    @Override
    public Query rewrite(IndexSearcher searcher) throws IOException {
        IndexReader reader = searcher.getIndexReader();
        Weight filterWeight = null;
        if (filter != null) {
            Query rewritten = searcher.rewrite(
                new BooleanQuery.Builder().add(filter, BooleanClause.Occur.FILTER)
                    .add(new FieldExistsQuery(field), BooleanClause.Occur.FILTER)
                    .build()
            );
            if (rewritten.getClass() == MatchNoDocsQuery.class) {
                return rewritten;
            }
            filterWeight = searcher.createWeight(rewritten, ScoreMode.COMPLETE_NO_SCORES, 1f);
        }
        List<LeafReaderContext> leaves = reader.leaves();
        int leafCount = leaves.size();
        PqVectorsReader[] pqReaders = new PqVectorsReader[leafCount];
        AcceptDocs[] accepts = new AcceptDocs[leafCount];
        int[] leafAccepted = new int[leafCount];
        long vectors = 0, accepted = 0;
        float shardOversample = oversample == FIELD_DEFAULT_OVERSAMPLE ? 0f : oversample;
        for (LeafReaderContext leaf : leaves) {
            PqVectorsReader pq = PqVectorsReader.forField(leaf.reader(), field);
            pqReaders[leaf.ord] = pq;
            int leafVectors = pq != null ? pq.count(field) : vectorCount(leaf);
            if (leafVectors == 0) {
                continue;
            }
            if (pq != null && oversample == FIELD_DEFAULT_OVERSAMPLE) {
                // One value for the shard (segments written with one mapping agree).
                shardOversample = Math.max(shardOversample, pq.defaultOversample(field));
            }
            vectors += leafVectors;
            Bits liveDocs = leaf.reader().getLiveDocs();
            int maxDoc = leaf.reader().maxDoc();
            if (filterWeight == null) {
                accepts[leaf.ord] = liveDocs == null ? null : AcceptDocs.fromLiveDocs(liveDocs, maxDoc);
                leafAccepted[leaf.ord] = leafVectors;
                accepted += leafVectors;
            } else {
                Scorer scorer = filterWeight.scorer(leaf);
                if (scorer == null) {
                    continue;
                }
                AcceptDocs acceptDocs = AcceptDocs.fromIteratorSupplier(scorer::iterator, liveDocs, maxDoc);
                int cost = acceptDocs.cost();
                if (cost == 0) {
                    continue;
                }
                accepts[leaf.ord] = acceptDocs;
                leafAccepted[leaf.ord] = cost;
                accepted += cost;
            }
        }
        if (accepted == 0) {
            return new MatchNoDocsQuery("no document with a vector in [" + field + "] matches");
        }
        boolean rescore = shardOversample >= 1f;
        long candidateCount = rescore ? rescoreDepth(k, shardOversample, oversample == FIELD_DEFAULT_OVERSAMPLE, accepted) : k;
        int wanted = (int) Math.min(candidateCount, accepted);
        boolean exactFilter = filterWeight != null && accepted <= Math.max(wanted, (long) (EXACT_FILTER_FRACTION * vectors));
        QueryTimeout timeout = searcher.getTimeout();

        // 1. Each segment's best `wanted` by ADC score, in parallel where the searcher has an executor.
        List<Callable<LeafCandidates>> tasks = new ArrayList<>();
        for (LeafReaderContext leaf : leaves) {
            if (leafAccepted[leaf.ord] > 0) {
                // A segment never holds more of the shard's candidates than it has accepted documents.
                int leafWanted = Math.min(wanted, leafAccepted[leaf.ord]);
                tasks.add(() -> leafCandidates(leaf, pqReaders[leaf.ord], accepts[leaf.ord], exactFilter, leafWanted, timeout));
            }
        }
        List<LeafCandidates> perLeaf = searcher.getTaskExecutor().invokeAll(tasks);

        // 2. The shard's best `wanted`: a segment's share of them is among its own best `wanted`.
        TopKHeap shardCandidates = new TopKHeap(wanted, true);
        for (LeafCandidates candidates : perLeaf) {
            for (int i = 0; i < candidates.size; i++) {
                shardCandidates.offer(candidates.docBase + candidates.docs[i], candidates.scores[i]);
            }
        }
        int[] docs = new int[shardCandidates.size()];
        float[] scores = new float[docs.length];
        int n = shardCandidates.drainBestFirst(docs, scores);

        // 3. Exact scores for the shard's candidates, then its best resultCount().
        if (rescore) {
            rescoreInPlace(leaves, pqReaders, docs, scores, n);
        }
        TopKHeap results = new TopKHeap(Math.max(1, Math.min(resultCount(), n)), true);
        for (int i = 0; i < n; i++) {
            results.offer(docs[i], scores[i]);
        }
        int size = results.size();
        if (size == 0) {
            return new MatchNoDocsQuery("no document with a vector in [" + field + "] matches");
        }
        int[] topDocs = new int[size];
        float[] topScores = new float[size];
        results.drainBestFirst(topDocs, topScores);
        Integer[] byDoc = new Integer[size];
        for (int i = 0; i < size; i++) {
            byDoc[i] = i;
        }
        Arrays.sort(byDoc, (a, b) -> Integer.compare(topDocs[a], topDocs[b]));
        int[] sortedDocs = new int[size];
        float[] sortedScores = new float[size];
        for (int i = 0; i < size; i++) {
            sortedDocs[i] = topDocs[byDoc[i]];
            sortedScores[i] = topScores[byDoc[i]];
        }
        return new PqDocAndScoreQuery(reader, resultCount(), sortedDocs, sortedScores);
    }

    /** Vectors of the field in a segment not written with {@link PqVectorsFormat}. */
    private int vectorCount(LeafReaderContext leaf) throws IOException {
        FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(field);
        if (info == null || info.getVectorDimension() == 0) {
            return 0;
        }
        var values = leaf.reader().getFloatVectorValues(field);
        return values == null ? 0 : values.size();
    }

    /** One segment's best candidates by ADC score (doc ids of the segment), best first. */
    private record LeafCandidates(int docBase, int[] docs, float[] scores, int size) {}

    private LeafCandidates leafCandidates(
        LeafReaderContext leaf,
        PqVectorsReader pq,
        AcceptDocs acceptDocs,
        boolean exactFilter,
        int wanted,
        QueryTimeout timeout
    ) throws IOException {
        TopKHeap heap = new TopKHeap(wanted, true);
        if (pq != null) {
            String key = pq.tableKey(field);
            if (key == null) {
                return new LeafCandidates(leaf.docBase, new int[0], new float[0], 0);
            }
            AdcTable table = tables.computeIfAbsent(key, unused -> pq.adcTable(field, target));
            pq.collectCandidates(field, table, target, acceptDocs, exactFilter, nprobe, heap, timeout);
        } else {
            // Not PQ-encoded here: the segment's own search gives its candidates (with its own scores).
            FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(field);
            if (info == null || info.getVectorDimension() == 0) {
                return new LeafCandidates(leaf.docBase, new int[0], new float[0], 0);
            }
            TopKnnCollector collector = new TopKnnCollector(wanted, Integer.MAX_VALUE);
            AcceptDocs accept = acceptDocs != null ? acceptDocs : AcceptDocs.fromLiveDocs(null, leaf.reader().maxDoc());
            leaf.reader().searchNearestVectors(field, target, collector, accept);
            for (ScoreDoc hit : collector.topDocs().scoreDocs) {
                heap.offer(hit.doc, hit.score);
            }
        }
        int[] docs = new int[heap.size()];
        float[] scores = new float[docs.length];
        int size = heap.drainBestFirst(docs, scores);
        return new LeafCandidates(leaf.docBase, docs, scores, size);
    }

    /** Replaces the ADC scores of the candidates (global doc ids) in PQ segments that keep raw vectors by exact scores. */
    /**
     * How many ADC candidates a shard rescores: {@code max(k, ceil(k × oversample))}, grown with
     * the shard's accepted vectors when the oversample is the field's default (see
     * {@link #DEFAULT_DEPTH_REFERENCE_VECTORS}); an oversample the query names is taken as given.
     */
    public static long rescoreDepth(int k, float oversample, boolean fieldDefault, long accepted) {
        long depth = Math.max(k, (long) Math.ceil((double) k * oversample));
        if (fieldDefault == false || accepted <= DEFAULT_DEPTH_REFERENCE_VECTORS) {
            return depth;
        }
        double growth = Math.pow((double) accepted / DEFAULT_DEPTH_REFERENCE_VECTORS, DEFAULT_DEPTH_EXPONENT);
        return Math.max(depth, Math.min(MAX_DEFAULT_DEPTH, (long) Math.ceil(depth * growth)));
    }

    private void rescoreInPlace(List<LeafReaderContext> leaves, PqVectorsReader[] pqReaders, int[] docs, float[] scores, int n)
        throws IOException {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(docs[a], docs[b]));
        int[] leafDocs = new int[n];
        float[] leafScores = new float[n];
        for (int from = 0; from < n;) {
            int leafOrd = ReaderUtil.subIndex(docs[order[from]], leaves);
            LeafReaderContext leaf = leaves.get(leafOrd);
            int end = leaf.docBase + leaf.reader().maxDoc();
            int to = from;
            while (to < n && docs[order[to]] < end) {
                leafDocs[to - from] = docs[order[to]] - leaf.docBase;
                to++;
            }
            PqVectorsReader pq = pqReaders[leafOrd];
            if (pq != null && pq.hasRawVectors(field)) {
                pq.rescore(field, target, leafDocs, leafScores, to - from);
                for (int i = from; i < to; i++) {
                    scores[order[i]] = leafScores[i - from];
                }
            }
            from = to;
        }
    }

    @Override
    public String toString(String defaultField) {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append(':')
            .append(field).append('[').append(target[0]).append(",...]")
            .append('[').append(k).append(']');
        if (oversample != FIELD_DEFAULT_OVERSAMPLE) {
            b.append("[oversample=").append(oversample).append(']');
        }
        if (nprobe != FIELD_DEFAULT_NPROBE) {
            b.append("[nprobe=").append(nprobe).append(']');
        }
        if (filter != null) {
            b.append('[').append(filter).append(']');
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Float.compare(oversample, ((PqKnnQuery) o).oversample) == 0 && nprobe == ((PqKnnQuery) o).nprobe;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Float.hashCode(oversample)) + nprobe;
    }
}
