package io.audiopq.elasticsearch.action;

import io.audiopq.elasticsearch.mapper.PqVectorFieldMapper;
import io.audiopq.elasticsearch.query.ClusterMappings;
import io.audiopq.model.CodebookTraining;
import io.audiopq.model.ModelBundleWriter;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.Similarity;
import io.audiopq.model.TrainingSample;
import io.audiopq.quantization.IvfPqQuantizer;
import io.audiopq.quantization.KMeans;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.search.ClosePointInTimeRequest;
import org.elasticsearch.action.search.OpenPointInTimeRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.action.search.TransportClosePointInTimeAction;
import org.elasticsearch.action.search.TransportOpenPointInTimeAction;
import org.elasticsearch.action.search.TransportSearchAction;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.client.internal.ParentTaskAssigningClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.common.xcontent.support.XContentMapValues;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.IndexNotFoundException;
import org.apache.lucene.search.join.ScoreMode;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.aggregations.AggregationBuilders;
import org.elasticsearch.search.aggregations.bucket.SingleBucketAggregation;
import org.elasticsearch.indices.breaker.CircuitBreakerService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.PointInTimeBuilder;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.search.sort.SortBuilders;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code POST _audio_pq/models/{name}/_train}, on the generic pool, as a {@link TrainModelTask}:
 * <ol>
 *   <li><b>checking</b>: every precondition before anything is read, each a 400 naming the
 *       parameter (name and 409s through {@link TransportPutModelAction}'s own checks);</li>
 *   <li><b>sampling</b>: reads the field's float vectors from {@code _source} (with
 *       {@code exclude_vectors: false}, so 9.x indices that keep vectors out of the stored source
 *       give them back too) through a point in time in {@code _shard_doc} order, keeping a seeded
 *       uniform sample of at most {@code max_vectors} ({@link TrainingSample}); the sample's memory is
 *       reserved on the request circuit breaker until the task ends;</li>
 *   <li><b>training</b>: {@link CodebookTraining}, the same code as {@code make-bundle.sh}, with a
 *       progress hook that updates the task and stops it when cancelled;</li>
 *   <li><b>storing</b>: the bundle, zipped in memory, goes through {@link TransportPutModelAction#put}
 *       (validation, the system index, every node loads it).</li>
 * </ol>
 * Nothing is stored before the last step, so a failed or cancelled training leaves nothing behind.
 */
public final class TransportTrainModelAction extends TransportAction<TrainModelAction.Request, TrainModelAction.Response> {

    /** Floats one page of hits may hold (their _source is parsed into boxed numbers: ~12 MB at this size). */
    static final int PAGE_FLOATS = 500_000;
    /** Elasticsearch's default index.max_result_window bounds one page. */
    static final int MAX_PAGE_SIZE = 10_000;
    private static final TimeValue KEEP_ALIVE = TimeValue.timeValueMinutes(5);
    private static final String NESTED_AGG = "vectors";
    /** Bytes held per sampled float: the sample, its row-major copy and one subspace's slice. */
    static final int BYTES_PER_FLOAT = 3 * Float.BYTES;

    private final ClusterService clusterService;
    private final Client client;
    private final IndexNameExpressionResolver resolver;
    private final CircuitBreakerService breakers;
    private final TransportPutModelAction put;

    @Inject
    public TransportTrainModelAction(TransportService transportService, ActionFilters actionFilters, ThreadPool threadPool,
        ClusterService clusterService, Client client, IndexNameExpressionResolver resolver, CircuitBreakerService breakers,
        TransportPutModelAction put) {
        super(TrainModelAction.NAME, actionFilters, transportService.getTaskManager(), threadPool.executor(ThreadPool.Names.GENERIC));
        this.clusterService = clusterService;
        this.client = client;
        this.resolver = resolver;
        this.breakers = breakers;
        this.put = put;
    }

    @Override
    protected void doExecute(Task task, TrainModelAction.Request request, ActionListener<TrainModelAction.Response> listener) {
        ActionListener.completeWith(listener, () -> train((TrainModelTask) task, request));
    }

    /** One index's mapping of the field, as far as training needs it. */
    record FieldVectors(String index, String type, int dims, String similarity, String nestedPath) {}

    private TrainModelAction.Response train(TrainModelTask task, TrainModelAction.Request request) throws Exception {
        long start = System.nanoTime();
        String name = request.name();
        TransportPutModelAction.checkName(name);
        put.checkNotTaken(name);

        ClusterState state = clusterService.state();
        List<String> indices = resolveIndices(state, request.index());
        List<FieldVectors> fields = new ArrayList<>();
        for (String index : indices) {
            fields.add(fieldVectors(state.metadata().getProject().index(index), request.field()));
        }
        int d = dimensions(request.field(), fields);
        Similarity similarity = request.similarity() != null ? request.similarity() : fieldSimilarity(request.field(), fields);
        int m = request.m();
        if (m > d || d % m != 0) {
            throw new IllegalArgumentException("[m] " + m + " must divide the dimensions of field [" + request.field() + "], which are " + d);
        }
        Client tasks = new ParentTaskAssigningClient(client, new TaskId(clusterService.localNode().getId(), task.getId()));
        String[] targets = indices.toArray(String[]::new);
        String nestedPath = nestedPath(request.field(), fields);
        long count = count(tasks, targets, request.field(), nestedPath);
        task.vectorsTotal(count);
        int ksub = 1 << request.bits();
        if (count < ksub) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                "[bits] %d needs at least %d vectors (2^bits codewords per subspace; ideally 30x that), but field [%s] holds %d in %s",
                request.bits(), ksub, request.field(), count, indices));
        }
        int n = (int) Math.min(count, request.maxVectors());
        if ((long) n * d > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("[max_vectors] " + request.maxVectors() + " vectors of " + d + " dimensions do not fit one training "
                + "array; ask for at most " + (Integer.MAX_VALUE - 16) / d);
        }
        List<String> warnings = new ArrayList<>();
        int nlist = 0;
        String nlistRule = null;
        if (request.ivf()) {
            if (request.nlist() != CodebookTraining.AUTO_NLIST) {
                nlist = request.nlist();
                CodebookTraining.checkNlist(nlist, n, IvfPqQuantizer.Encoding.DIRECT, "[ivf.nlist]", "[ivf.encoding]");
                if ((long) nlist * CodebookTraining.MIN_POINTS_PER_CENTROID > n) {
                    warnings.add(String.format(Locale.ROOT, "[ivf.nlist] %d is trained on %d vectors, fewer than %d per centroid (FAISS warns "
                        + "below that); the automatic rule would choose %d", nlist, n, CodebookTraining.MIN_POINTS_PER_CENTROID,
                        CodebookTraining.autoNlist(n)));
                }
            }
        }

        long bytes = (long) n * d * BYTES_PER_FLOAT;
        CircuitBreaker breaker = breakers.getBreaker(CircuitBreaker.REQUEST);
        breaker.addEstimateBytesAndMaybeBreak(bytes, "audio_pq train [" + name + "] sample of " + n + " x " + d + " floats ("
            + ByteSizeValue.ofBytes(bytes) + ")");
        try {
            task.phase(TrainModelTask.Phase.SAMPLING);
            long seed = KMeans.Params.DEFAULT.seed();
            TrainingSample sample = new TrainingSample(n, similarity, seed);
            sample(task, tasks, targets, request.field(), nestedPath, d, pageSize(d), sample);
            if (sample.size() < ksub) {
                throw new IllegalArgumentException("[bits] " + request.bits() + " needs at least " + ksub + " vectors, but only " + sample.size()
                    + " of field [" + request.field() + "] could be read (documents deleted meanwhile?)");
            }
            if (request.ivf()) {
                // As the offline tool: the rule applies to the sample actually read (documents may have come or gone since the count).
                if (request.nlist() == CodebookTraining.AUTO_NLIST) {
                    nlist = CodebookTraining.autoNlist(sample.size());
                    nlistRule = CodebookTraining.autoNlistRule(sample.size());
                } else {
                    CodebookTraining.checkNlist(nlist, sample.size(), IvfPqQuantizer.Encoding.DIRECT, "[ivf.nlist]", "[ivf.encoding]");
                }
            }
            task.phase(TrainModelTask.Phase.TRAINING);
            task.plan(m, request.iterations());
            KMeans.Params params = new KMeans.Params(request.iterations(), seed, request.maxVectors(), false);
            KMeans.Progress progress = (stage, subspace, iteration) -> {
                task.ensureNotCancelled();
                task.iteration(stage, subspace, iteration);
            };
            float[] data = sample.toArray();
            CodebookTraining.Trained trained = CodebookTraining.train(data, sample.size(), d, m, request.bits(), nlist,
                IvfPqQuantizer.Encoding.DIRECT, params, progress);
            ModelDescriptor descriptor = CodebookTraining.descriptor(name, request.description(), similarity, trained,
                new ModelDescriptor.Training((long) sample.size(), seed, (long) request.iterations(),
                    "_train on index [" + request.index() + "] field [" + request.field() + "]"));
            byte[] archive = ModelBundleWriter.zip(descriptor, trained.pq(), trained.centroids());

            // The last point at which a cancellation is honoured: from here the bundle is stored whole or not at all.
            task.ensureNotCancelled();
            task.phase(TrainModelTask.Phase.STORING);
            PutModelAction.Response stored = put.put(new PutModelAction.Request(name, archive, null));
            return new TrainModelAction.Response(stored, indices, request.field(), sample.seen(), sample.size(), d, m, request.bits(),
                trained.nlist(), nlistRule, similarity, TimeValue.nsecToMSec(System.nanoTime() - start), warnings);
        } finally {
            breaker.addWithoutBreaking(-bytes);
        }
    }

    private List<String> resolveIndices(ClusterState state, String index) {
        String[] names;
        try {
            names = resolver.concreteIndexNames(state, IndicesOptions.strictExpandOpen(), index);
        } catch (IndexNotFoundException e) {
            names = new String[0];
        }
        if (names.length == 0) {
            throw new IllegalArgumentException("[index] [" + index + "] matches no open index");
        }
        List<String> sorted = new ArrayList<>(Arrays.asList(names));
        sorted.sort(null);
        return sorted;
    }

    /** The field's mapping in one index: a float {@code dense_vector}, or a {@code pq_vector} that keeps its raw vectors. */
    static FieldVectors fieldVectors(IndexMetadata index, String field) {
        String name = index.getIndex().getName();
        Map<String, Object> mapping = ClusterMappings.fieldMapping(index.mapping(), field);
        if (mapping == null) {
            throw new IllegalArgumentException("[field] [" + field + "] is not mapped in index [" + name + "]");
        }
        Object type = mapping.getOrDefault("type", "object");
        if ("dense_vector".equals(type)) {
            Object elementType = mapping.getOrDefault("element_type", "float");
            if ("float".equals(elementType) == false) {
                throw new IllegalArgumentException("[field] [" + field + "] in index [" + name + "] is a [dense_vector] of element_type ["
                    + elementType + "]; training needs float vectors");
            }
        } else if (PqVectorFieldMapper.CONTENT_TYPE.equals(type)) {
            if (Boolean.FALSE.equals(mapping.get("store_raw"))) {
                throw new IllegalArgumentException("[field] [" + field + "] in index [" + name + "] is a [pq_vector] with [store_raw: false]: "
                    + "only its codes are kept, not the float vectors training needs");
            }
        } else {
            throw new IllegalArgumentException("[field] [" + field + "] in index [" + name + "] is of type [" + type
                + "]; training needs a [dense_vector] (float) or [pq_vector] field");
        }
        int dims = mapping.get("dims") instanceof Number number ? number.intValue() : -1;
        return new FieldVectors(name, (String) type, dims, mapping.get("similarity") instanceof String s ? s : null,
            nestedPath(index, field));
    }

    /**
     * The innermost {@code nested} object the field lives in (e.g. {@code segments} for the
     * processor's {@code segments.embedding}), or null: its vectors are nested documents, counted
     * and matched through that path, several per parent document.
     */
    static String nestedPath(IndexMetadata index, String field) {
        for (int dot = field.lastIndexOf('.'); dot > 0; dot = field.lastIndexOf('.', dot - 1)) {
            Map<String, Object> parent = ClusterMappings.fieldMapping(index.mapping(), field.substring(0, dot));
            if (parent != null && "nested".equals(parent.get("type"))) {
                return field.substring(0, dot);
            }
        }
        return null;
    }

    /** The field's one nested path across the indices (null: not nested); a field nested in some indices only is refused. */
    static String nestedPath(String field, List<FieldVectors> fields) {
        List<String> paths = fields.stream().map(f -> String.valueOf(f.nestedPath())).distinct().toList();
        if (paths.size() > 1) {
            throw new IllegalArgumentException("[field] [" + field + "] is nested differently in the resolved indices (nested paths "
                + paths + "); narrow [index]");
        }
        return fields.get(0).nestedPath();
    }

    /** The one dimension of the field across the indices (an index whose mapping has no dims yet holds no vectors). */
    static int dimensions(String field, List<FieldVectors> fields) {
        Map<Integer, List<String>> byDims = new TreeMap<>();
        for (FieldVectors f : fields) {
            if (f.dims() > 0) {
                byDims.computeIfAbsent(f.dims(), k -> new ArrayList<>()).add(f.index());
            }
        }
        if (byDims.isEmpty()) {
            throw new IllegalArgumentException("[field] [" + field + "] has no dimensions yet in " + fields.stream().map(FieldVectors::index).toList()
                + ": no vector has been indexed");
        }
        if (byDims.size() > 1) {
            List<String> found = new ArrayList<>();
            byDims.forEach((dims, in) -> found.add(dims + " in " + in));
            throw new IllegalArgumentException("[field] [" + field + "] has different dimensions in the resolved indices: "
                + String.join(", ", found) + "; a codebook has one dimension: narrow [index]");
        }
        return byDims.keySet().iterator().next();
    }

    /** The field's similarity when it is one a bundle can have; {@code dense_vector}'s default for float vectors is cosine. */
    static Similarity fieldSimilarity(String field, List<FieldVectors> fields) {
        FieldVectors first = fields.get(0);
        String name = first.similarity() != null ? first.similarity() : "cosine";
        return Similarity.fromJsonName(name).orElseThrow(() -> new IllegalArgumentException("field [" + field + "] in index [" + first.index()
            + "] has similarity [" + name + "], which a bundle cannot have; pass [similarity] (one of " + Similarity.jsonNames() + ")"));
    }

    /** Vectors of the field: documents that have it, or with a nested path, nested documents that have it. */
    private static long count(Client client, String[] indices, String field, String nestedPath) {
        SearchSourceBuilder source = new SearchSourceBuilder().query(matching(field, nestedPath)).size(0).trackTotalHits(true);
        if (nestedPath != null) {
            source.aggregation(AggregationBuilders.nested(NESTED_AGG, nestedPath)
                .subAggregation(AggregationBuilders.filter(NESTED_AGG, QueryBuilders.existsQuery(field))));
        }
        SearchResponse response = client.execute(TransportSearchAction.TYPE, new SearchRequest(indices).source(source)).actionGet();
        try {
            if (nestedPath == null) {
                return response.getHits().getTotalHits().value();
            }
            SingleBucketAggregation nested = response.getAggregations().get(NESTED_AGG);
            return ((SingleBucketAggregation) nested.getAggregations().get(NESTED_AGG)).getDocCount();
        } finally {
            response.decRef();
        }
    }

    private static QueryBuilder matching(String field, String nestedPath) {
        QueryBuilder exists = QueryBuilders.existsQuery(field);
        return nestedPath == null ? exists : QueryBuilders.nestedQuery(nestedPath, exists, ScoreMode.None);
    }

    /** Reads every vector of the field through a point in time (a stable view, in {@code _shard_doc} order) into the sample. */
    private static void sample(TrainModelTask task, Client client, String[] indices, String field, String nestedPath, int d, int pageSize,
        TrainingSample sample) throws IOException {
        BytesReference pit = client.execute(TransportOpenPointInTimeAction.TYPE, new OpenPointInTimeRequest(indices).keepAlive(KEEP_ALIVE))
            .actionGet()
            .getPointInTimeId();
        try {
            Object[] after = null;
            while (true) {
                task.ensureNotCancelled();
                SearchSourceBuilder source = new SearchSourceBuilder().query(matching(field, nestedPath))
                    .size(pageSize)
                    .trackTotalHits(false)
                    .pointInTimeBuilder(new PointInTimeBuilder(pit).setKeepAlive(KEEP_ALIVE))
                    .sort(SortBuilders.pitTiebreaker())
                    .fetchSource(FetchSourceContext.of(true, false, new String[] { field }, null));
                if (after != null) {
                    source.searchAfter(after);
                }
                SearchResponse response = client.execute(TransportSearchAction.TYPE, new SearchRequest().source(source)).actionGet();
                try {
                    SearchHit[] hits = response.getHits().getHits();
                    for (SearchHit hit : hits) {
                        String where = "index [" + hit.getIndex() + "] document [" + hit.getId() + "]";
                        for (float[] vector : vectors(hit, field, nestedPath)) {
                            if (vector.length != d) {
                                throw new IllegalArgumentException("[field] [" + field + "] of " + where + " has " + vector.length
                                    + " values in _source, but the mapping says " + d + " dimensions");
                            }
                            sample.accept(vector, where);
                        }
                    }
                    task.vectorsRead(sample.seen());
                    if (hits.length < pageSize) {
                        return;
                    }
                    after = hits[hits.length - 1].getSortValues();
                    pit = response.pointInTimeId() != null ? response.pointInTimeId() : pit;
                } finally {
                    response.decRef();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } finally {
            client.execute(TransportClosePointInTimeAction.TYPE, new ClosePointInTimeRequest(pit)).actionGet();
        }
    }

    /** Documents per page for vectors of d dimensions: about {@link #PAGE_FLOATS} floats, 100 to {@link #MAX_PAGE_SIZE}. */
    static int pageSize(int d) {
        return Math.max(100, Math.min(MAX_PAGE_SIZE, PAGE_FLOATS / d));
    }

    /** The document's vector, or with a nested path each of its nested objects' vectors. */
    private static List<float[]> vectors(SearchHit hit, String field, String nestedPath) {
        Map<String, Object> source = hit.getSourceAsMap();
        if (nestedPath == null) {
            return List.of(vector(hit, field, XContentMapValues.extractValue(field, source)));
        }
        Object objects = XContentMapValues.extractValue(nestedPath, source);
        String inner = field.substring(nestedPath.length() + 1);
        List<float[]> vectors = new ArrayList<>();
        for (Object object : objects instanceof List<?> list ? list : List.of(objects)) {
            Object value = object instanceof Map<?, ?> map ? XContentMapValues.extractValue(inner, map) : null;
            if (value != null) {
                vectors.add(vector(hit, field, value));
            }
        }
        return vectors;
    }

    private static float[] vector(SearchHit hit, String field, Object value) {
        if (value instanceof List<?> list && list.isEmpty() == false) {
            float[] vector = new float[list.size()];
            for (int i = 0; i < vector.length; i++) {
                if (list.get(i) instanceof Number number) {
                    vector[i] = number.floatValue();
                } else {
                    throw notAVector(hit, field, value);
                }
            }
            return vector;
        }
        throw notAVector(hit, field, value);
    }

    private static IllegalArgumentException notAVector(SearchHit hit, String field, Object value) {
        String shown = String.valueOf(value);
        return new IllegalArgumentException("[field] [" + field + "] of index [" + hit.getIndex() + "] document [" + hit.getId()
            + "] is not one array of numbers in _source (" + (shown.length() > 100 ? shown.substring(0, 100) + "..." : shown)
            + "); arrays of vectors are supported only inside a [nested] object");
    }
}
