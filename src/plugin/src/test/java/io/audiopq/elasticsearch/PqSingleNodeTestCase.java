package io.audiopq.elasticsearch;

import io.audiopq.model.ModelBundle;

import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.search.SearchRequestBuilder;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentType;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertNoFailuresAndResponse;

/**
 * An in-JVM node with the plugin and the test bundles of {@link PqTestBundles} in its config
 * folder; helpers to create indices, index vectors and run JSON searches.
 */
public abstract class PqSingleNodeTestCase extends BundleNodeTestCase {

    protected static final String NODE_NAME = "pq-node";
    @Override
    protected String nodeName() {
        return NODE_NAME;
    }

    @Override
    protected void writeBundles(Path models) {
        PqTestBundles.writeAll(models.getParent().getParent());
    }

    protected static ModelBundle bundle(String name) {
        return PqTestBundles.load(modelsDir(), name);
    }

    /** Index settings every pq_vector test index uses: one shard, no replica, an Elasticsearch codec. */
    protected static Settings indexSettings() {
        return Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).put("index.codec", "default").build();
    }

    protected void createIndexWithMapping(String index, String propertiesJson) {
        indicesAdmin().prepareCreate(index).setSettings(indexSettings()).setMapping("{\"properties\": " + propertiesJson + "}").get();
        ensureGreen(index);
    }

    /** Indexes {@code docs} (id → source JSON) in one bulk and refreshes; fails on any item failure. */
    protected void indexDocs(String index, Map<String, String> docs) {
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        docs.forEach((id, source) -> bulk.add(client().prepareIndex(index).setId(id).setSource(source, XContentType.JSON)));
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());
    }

    protected static String vectorJson(float[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.append(']').toString();
    }

    /** A hit reduced to what the tests compare. */
    public record Hit(String id, float score, Map<String, Object> source, Map<String, List<Hit>> innerHits) {}

    protected SearchRequestBuilder searchRequest(String index, String bodyJson) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, bodyJson)) {
            return client().prepareSearch(index).setSource(new SearchSourceBuilder().parseXContent(parser, true, nf -> true));
        }
    }

    /** Runs a search given as a JSON body and returns its hits in order. */
    protected List<Hit> search(String index, String bodyJson) throws IOException {
        List<Hit> hits = new ArrayList<>();
        assertNoFailuresAndResponse(searchRequest(index, bodyJson), response -> {
            for (SearchHit hit : response.getHits().getHits()) {
                hits.add(toHit(hit));
            }
        });
        return hits;
    }

    private static Hit toHit(SearchHit hit) {
        Map<String, List<Hit>> inner = new LinkedHashMap<>();
        if (hit.getInnerHits() != null) {
            hit.getInnerHits().forEach((name, searchHits) -> inner.put(name, Arrays.stream(searchHits.getHits()).map(PqSingleNodeTestCase::toHit).toList()));
        }
        // Nested inner hits carry their parent's id; identify them by their offset in the parent's array.
        String id = hit.getNestedIdentity() != null ? String.valueOf(hit.getNestedIdentity().getOffset()) : hit.getId();
        return new Hit(id, hit.getScore(), hit.hasSource() ? hit.getSourceAsMap() : Map.of(), inner);
    }
}
