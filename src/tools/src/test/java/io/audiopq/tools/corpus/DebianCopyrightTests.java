package io.audiopq.tools.corpus;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.List;

public class DebianCopyrightTests extends LuceneTestCase {

    /** Shaped like hedgewars-data's and sonic-pi-samples' files: source-tree patterns, installed paths elsewhere. */
    private static final String DEP5 = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: example

        Files: *
        Copyright: someone
        License: GPL-2

        Files: share/hedgewars/Data/Sounds/*
        Copyright: sound people
        License: CC-BY-SA-3.0

        Files: share/hedgewars/Data/Sounds/Droplet*.ogg
        Copyright: saugox (found on freesound.org)
        License: CC0

        Files: hedgewars/*
               misc/other.c
        Copyright: coders
        License: MIT

        Files: etc/samples/ambi_choir.flac
        Copyright: 2014 someone
        License: CC0
        Comment: a sample

        License: GPL-2
         The GPL text.
        """;

    public void testMostSpecificMatchingStanzaWins() {
        DebianCopyright c = DebianCopyright.parse(DEP5);
        assertEquals("CC-BY-SA-3.0", c.licenceFor("usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Hello.ogg"));
        assertEquals("CC0", c.licenceFor("usr/share/games/hedgewars/Data/Sounds/Droplet1.ogg"));
        assertEquals("CC0", c.licenceFor("usr/share/sonic-pi/samples/ambi_choir.flac"));
        assertEquals("GPL-2", c.licenceFor("usr/share/sonic-pi/samples/other.flac"));
        assertEquals("MIT", c.licenceFor("usr/src/misc/other.c"));
        assertEquals(List.of("GPL-2", "CC-BY-SA-3.0", "CC0", "MIT"), List.copyOf(c.licences()));
    }

    public void testFreeFormTextGetsTheFirstLicenceNamed() {
        DebianCopyright c = DebianCopyright.parse("""
            Copyright: 1999 someone

            License:

                This package is free software; you can redistribute it and/or modify
                it under the terms of the GNU General Public License as published by
                the Free Software Foundation; either version 2 of the License, or
                (at your option) any later version.
            """);
        assertEquals(List.of("GPL-2+"), List.copyOf(c.licences()));
        assertEquals("GPL-2+", c.licenceFor("usr/share/games/pingus/sounds/x.wav"));
        assertEquals(List.of(DebianCopyright.UNKNOWN), List.copyOf(DebianCopyright.parse("no licence here").licences()));
    }

    public void testCreativeCommonsUrlsBecomeShortNames() {
        DebianCopyright c = DebianCopyright.parse("Files: *\nCopyright: x\nLicense: http://creativecommons.org/licenses/by-sa/2.0/\n");
        assertEquals("CC-BY-SA-2.0", c.licenceFor("usr/share/sounds/login.wav"));
    }
}
