package io.audiopq.elasticsearch.action;

import io.audiopq.model.CodebookTraining;
import io.audiopq.model.Similarity;
import io.audiopq.quantization.KMeans;

import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.elasticsearch.action.ValidateActions.addValidationError;

/**
 * Trains a vectors bundle on vectors already indexed and registers it as {@code PUT} would
 * ({@code POST _audio_pq/models/{name}/_train}): see {@link TransportTrainModelAction}. Local only:
 * it runs as a cancellable task ({@link TrainModelTask}) on the node that receives it.
 */
public final class TrainModelAction {

    public static final String NAME = "cluster:admin/audio_pq/models/train";
    public static final ActionType<Response> INSTANCE = new ActionType<>(NAME);

    /** Default and upper bound of {@code max_vectors}: the sample must fit one float array. */
    public static final int DEFAULT_MAX_VECTORS = KMeans.Params.DEFAULT.maxTrainingPoints();
    public static final int MAX_ITERATIONS = 1000;

    static final ParseField INDEX = new ParseField("index");
    static final ParseField FIELD = new ParseField("field");
    static final ParseField M = new ParseField("m");
    static final ParseField BITS = new ParseField("bits");
    static final ParseField IVF = new ParseField("ivf");
    static final ParseField NLIST = new ParseField("nlist");
    static final ParseField MAX_VECTORS = new ParseField("max_vectors");
    static final ParseField SIMILARITY = new ParseField("similarity");
    static final ParseField ITERATIONS = new ParseField("iterations");
    static final ParseField DESCRIPTION = new ParseField("description");

    private static final ObjectParser<Request, Void> PARSER = new ObjectParser<>("audio_pq_train");
    private static final ObjectParser<IvfOptions, Void> IVF_PARSER = new ObjectParser<>("ivf", IvfOptions::new);

    /** The {@code ivf} object: {@code nlist} left out means the automatic rule. */
    private static final class IvfOptions {
        private int nlist = CodebookTraining.AUTO_NLIST;
    }

    static {
        PARSER.declareString(Request::setIndex, INDEX);
        PARSER.declareString(Request::setField, FIELD);
        PARSER.declareInt(Request::setM, M);
        PARSER.declareInt(Request::setBits, BITS);
        PARSER.declareObject((request, ivf) -> request.setIvf(ivf.nlist), (parser, context) -> IVF_PARSER.parse(parser, null), IVF);
        PARSER.declareInt(Request::setMaxVectors, MAX_VECTORS);
        PARSER.declareString(Request::setSimilarity, SIMILARITY);
        PARSER.declareInt(Request::setIterations, ITERATIONS);
        PARSER.declareString(Request::setDescription, DESCRIPTION);
        IVF_PARSER.declareInt((ivf, nlist) -> ivf.nlist = nlist, NLIST);
    }

    private TrainModelAction() {}

    /**
     * The body of {@code _train}. Shape errors are validation errors (400, all of them at once);
     * what needs the cluster (index, field, dimensions, vector count) is checked by the transport
     * action before anything is read.
     */
    public static final class Request extends ActionRequest {
        private final String name;
        private String index;
        private String field;
        private Integer m;
        private int bits = 8;
        private boolean ivf;
        private int nlist = CodebookTraining.AUTO_NLIST;
        private int maxVectors = DEFAULT_MAX_VECTORS;
        private String similarity;
        private int iterations = KMeans.Params.DEFAULT.iterations();
        private String description;
        private boolean storeResult;

        public Request(String name) {
            this.name = name;
        }

        /** Parses the body strictly: an unknown key is a 400 naming it. */
        public static Request parse(String name, XContentParser parser) throws IOException {
            return PARSER.parse(parser, new Request(name), null);
        }

        public String name() {
            return name;
        }

        public String index() {
            return index;
        }

        public String field() {
            return field;
        }

        public int m() {
            return m;
        }

        public int bits() {
            return bits;
        }

        /** Whether IVF centroids are trained ({@code ivf} given). */
        public boolean ivf() {
            return ivf;
        }

        /** The {@code ivf.nlist} asked for, or {@link CodebookTraining#AUTO_NLIST}. */
        public int nlist() {
            return nlist;
        }

        public int maxVectors() {
            return maxVectors;
        }

        /** The similarity asked for, or null for the field's. */
        public Similarity similarity() {
            return similarity == null ? null : Similarity.fromJsonName(similarity).orElseThrow();
        }

        public int iterations() {
            return iterations;
        }

        public String description() {
            return description;
        }

        public Request setIndex(String index) {
            this.index = index;
            return this;
        }

        public Request setField(String field) {
            this.field = field;
            return this;
        }

        public Request setM(int m) {
            this.m = m;
            return this;
        }

        public Request setBits(int bits) {
            this.bits = bits;
            return this;
        }

        /** Train IVF centroids: {@code nlist} of them, or {@link CodebookTraining#AUTO_NLIST}. */
        public Request setIvf(int nlist) {
            this.ivf = true;
            this.nlist = nlist;
            return this;
        }

        public Request setMaxVectors(int maxVectors) {
            this.maxVectors = maxVectors;
            return this;
        }

        public Request setSimilarity(String similarity) {
            this.similarity = similarity;
            return this;
        }

        public Request setIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        public Request setDescription(String description) {
            this.description = description;
            return this;
        }

        /** {@code wait_for_completion=false}: the task manager stores the result in {@code .tasks} for {@code GET _tasks/<id>}. */
        public Request setShouldStoreResult(boolean storeResult) {
            this.storeResult = storeResult;
            return this;
        }

        @Override
        public boolean getShouldStoreResult() {
            return storeResult;
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
            if (index == null || index.isEmpty()) {
                e = addValidationError("[index] is required: the index (or pattern or alias) to sample vectors from", e);
            }
            if (field == null || field.isEmpty()) {
                e = addValidationError("[field] is required: a [dense_vector] (float) or [pq_vector] field of [index]", e);
            }
            if (m == null) {
                e = addValidationError("[m] is required: the number of sub-quantisers, a divisor of the field's dimensions", e);
            } else if (m < 1) {
                e = addValidationError("[m] must be >= 1, got " + m, e);
            }
            if (bits != 4 && bits != 8) {
                e = addValidationError("[bits] must be 4 or 8, got " + bits, e);
            }
            if (ivf && nlist != CodebookTraining.AUTO_NLIST && (nlist < 1 || nlist > CodebookTraining.MAX_NLIST)) {
                e = addValidationError("[ivf.nlist] must be in [1, " + CodebookTraining.MAX_NLIST + "] (or left out for the automatic rule), got " + nlist, e);
            }
            if (maxVectors < 1) {
                e = addValidationError("[max_vectors] must be >= 1, got " + maxVectors, e);
            }
            if (similarity != null && Similarity.fromJsonName(similarity).isEmpty()) {
                e = addValidationError("[similarity] must be one of " + Similarity.jsonNames() + ", got [" + similarity + "]", e);
            }
            if (iterations < 0 || iterations > MAX_ITERATIONS) {
                e = addValidationError("[iterations] must be in [0, " + MAX_ITERATIONS + "], got " + iterations, e);
            }
            return e;
        }

        @Override
        public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
            return new TrainModelTask(id, type, action, getDescription(), parentTaskId, headers);
        }

        @Override
        public String getDescription() {
            return String.format(Locale.ROOT, "train model [%s] on index [%s] field [%s] (m=%s, bits=%d%s)", name, index, field, m, bits,
                ivf ? ", ivf" : "");
        }

        @Override
        public void writeTo(StreamOutput out) {
            TransportAction.localOnly();
        }
    }

    /** What was trained from what, and the registration's result (as {@code PUT} answers). */
    public static final class Response extends ActionResponse implements ToXContentObject {
        private final PutModelAction.Response stored;
        private final List<String> indices;
        private final String field;
        private final long vectorsRead;
        private final int vectorsUsed;
        private final int dimensions;
        private final int m;
        private final int bits;
        private final int nlist;
        private final String nlistRule;
        private final Similarity similarity;
        private final long tookMillis;
        private final List<String> warnings;

        Response(PutModelAction.Response stored, List<String> indices, String field, long vectorsRead, int vectorsUsed, int dimensions, int m,
            int bits, int nlist, String nlistRule, Similarity similarity, long tookMillis, List<String> warnings) {
            this.stored = stored;
            this.indices = indices;
            this.field = field;
            this.vectorsRead = vectorsRead;
            this.vectorsUsed = vectorsUsed;
            this.dimensions = dimensions;
            this.m = m;
            this.bits = bits;
            this.nlist = nlist;
            this.nlistRule = nlistRule;
            this.similarity = similarity;
            this.tookMillis = tookMillis;
            this.warnings = warnings;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            stored.toXContentFields(builder);
            builder.startObject("training");
            builder.field("indices", indices);
            builder.field("field", field);
            builder.field("vectors_read", vectorsRead);
            builder.field("vectors_used", vectorsUsed);
            builder.field("dimensions", dimensions);
            builder.field("similarity", similarity.jsonName());
            builder.field("m", m);
            builder.field("bits", bits);
            builder.field("nlist", nlist);
            if (nlistRule != null) {
                builder.field("nlist_rule", nlistRule);
            }
            builder.field("took_in_millis", tookMillis);
            builder.endObject();
            if (warnings.isEmpty() == false) {
                builder.field("warnings", warnings);
            }
            return builder.endObject();
        }

        @Override
        public void writeTo(StreamOutput out) {
            TransportAction.localOnly();
        }
    }
}
