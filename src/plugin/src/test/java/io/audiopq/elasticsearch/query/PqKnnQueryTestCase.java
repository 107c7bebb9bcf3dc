package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioPqPlugin;

import org.elasticsearch.common.ParsingException;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.search.SearchModule;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/** Registries that know the plugin's queries and query inputs, and JSON parsing helpers, for {@code pq_knn} builder tests. */
public abstract class PqKnnQueryTestCase extends ESTestCase {

    private final SearchModule searchModule = new SearchModule(Settings.EMPTY, List.of(new AudioPqPlugin(Settings.EMPTY, null)));
    protected final NamedWriteableRegistry writeables;
    private final NamedXContentRegistry xContents = new NamedXContentRegistry(searchModule.getNamedXContents());

    protected PqKnnQueryTestCase() {
        List<NamedWriteableRegistry.Entry> entries = new ArrayList<>(searchModule.getNamedWriteables());
        entries.addAll(new AudioPqPlugin(Settings.EMPTY, null).getNamedWriteables());
        writeables = new NamedWriteableRegistry(entries);
    }

    @Override
    protected NamedXContentRegistry xContentRegistry() {
        return xContents;
    }

    protected QueryBuilder parse(String json) throws IOException {
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, json)) {
            return AbstractQueryBuilder.parseTopLevelQuery(parser);
        }
    }

    /** Parsing {@code json} fails, and {@code message} appears somewhere in the error's cause chain. */
    protected void assertParseError(String json, String message) {
        Exception e = expectThrows(Exception.class, () -> parse(json));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertThat(json, all.toString(), containsString(message));
        assertTrue(json + ": " + e, e instanceof ParsingException || e.getCause() instanceof ParsingException || e instanceof IllegalArgumentException);
    }
}
