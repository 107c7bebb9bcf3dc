package io.audiopq.elasticsearch.query;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.get.GetRequest;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.Strings;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.xcontent.support.XContentMapValues;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.elasticsearch.xcontent.ConstructingObjectParser.constructorArg;
import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

/**
 * {@code "like": {"index": "...", "id": "...", "routing": "..."}}: query by example. The vector is
 * the document's value of the queried field, read from its {@code _source} with a GET on the
 * coordinating node. The document itself is not excluded from the results (it is its own nearest
 * neighbour); add a {@code must_not} {@code ids} clause to leave it out.
 */
public final class LikeDocument implements QueryVectorSource {

    public static final String NAME = "like";
    private static final ParseField INDEX = new ParseField("index");
    private static final ParseField ID = new ParseField("id");
    private static final ParseField ROUTING = new ParseField("routing");

    private static final ConstructingObjectParser<LikeDocument, Void> PARSER = new ConstructingObjectParser<>(
        NAME,
        false,
        args -> new LikeDocument((String) args[0], (String) args[1], (String) args[2])
    );
    static {
        PARSER.declareString(constructorArg(), INDEX);
        PARSER.declareString(constructorArg(), ID);
        PARSER.declareString(optionalConstructorArg(), ROUTING);
    }

    private final String index;
    private final String id;
    private final String routing;

    public LikeDocument(String index, String id, String routing) {
        if (Strings.isNullOrEmpty(index)) {
            throw new IllegalArgumentException("[pq_knn] [like] requires [index]");
        }
        if (Strings.isNullOrEmpty(id)) {
            throw new IllegalArgumentException("[pq_knn] [like] requires [id]");
        }
        this.index = index;
        this.id = id;
        this.routing = routing;
    }

    public LikeDocument(StreamInput in) throws IOException {
        this(in.readString(), in.readString(), in.readOptionalString());
    }

    public static LikeDocument fromXContent(XContentParser parser) throws IOException {
        return PARSER.parse(parser, null);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(index);
        out.writeString(id);
        out.writeOptionalString(routing);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public String key() {
        return NAME;
    }

    public String index() {
        return index;
    }

    public String id() {
        return id;
    }

    public String routing() {
        return routing;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(INDEX.getPreferredName(), index);
        builder.field(ID.getPreferredName(), id);
        if (routing != null) {
            builder.field(ROUTING.getPreferredName(), routing);
        }
        return builder.endObject();
    }

    @Override
    public void resolve(String field, Client client, ActionListener<float[]> listener) {
        GetRequest request = new GetRequest(index, id).routing(routing)
            .fetchSourceContext(FetchSourceContext.of(true, new String[] { field }, Strings.EMPTY_ARRAY));
        client.get(request, listener.delegateFailureAndWrap((l, response) -> l.onResponse(vectorOf(field, response))));
    }

    float[] vectorOf(String field, GetResponse response) {
        if (response.isExists() == false) {
            throw new ResourceNotFoundException("[pq_knn] [like]: document [{}] does not exist in index [{}]", id, index);
        }
        if (response.isSourceEmpty()) {
            throw new IllegalArgumentException(
                "[pq_knn] [like]: document [" + id + "] in index [" + index + "] has no _source to read field [" + field + "] from"
            );
        }
        return vectorOf(field, response.getSourceAsMap());
    }

    float[] vectorOf(String field, Map<String, Object> source) {
        String where = "[pq_knn] [like]: document [" + id + "] in index [" + index + "]";
        // An array of objects on the way (nested segments) holds one vector per object: ambiguous.
        for (int dot = field.indexOf('.'); dot > 0; dot = field.indexOf('.', dot + 1)) {
            if (XContentMapValues.extractValue(field.substring(0, dot), source) instanceof List<?> objects) {
                throw new IllegalArgumentException(
                    where + " has " + objects.size() + " vectors in field [" + field + "] (one per object of [" + field.substring(0, dot)
                        + "]); [like] needs a document with exactly one"
                );
            }
        }
        Object value = XContentMapValues.extractValue(field, source);
        if (value == null) {
            throw new IllegalArgumentException(where + " has no value for field [" + field + "]");
        }
        if (value instanceof List<?> list && list.isEmpty() == false && list.stream().allMatch(v -> v instanceof Number)) {
            float[] vector = new float[list.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = ((Number) list.get(i)).floatValue();
            }
            return vector;
        }
        throw new IllegalArgumentException(where + ": field [" + field + "] is not an array of numbers");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LikeDocument other && index.equals(other.index) && id.equals(other.id) && Objects.equals(routing, other.routing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, id, routing);
    }

    @Override
    public String toString() {
        return Strings.toString(this);
    }
}
