package io.audiopq.elasticsearch;

import org.elasticsearch.test.ESTestCase;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * NOTICE lists every third-party jar the zip bundles, with its licence: the build generates that
 * list from the dependencies' poms (license-maven-plugin, generate-resources), and NOTICE must
 * carry it verbatim, so adding or upgrading a bundled dependency without updating NOTICE fails.
 */
public class ThirdPartyNoticeTests extends ESTestCase {

    public void testNoticeListsEveryBundledDependency() throws Exception {
        Path generated = Path.of("src", "plugin", "target", "generated-sources", "license", "THIRD-PARTY.txt");
        assertTrue("the build generates " + generated, Files.exists(generated));
        List<String> entries = Files.readAllLines(generated, StandardCharsets.UTF_8).stream()
            .filter(line -> line.startsWith("     ("))
            .toList();
        assertFalse("no dependency listed in " + generated, entries.isEmpty());
        List<String> notice = Files.readAllLines(Path.of("NOTICE"), StandardCharsets.UTF_8);
        for (String entry : entries) {
            assertTrue("NOTICE lacks [" + entry.strip() + "]: copy the list from " + generated, notice.contains(entry));
        }
        long listed = notice.stream().filter(line -> line.startsWith("     (")).count();
        assertEquals("NOTICE lists dependencies the zip no longer bundles", entries.size(), listed);
    }
}
