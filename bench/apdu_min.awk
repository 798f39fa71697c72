# The fewest APDUs that carry the information of a jpki --trace: every
# application and every EF selected once, every other command (the no-data
# VERIFYs of the retry counters) once, and per EF read ceil(bytes / max)
# READs, max being the largest READ the card allows (256 on short-APDU
# cards, 65536 on those announcing extended length).  A re-SELECT, a
# header probe or a short chunk shows as the difference to the APDUs sent.
# Usage: awk -v max=256 -f bench/apdu_min.awk TRACE   -> "SENT MINIMUM"
/ #[0-9]+ > / {
    n++
    reading = ""
    if ($0 ~ /> SELECT application /) {
        cur = $0; sub(/.*> SELECT application /, "", cur); sub(/ \|.*/, "", cur)
        sel["app " cur] = 1
    } else if ($0 ~ /> SELECT EF /) {
        e = $0; sub(/.*> SELECT EF /, "", e)
        sel[cur " EF " substr(e, 1, 4)] = 1
    } else if ($0 ~ /> READ BINARY EF /) {
        e = $0; sub(/.*> READ BINARY EF /, "", e)
        reading = cur " EF " substr(e, 1, 4)
    } else if ($0 ~ /> READ RECORD /) {
        e = $0; sub(/.*> READ RECORD /, "", e); sub(/ \|.*/, "", e)
        reading = cur " record " e
    } else {
        other++
    }
    next
}
/ #[0-9]+ < / && reading != "" {
    seen[reading] = 1
    if (match($0, /\| [0-9]+ bytes/))
        bytes[reading] += substr($0, RSTART + 2, RLENGTH - 8) + 0
    reading = ""
}
END {
    min = other
    for (k in sel) min++
    for (k in seen) min += bytes[k] > 0 ? int((bytes[k] + max - 1) / max) : 1
    print n + 0, min + 0
}
