#!/usr/bin/env python3
"""Builds evloop.hpp from the parts in src/ (Python 3 standard library only).

Usage: tools/amalgamate.py [--check] [--output PATH]

The parts are listed in PARTS, in order. Each is marked in the output with
"Begin file" / "End of" banners. JS parts become a C++ string literal split
into pieces under 16 KB (MSVC's limit for one literal). A part that belongs
to an optional feature is emitted inside `#if <condition>` (EVLOOP_HAVE_*,
see config.hpp), so a build without the feature compiles neither its code
nor its JS. Inside a JS part, lines `// @if <condition>` and `// @endif`
mark a region emitted under that #if. JS is embedded without comments,
indentation or blanks between tokens, line for line (js_compact: stack
traces keep src/'s line numbers; 115 KB of source became 55 KB), as a
literal and, for EVLOOP_COMPRESSED_JS builds, deflated (16 KB). The output
is deterministic: LF endings, no timestamps. --check
compares instead of writing and exits 1 with one sentence when the committed
header is stale.
"""
import argparse
import itertools
import os
import re
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DECLARATIONS = ["api/config.hpp", "api/api.hpp"]
# Building blocks with no Loop method bodies: also compiled by unit tests
# (#define EVLOOP_INTERNALS) in any number of TUs.
INTERNALS = ["core/memory.hpp", "core/clock.hpp", "core/timer_heap.hpp", "backend/backend.hpp", "core/errors.hpp", "embed/inflate.hpp"]
# (kind, file, condition): 'raw' copies text, 'js' embeds a JS source as a
# literal; condition (None: always) is the #if the part is emitted under.
SOCKETS = "defined(EVLOOP_HAVE_SOCKETS)"
ECMA_LOOP = "defined(EVLOOP_HAVE_ECMA_LOOP)"
IMPLEMENTATION = [
    ("raw", "core/loop.hpp", None),
    ("raw", "embed/embedded_js.hpp", None),
    ("raw", "bind/bind_timers.hpp", None),
    ("raw", "bind/bind_eventloop.hpp", None),
    ("raw", "bind/bind_poll.hpp", None),
    ("raw", "bind/bind_fileio.hpp", "defined(EVLOOP_HAVE_FILEIO)"),
    ("raw", "bind/bind_cli.hpp", "defined(EVLOOP_HAVE_CLI)"),
    ("raw", "ecma/ecma_bridge.hpp", ECMA_LOOP),
    ("js", "ecma/ecma_loop.js", ECMA_LOOP),
    ("js", "ecma/ecma_timers.js", ECMA_LOOP),  # parts of the loop compiled on first use
    ("js", "ecma/ecma_errors.js", ECMA_LOOP),
    ("js", "ecma/ecma_watch.js", ECMA_LOOP),
    ("raw", "net/bind_socket.hpp", SOCKETS),
    ("raw", "net/stream.hpp", SOCKETS),
    ("js", "net/ecma_stream.js", SOCKETS + " && " + ECMA_LOOP),
    ("js", "net/net.js", SOCKETS),  # its net layer: `// @if defined(EVLOOP_HAVE_NET)` regions
    ("raw", "bind/install.hpp", None),
]
PIECE = 4000  # characters of JS per literal piece; escaped, well under 16 KB


def read(name):
    with open(os.path.join(ROOT, "src", name), encoding="utf-8") as f:
        return f.read().replace("\r\n", "\n")


PRAGMA_ONCE = re.compile(r"^#pragma once\s*$")
INCLUDE_LINE = re.compile(r'^#include "([^"]+)"\s*$')
EMBED_LINE = re.compile(r"^// @embed (\S+) as (\w+)\s*$")


def internal_include(name, line):
    """The part (path under src/) an `#include "..."` line names, else None."""
    m = INCLUDE_LINE.match(line)
    if not m:
        return None
    path = os.path.normpath(os.path.join(os.path.dirname(name), m.group(1))).replace(os.sep, "/")
    return path if os.path.isfile(os.path.join(ROOT, "src", path)) else None


def read_cpp(name):
    """A C++ part without the lines that only serve it as a file of its own:
    `#pragma once`, its #includes of other parts, its `// @embed` lines."""
    return "".join(line for line in read(name).splitlines(True)
                   if not (PRAGMA_ONCE.match(line) or EMBED_LINE.match(line) or internal_include(name, line)))


def banner(text):
    return "/* " + ("=" * 8) + " " + text + " " + ("=" * 8) + " */\n"


def part(name, body):
    if not body.endswith("\n"):
        body += "\n"
    return banner("Begin file src/" + name) + body + banner("End of src/" + name)


def c_literal(text):
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) > 0x7e:
            # The embedded JS is ASCII; anything else is a mistake worth failing on.
            raise SystemExit("src JS must be ASCII: found %r" % ch)
        else:
            out.append(ch)
    return "".join(out)


IF_LINE = re.compile(r"^\s*// @if (.+)$")
ENDIF_LINE = re.compile(r"^\s*// @endif\s*$")


def js_regions(name, src):
    """[(condition or None, text)]: the source cut at its @if / @endif lines."""
    regions, text, cond = [], [], None
    for line in src.splitlines(True):
        m = IF_LINE.match(line)
        if m or ENDIF_LINE.match(line):
            if m and cond is not None:
                raise SystemExit("src/%s: nested // @if" % name)
            if not m and cond is None:
                raise SystemExit("src/%s: // @endif without // @if" % name)
            if not m:
                text.append(line)
            regions.append((cond, "".join(text)))
            text, cond = ([line], m.group(1).strip()) if m else ([], None)
        else:
            text.append(line)
    if cond is not None:
        raise SystemExit("src/%s: // @if without // @endif" % name)
    regions.append((None, "".join(text)))
    return [r for r in regions if r[1]]


REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
REGEX_AFTER_WORDS = ("return", "typeof", "case", "in", "new", "delete", "void", "throw")


def js_compact(src):
    """The JS without comments and without indentation or trailing blanks,
    line for line (so the line numbers in stack traces stay those of src/).
    A small lexer: strings, regular expression literals (told from division
    by the token before the slash) and comments; our sources use no line
    continuations or template literals (ES5)."""
    out, i, n = [], 0, len(src)
    last = ""  # the last significant character outside comments
    while i < n:
        c = src[i]
        if c in "'\"":
            j = i + 1
            while j < n and src[j] != c:
                if src[j] == "\n":
                    raise SystemExit("js_compact: a string spans a line")
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i, last = j + 1, c
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise SystemExit("js_compact: an unterminated comment")
            out.append("\n" * src.count("\n", i, j))
            i = j + 2
        elif c == "/" and (not last or last in REGEX_AFTER or
                           re.search(r"\b(%s)$" % "|".join(REGEX_AFTER_WORDS), "".join(out[-3:]))):
            j, in_class = i + 1, False
            while j < n and (in_class or src[j] != "/"):
                if src[j] == "\n":
                    raise SystemExit("js_compact: a regular expression spans a line")
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and (src[j].isalnum() or src[j] == "_"):  # flags
                j += 1
            out.append(src[i:j])
            i, last = j, "/"
        elif c in " \t":
            # A blank only where two tokens would otherwise join: between
            # identifier characters (keywords, names, numbers; '.' counts,
            # for `1 .x`), between + and - signs (`a - -b`), and next to a
            # slash (division or a regular expression). Else dropped.
            j = i
            while j < n and src[j] in " \t":
                j += 1
            nxt = src[j] if j < n else "\n"
            prev = out[-1][-1] if out and out[-1] else "\n"
            word = lambda ch: ch.isalnum() or ch in "_$."
            if (word(prev) and word(nxt)) or (prev in "+-" and nxt in "+-") or "/" in (prev, nxt):
                out.append(" ")
            i = j
        else:
            out.append(c)
            if not c.isspace():
                last = c
            i += 1
    lines = "".join(out).split("\n")
    return "\n".join(line.strip() for line in lines)


def bytes_literal(data):
    """Bytes as C string literal pieces: printable ASCII as itself, the rest
    (and backslash, quote, '?': no trigraphs) as three-digit octal escapes."""
    out = []
    for b in data:
        c = chr(b)
        out.append(c if 0x20 <= b <= 0x7e and c not in '\\"?' else "\\%03o" % b)
    pieces, piece, width = [], [], 0
    for item in out:
        if width + len(item) > PIECE:
            pieces.append("".join(piece))
            piece, width = [], 0
        piece.append(item)
        width += len(item)
    pieces.append("".join(piece))
    return ['    "%s"' % p for p in pieces]


def deflate(text):
    """Raw DEFLATE (no zlib header), zlib's best: what src/inflate.hpp reads."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return z.compress(text.encode("ascii")) + z.flush()


def js_part(name):
    """The JS as a literal, and for EVLOOP_COMPRESSED_JS builds deflated: one
    stream per combination of its // @if conditions (the preprocessor cannot
    cut a compressed stream). Either way an EmbeddedJs (src/inflate.hpp)
    names it: data, size, and the inflated length (0: not compressed)."""
    src = read(name)
    # ecma_loop.js -> kEcmaLoopSource, kEcmaLoopJs
    stem = "k" + "".join(w.capitalize() for w in os.path.basename(name)[:-3].split("_"))
    symbol, handle = stem + "Source", stem + "Js"
    regions = [(cond, js_compact(text)) for cond, text in js_regions(name, src)]
    lines = ["namespace evloop {", "namespace detail {", "extern const EmbeddedJs %s;" % handle,
             "#if defined(EVLOOP_COMPRESSED_JS)"]
    conds = sorted(set(c for c, _ in regions if c))
    for k, truth in enumerate(itertools.product([True, False], repeat=len(conds))):
        value = dict(zip(conds, truth))
        text = "".join(t for c, t in regions if c is None or value[c])
        if conds:
            test = " && ".join(("(%s)" if v else "!(%s)") % c for c, v in zip(conds, truth))
            lines.append(("#if " if k == 0 else "#elif ") + test)
        data = deflate(text)
        lines.append("const char %s[] =" % symbol)
        lines += bytes_literal(data)
        lines[-1] += ";"
        lines.append("const EmbeddedJs %s = {%s, sizeof %s - 1, %d};" % (handle, symbol, symbol, len(text)))
    if conds:
        lines.append("#endif")
    lines += ["#else", "const char %s[] =" % symbol]
    for cond, text in regions:
        if cond:
            lines.append("#if " + cond)
        for i in range(0, len(text), PIECE):
            lines.append('    "%s"' % c_literal(text[i:i + PIECE]))
        if cond:
            lines.append("#endif")
    if lines[-1] == "#endif":
        lines.append('    ""')  # the literal must not end inside an #if
    lines[-1] += ";"
    lines.append("const EmbeddedJs %s = {%s, sizeof %s - 1, 0};" % (handle, symbol, symbol))
    lines += ["#endif /* EVLOOP_COMPRESSED_JS */", "} /* namespace detail */", "} /* namespace evloop */"]
    return part(name, "\n".join(lines) + "\n")


def build():
    out = []
    out.append("/* evloop.hpp: GENERATED by tools/amalgamate.py from src/. DO NOT MODIFY THIS FILE BY HAND. */\n")
    out.append(read("manual.hpp"))
    out.append("\n#ifndef EVLOOP_HPP_INCLUDED\n#define EVLOOP_HPP_INCLUDED\n\n")
    for name in DECLARATIONS:
        out.append(part(name, read_cpp(name)))
        out.append("\n")
    out.append("#endif /* EVLOOP_HPP_INCLUDED */\n\n")
    out.append("#if (defined(EVLOOP_IMPLEMENTATION) || defined(EVLOOP_INTERNALS)) && !defined(EVLOOP_INTERNALS_DONE)\n")
    out.append("#define EVLOOP_INTERNALS_DONE\n\n")
    for name in INTERNALS:
        out.append(part(name, read_cpp(name)))
        out.append("\n")
    out.append("#endif /* EVLOOP_INTERNALS */\n\n")
    out.append("#if defined(EVLOOP_IMPLEMENTATION) && !defined(EVLOOP_IMPLEMENTATION_DONE)\n")
    out.append("#define EVLOOP_IMPLEMENTATION_DONE\n\n")
    for kind, name, cond in IMPLEMENTATION:
        if cond:
            out.append("#if " + cond + "\n")
        out.append(js_part(name) if kind == "js" else part(name, read_cpp(name)))
        if cond:
            out.append("#endif /* " + cond + " */\n")
        out.append("\n")
    out.append("#endif /* EVLOOP_IMPLEMENTATION */\n\n")
    out.append(read("license.txt"))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the output differs from the file")
    ap.add_argument("--output", default=os.path.join(ROOT, "evloop.hpp"))
    args = ap.parse_args()
    text = build()
    if args.check:
        try:
            with open(args.output, encoding="utf-8", newline="") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            sys.stderr.write("evloop.hpp is stale: it differs from what tools/amalgamate.py makes "
                             "from src/; run 'make header' and commit the result.\n")
            return 1
        return 0
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
