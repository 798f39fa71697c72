#!/usr/bin/python3
"""Helpers for t_table.sh (not a test itself), measuring with Python's own
Unicode data so the C table (cmd/common/display_width.c) is checked against
an independent implementation.

  table-check.py lines WIDTH < TEXT   every line at most WIDTH display columns,
                                      no colour codes; prints the widest
  table-check.py status WIDTH < TABLE jpki-status table: lines fit, values and
                                      continuation lines aligned by display
                                      width; prints "NAME=VALUE" for the
                                      labelled values and the DNs unfolded
  table-check.py unfold < REPORT      jpki-expiry-check's folded lines joined
                                      back exactly (see join())
  table-check.py pty COLS CMD...      run CMD on a terminal COLS wide, print
                                      what it wrote (exit status: CMD's)
  table-check.py widths               "HEX WIDTH" for every assigned code point
                                      from U+0300 (for comparing with the C table)
"""
import os
import re
import sys
import unicodedata


def cwidth(ch):
    cat = unicodedata.category(ch)
    if cat in ('Mn', 'Me') or (cat == 'Cf' and ch != '\u00ad'):
        return 0
    if unicodedata.east_asian_width(ch) in ('W', 'F'):
        return 2
    return 1


def width(s):
    return sum(cwidth(c) for c in s)


def fail(msg):
    print("table-check: " + msg, file=sys.stderr)
    sys.exit(1)


def read_lines():
    text = sys.stdin.buffer.read().decode('utf-8')
    if '\x1b' in text:
        fail("colour codes in the output")
    return text.split('\n')[:-1] if text.endswith('\n') else text.split('\n')


def check_lines(limit):
    lines = read_lines()
    widest = 0
    for i, line in enumerate(lines, 1):
        w = width(line)
        widest = max(widest, w)
        if w > limit:
            fail("line %d is %d columns wide (limit %d): %s" % (i, w, limit, line))
    print(widest)


def indent_width(line):
    return width(line) - width(line.lstrip(' '))


def join(prev, nxt):
    """Undo one fold: the space at the break was dropped (DN folds and
    folds at spaces); between two wide characters there was none."""
    if prev and nxt and cwidth(prev[-1]) == 2 and cwidth(nxt[0]) == 2:
        return prev + nxt
    return prev + ' ' + nxt


LABELS = ('card', 'error', 'atr', 'token', 'applications', 'mode', 'holder', 'address')
DN_LABELS = ('subject', 'issuer', 'serial')


def check_status(limit):
    lines = read_lines()
    for i, line in enumerate(lines, 1):
        if width(line) > limit:
            fail("line %d is %d columns wide (limit %d): %s" % (i, width(line), limit, line))
    out = []
    i = 0
    header_col = None
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^  (\S+) +(.*)$', line)
        dn = re.match(r'^( +)(subject|issuer|serial)( +)(.*)$', line)
        name, value, col = None, None, None
        if line.startswith('  cert '):
            header_col = width(line[:line.index('not after')])
        elif line.startswith('  renewal ') or line.startswith('  PIN '):
            header_col = None  # the renewal and PIN tables have columns of their own
        elif dn and len(dn.group(1)) > 2:
            name = dn.group(2)
            col = width(line) - width(dn.group(4))
            value = dn.group(4)
        elif m and m.group(1) in LABELS:
            name, value = m.group(1), m.group(2)
            col = width(line) - width(value)
            if col != 15:
                fail("value of %s starts at column %d, not 15: %s" % (name, col, line))
        elif m and header_col is not None and re.match(r'^\d{4}-', m.group(2)):
            # not before: "2025-03-31 23:59:59 JST" (or the date alone on a
            # narrow terminal), then the two-space gap
            nb = re.match(r'^\d{4}-\d\d-\d\d(?: \d\d:\d\d:\d\d [A-Z+0-9-]+)? +', m.group(2))
            at = width(line[:line.index(m.group(2))]) + (width(nb.group(0)) if nb else 0)
            if at != header_col:
                fail("not after at column %d, header at %d: %s" % (at, header_col, line))
        if name:
            # continuation lines: deeper than the label, aligned with the value
            while i + 1 < len(lines) and indent_width(lines[i + 1]) >= col - 1 and lines[i + 1].strip() \
                    and not re.match(r'^ +(subject|issuer|serial) ', lines[i + 1]):
                i += 1
                if indent_width(lines[i]) != col:
                    fail("continuation at column %d, value at %d: %s" % (indent_width(lines[i]), col,
                                                                          lines[i]))
                value = join(value, lines[i].strip(' '))
            out.append("%s=%s" % (name, value))
        i += 1
    print('\n'.join(out))


def unfold():
    out = []
    for line in read_lines():
        if out and re.match(r'^ {9}[^ ]', line):
            out[-1] = join(out[-1], line.strip(' '))
        else:
            out.append(line)
    print('\n'.join(out))


def run_pty(cols, argv):
    import fcntl
    import pty
    import struct
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        # the size is set before the program runs, so it is never asked too early
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack('HHHH', 24, cols, 0, 0))
        os.execvp(argv[0], argv)
    data = b''
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(data.replace(b'\r\n', b'\n'))
    sys.exit(os.waitstatus_to_exitcode(status))


def widths():
    out = []
    for cp in range(0x300, 0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) in ('Cn', 'Cs', 'Co'):
            continue
        out.append("%X %d" % (cp, cwidth(ch)))
    print('\n'.join(out))


def main():
    mode = sys.argv[1]
    if mode == 'lines':
        check_lines(int(sys.argv[2]))
    elif mode == 'status':
        check_status(int(sys.argv[2]))
    elif mode == 'unfold':
        unfold()
    elif mode == 'pty':
        run_pty(int(sys.argv[2]), sys.argv[3:])
    elif mode == 'widths':
        widths()
    else:
        fail("unknown mode " + mode)


main()
