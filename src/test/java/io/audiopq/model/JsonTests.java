package io.audiopq.model;

import org.junit.Test;

import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

public class JsonTests {

    @Test
    public void parsesNestedValuesWithTheirTypes() throws Exception {
        Object value = Json.parse(" {\"a\": [1, -2.5, 3e2, true, null, \"x\\n\\u00e9\"], \"b\": {\"c\": false}} ");
        Map<?, ?> map = (Map<?, ?>) value;
        List<?> a = (List<?>) map.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2.5, a.get(1));
        assertEquals(300.0, a.get(2));
        assertEquals(Boolean.TRUE, a.get(3));
        assertNull(a.get(4));
        assertEquals("x\né", a.get(5));
        assertEquals(Map.of("c", false), map.get("b"));
        assertEquals(List.of("a", "b"), List.copyOf(map.keySet()));
    }

    @Test
    public void integersBeyondLongBecomeDoubles() throws Exception {
        assertEquals(1e20, Json.parse("100000000000000000000"));
        assertEquals(Long.MAX_VALUE, Json.parse(Long.toString(Long.MAX_VALUE)));
    }

    @Test
    public void rejectsDuplicateKeysNamingTheKeyAndPosition() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("{\n  \"m\": 1,\n  \"m\": 2\n}"));
        assertTrue(e.getMessage(), e.getMessage().contains("duplicate key [m]"));
        assertEquals(3, e.line());
        assertEquals(3, e.column());
    }

    @Test
    public void rejectsWhatRfc8259Forbids() {
        for (String bad : List.of(
            "{\"a\": 1,}",
            "[1, 2,]",
            "{a: 1}",
            "{\"a\": 1} x",
            "[01]",
            "[1.]",
            "[.5]",
            "[NaN]",
            "[Infinity]",
            "\"unterminated",
            "\"bad \\q escape\"",
            "\"tab\tinside\"",
            "// comment\n{}",
            "",
            "[1e999]",
            "tru"
        )) {
            assertThrows(bad, Json.ParseException.class, () -> Json.parse(bad));
        }
    }

    @Test
    public void rejectsDeepNesting() {
        String deep = "[".repeat(100) + "]".repeat(100);
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage(), e.getMessage().contains("nesting deeper"));
    }

    @Test
    public void quoteRoundTrips() throws Exception {
        String tricky = "a\"b\\c\nd\te\u0001f/é";
        assertEquals(tricky, Json.parse(Json.quote(tricky)));
    }

    @Test
    public void typeNames() throws Exception {
        assertEquals("integer", Json.typeName(Json.parse("3")));
        assertEquals("number", Json.typeName(Json.parse("3.5")));
        assertEquals("string", Json.typeName(Json.parse("\"3\"")));
        assertEquals("array", Json.typeName(Json.parse("[]")));
        assertEquals("object", Json.typeName(Json.parse("{}")));
        assertEquals("null", Json.typeName(Json.parse("null")));
        assertEquals("boolean", Json.typeName(Json.parse("false")));
    }
}
