package io.audiopq.model;

import org.apache.lucene.tests.util.LuceneTestCase;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import org.junit.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** The strict Jackson set-up: what it accepts, what it rejects beyond Jackson's defaults, how errors read. */
public class StrictJsonTests extends LuceneTestCase {

    @Test
    public void parsesNestedValuesWithTheirTypes() throws Exception {
        JsonNode map = StrictJson.parse(" {\"a\": [1, -2.5, 3e2, true, null, \"x\\n\\u00e9\"], \"b\": {\"c\": false}} ");
        JsonNode a = map.get("a");
        assertTrue(a.get(0).isIntegralNumber());
        assertEquals(1L, a.get(0).longValue());
        assertEquals(-2.5, a.get(1).doubleValue(), 0);
        assertEquals("number", StrictJson.typeName(a.get(2)));
        assertEquals(300.0, a.get(2).doubleValue(), 0);
        assertTrue(a.get(3).booleanValue());
        assertTrue(a.get(4).isNull());
        assertEquals("x\né", a.get(5).textValue());
        assertEquals(false, map.get("b").get("c").booleanValue());
        assertEquals(List.of("a", "b"), fieldNames(map));
    }

    @Test
    public void integersKeepEveryDigit() throws Exception {
        JsonNode big = StrictJson.parse("100000000000000000000");
        assertEquals("integer", StrictJson.typeName(big));
        assertEquals(false, big.canConvertToLong());
        assertEquals("100000000000000000000", big.toString());
        assertEquals(Long.MAX_VALUE, StrictJson.parse(Long.toString(Long.MAX_VALUE)).longValue());
    }

    @Test
    public void rejectsNumbersBeyondTheDoubleRange() throws Exception {
        for (String bad : List.of("1e999", "[1, -1e999]", "{\"a\": {\"b\": 1e400}}")) {
            JsonProcessingException e = assertThrows(bad, JsonProcessingException.class, () -> StrictJson.parse(bad));
            assertTrue(StrictJson.describe(e), StrictJson.describe(e).contains("number out of range: "));
        }
        assertEquals(Double.MAX_VALUE, StrictJson.parse("1.7976931348623157e308").doubleValue(), 0);
        assertEquals(0.0, StrictJson.parse("1e-999").doubleValue(), 0);
    }

    @Test
    public void rejectsDuplicateKeysNamingTheKeyAndPosition() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> StrictJson.parse("{\n  \"m\": 1,\n  \"m\": 2\n}"));
        String message = StrictJson.describe(e);
        assertTrue(message, message.contains("Duplicate field 'm'"));
        assertTrue(message, message.contains(" at line 3, column "));
    }

    @Test
    public void rejectsWhatRfc8259Forbids() {
        for (String bad : List.of(
            "{\"a\": 1,}",
            "[1, 2,]",
            "{a: 1}",
            "{'a': 1}",
            "{\"a\": 1} x",
            "{\"a\": 1} {}",
            "[1] [2]",
            "[01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[NaN]",
            "[Infinity]",
            "[-Infinity]",
            "[1e999]",
            "\"unterminated",
            "\"bad \\q escape\"",
            "\"tab\tinside\"",
            "// comment\n{}",
            "/* comment */ {}",
            "# comment\n{}",
            "",
            "   \n",
            "tru",
            "[1, 2"
        )) {
            assertThrows(bad, JsonProcessingException.class, () -> StrictJson.parse(bad));
        }
    }

    @Test
    public void rejectsDeepNesting() throws Exception {
        String deep = "[".repeat(100) + "]".repeat(100);
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> StrictJson.parse(deep));
        assertTrue(StrictJson.describe(e), StrictJson.describe(e).contains("nesting depth"));
        String ok = "[".repeat(StrictJson.MAX_DEPTH) + "]".repeat(StrictJson.MAX_DEPTH);
        assertEquals("array", StrictJson.typeName(StrictJson.parse(ok)));
    }

    @Test
    public void errorsSayWhere() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> StrictJson.parse("{\n  \"a\": 1\n  \"b\": 2\n}"));
        assertTrue(StrictJson.describe(e), StrictJson.describe(e).endsWith(" at line 3, column 3"));
        e = assertThrows(JsonProcessingException.class, () -> StrictJson.parse("{} x"));
        assertTrue(StrictJson.describe(e), StrictJson.describe(e).contains("at line 1, column "));
    }

    @Test
    public void quoteRoundTrips() throws Exception {
        String tricky = "a\"b\\c\nd\te\u0001f/é\u2028😀";
        assertEquals(tricky, StrictJson.parse(StrictJson.quote(tricky)).textValue());
        assertEquals("\"a\\\"b\"", StrictJson.quote("a\"b"));
    }

    @Test
    public void typeNames() throws Exception {
        assertEquals("integer", StrictJson.typeName(StrictJson.parse("3")));
        assertEquals("integer", StrictJson.typeName(StrictJson.parse("-30000000000")));
        assertEquals("number", StrictJson.typeName(StrictJson.parse("3.5")));
        assertEquals("number", StrictJson.typeName(StrictJson.parse("3e0")));
        assertEquals("string", StrictJson.typeName(StrictJson.parse("\"3\"")));
        assertEquals("array", StrictJson.typeName(StrictJson.parse("[]")));
        assertEquals("object", StrictJson.typeName(StrictJson.parse("{}")));
        assertEquals("null", StrictJson.typeName(StrictJson.parse("null")));
        assertEquals("boolean", StrictJson.typeName(StrictJson.parse("false")));
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
