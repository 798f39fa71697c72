#!/bin/sh
# Usage: tools/man-ja-breaks.sh SRC.1 > OUT.1   (make all runs it on man/ja/*.1)
#
# Japanese text has no spaces, and groff 1.22 breaks lines only at spaces:
# a Japanese paragraph would come out as one overlong line ("can't break
# line"), and a source line break inside a phrase as a stray space.  This
# writes the page with a break point (\:, zero width) between two Japanese
# characters -- not before what a Japanese line must not start with (the
# ideographic comma and full stop, closing brackets, the long vowel mark)
# --, joins (\c) text lines that end and start in Japanese, and sets
# left-adjusted, unhyphenated text, so `man` and
# `groff -k -mandoc -ww` lay it out cleanly.  Heading and comment lines
# are left as they are: man-db reads the NAME section by its heading.
set -eu
perl -CSD -0777 -pe '
    my @out;
    for my $l (split /\n/, $_, -1) {
        if ($l =~ /^\.TH /) { push @out, $l, ".ad l", ".nh"; next }
        if ($l !~ /^\.(SH|SS|\\")/) {
            $l =~ s/([^\x00-\x7F])(?=[^\x00-\x7F])(?![\x{3001}\x{3002}\x{FF0C}\x{FF0E}\x{30FB}\x{30FC}\x{FF09}\x{300D}\x{300F}\x{3015}\x{3011}\x{FF01}\x{FF1F}\x{FF1A}\x{FF1B}])/$1\\:/g;
        }
        push @out, $l;
    }
    $_ = join "\n", @out;
    s/^([^.\n][^\n]*[^\x00-\x7F])\n(?=[^\x00-\x7F])/$1\\c\n/mg;
' "$1"
