package io.audiopq.tools.corpus;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The licences a Debian package's {@code /usr/share/doc/PKG/copyright} file states, and the one that
 * covers a given installed file.
 *
 * <p>Machine-readable (DEP-5) files have {@code Files:} stanzas with glob patterns and a
 * {@code License:} short name. The patterns name paths in the <em>source</em> tree
 * ({@code etc/samples/x.flac}), not the installed ones ({@code usr/share/sonic-pi/samples/x.flac}),
 * so a pattern matches when one of its tails (leading directories dropped) matches the end of the
 * installed path, and the match with the most literal characters wins (ties: the later stanza,
 * as DEP-5 says); {@code Files: *} is the fallback. A file without stanzas (free-form text) gets
 * the first licence name recognised in its text, or {@value #UNKNOWN}.
 */
public final class DebianCopyright {

    /** The licence recorded when none can be recognised (the manifest keeps the package, so the file can be read). */
    public static final String UNKNOWN = "see-copyright";

    private record Stanza(List<String> patterns, String licence) {}

    private final List<Stanza> stanzas;
    private final Set<String> licences;

    private DebianCopyright(List<Stanza> stanzas, Set<String> licences) {
        this.stanzas = stanzas;
        this.licences = licences;
    }

    /** Every licence name the file states, in order of first appearance (never empty: {@value #UNKNOWN} at least). */
    public Set<String> licences() {
        return licences;
    }

    /** The licence of the stanza that covers {@code installedPath} (relative to the package root, e.g. {@code usr/share/...}). */
    public String licenceFor(String installedPath) {
        String best = null;
        int bestScore = -1;
        for (Stanza s : stanzas) {
            for (String pattern : s.patterns()) {
                int score = matchScore(pattern, installedPath);
                if (score >= 0 && score >= bestScore) {
                    best = s.licence();
                    bestScore = score;
                }
            }
        }
        return best != null ? best : licences.iterator().next();
    }

    /** Literal characters of the longest tail of {@code pattern} that matches the end of {@code path}, or -1. */
    static int matchScore(String pattern, String path) {
        String[] parts = pattern.split("/");
        for (int from = 0; from < parts.length; from++) {
            String tail = String.join("/", java.util.Arrays.asList(parts).subList(from, parts.length));
            // Only the whole pattern may be all wildcards ("*"): the tail "*" of "hedgewars/*" would match any path.
            if (tail.isEmpty() || (from > 0 && tail.replace("*", "").replace("?", "").replace("/", "").isEmpty())) {
                continue;
            }
            // A tail that does not start with the pattern's first component may begin anywhere after a '/'.
            String regex = (from == 0 && tail.equals("*") ? "" : "(?:.*/)?") + globToRegex(tail);
            if (Pattern.matches(regex, path)) {
                return tail.replace("*", "").replace("?", "").length();
            }
        }
        return -1;
    }

    /** DEP-5 globs: {@code *} matches any characters including '/', {@code ?} one character. */
    private static String globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }

    /** Parses the text of a copyright file. */
    public static DebianCopyright parse(String text) {
        List<Stanza> stanzas = new ArrayList<>();
        Set<String> licences = new LinkedHashSet<>();
        for (String paragraph : text.split("\\n\\s*\\n")) {
            List<String> files = field(paragraph, "Files");
            List<String> licence = field(paragraph, "License");
            String name = licence.isEmpty() ? "" : normalise(licence.get(0).strip());
            if (name.isEmpty() == false) {
                licences.add(name);
            }
            if (files.isEmpty() == false && name.isEmpty() == false) {
                List<String> patterns = new ArrayList<>();
                for (String line : files) {
                    for (String p : line.strip().split("\\s+")) {
                        if (p.isEmpty() == false) {
                            patterns.add(p.startsWith("./") ? p.substring(2) : p);
                        }
                    }
                }
                stanzas.add(new Stanza(patterns, name));
            }
        }
        if (licences.isEmpty()) {
            String recognised = recognise(text);
            licences.add(recognised != null ? recognised : UNKNOWN);
        }
        return new DebianCopyright(List.copyOf(stanzas), java.util.Collections.unmodifiableSet(licences));
    }

    /** A field's first-line value and continuation lines (lines starting with white space), or an empty list. */
    private static List<String> field(String paragraph, String name) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : paragraph.split("\\n")) {
            if (in && (line.startsWith(" ") || line.startsWith("\t"))) {
                out.add(line);
                continue;
            }
            in = false;
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                in = true;
                out.add(line.substring(name.length() + 1));
            }
        }
        // "License:" alone on its line, its text below (free-form files): not a name.
        if (out.isEmpty() == false && out.get(0).isBlank()) {
            return List.of();
        }
        return out;
    }

    private static final Pattern GPL = Pattern.compile("GNU (Lesser |Library )?General Public License,? (?:as published by the Free Software Foundation;? )?"
        + "(?:either )?version (\\d(?:\\.\\d)?)((?: of the License)?,? or \\(at your option\\) any later version)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CC = Pattern.compile("creativecommons\\.org/licenses/([a-z-]+)/(\\d\\.\\d)", Pattern.CASE_INSENSITIVE);

    /** A licence given as a Creative Commons URL (gnome-audio does) becomes its short name. */
    private static String normalise(String name) {
        Matcher cc = CC.matcher(name);
        return cc.find() ? "CC-" + cc.group(1).toUpperCase(Locale.ROOT) + "-" + cc.group(2) : name;
    }

    /** The first licence named in free-form text (GNU GPL/LGPL with version, a Creative Commons URL, public domain), or null. */
    static String recognise(String text) {
        String flat = text.replaceAll("\\s+", " ");
        Matcher gpl = GPL.matcher(flat);
        Matcher cc = CC.matcher(flat);
        int gplAt = gpl.find() ? gpl.start() : Integer.MAX_VALUE;
        int ccAt = cc.find() ? cc.start() : Integer.MAX_VALUE;
        if (gplAt == Integer.MAX_VALUE && ccAt == Integer.MAX_VALUE) {
            return flat.toLowerCase(Locale.ROOT).contains("public domain") ? "public-domain" : null;
        }
        if (gplAt < ccAt) {
            String kind = gpl.group(1) == null ? "GPL" : "LGPL";
            return kind + "-" + gpl.group(2) + (gpl.group(3) != null ? "+" : "");
        }
        return "CC-" + cc.group(1).toUpperCase(Locale.ROOT) + "-" + cc.group(2);
    }
}
