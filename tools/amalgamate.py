#!/usr/bin/env python3
"""Builds evloop.hpp from the parts in src/ (Python 3 standard library only).

Usage: tools/amalgamate.py [--check] [--lines] [--output PATH]

Each C++ part of src/ includes the parts it uses (`#include "../core/loop.hpp"`,
relative to itself, under `#pragma once`), so it compiles on its own
(tools/check_parts.py). The header's order comes from those includes: a
depth-first walk from the parts no part includes (in path order), each
part's includes in the order written, a part after everything it includes.
The generator drops those lines (and `#pragma once`); every other line is
copied. manual.hpp opens the header and license.txt closes it. A part goes
in one of three sections (SECTIONS below): the public declarations, the
internals (also compiled by the unit tests) and the implementation; a part
may include only parts of its own or an earlier section. Each part is marked
with "Begin file" / "End of" banners. A part that belongs to an optional
feature is emitted inside `#if <condition>` (EVLOOP_HAVE_*, from the feature
table src/features.json, see tools/features.py), so a build without the
feature compiles neither its code nor its JS. The table's generated files
(api/features.hpp, bind/bindings.hpp, the option lists of manual.hpp and
README.md) are written first; a part that tests a feature's macro must
include api/features.hpp.

JS parts are not included: the C++ part that compiles one declares it,
`// @embed ../net/net.js as kNetJs`, and the JS is emitted right after that
part, as a C++ string literal split into pieces under 16 KB (MSVC's limit
for one literal) named by an EmbeddedJs. Inside a JS part, lines
`// @if <condition>` and `// @endif` mark a region emitted under that #if.
JS is embedded without comments, indentation or blanks between tokens, line
for line (js_compact: stack traces keep src/'s line numbers; 115 KB of
source became 55 KB), as a literal and, for EVLOOP_COMPRESSED_JS builds,
deflated (16 KB). The positions JS and C++ share (the ECMAScript loop's
state array and env, a stream's record, the stream events) are named in
src/slots.json (tools/slots.py): the JS writes `S[ST_ROUND]`, the embedded
text has `S[10]`, and the C++ uses the enums of the generated part
ecma/slots.hpp.

The output is deterministic: LF endings, no timestamps. --lines adds
`#line N "src/..."` directives so that compiler errors, gdb and sanitizer
reports name the part and its line (for a local build: the committed header
has none). --check compares instead of writing and exits 1 with one
sentence when the committed header or a file generated from the feature
table is stale.
"""
import argparse
import itertools
import os
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features  # noqa: E402
import slots  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")

# The header's frame, not parts of the include graph: its opening comment
# (the manual) and its closing license.
MANUAL, LICENSE = "manual.hpp", "license.txt"
# The section of each part (paths under src/); a part not named here is in
# the implementation. Public: the declarations every TU sees. Internals:
# building blocks with no Loop method bodies, also compiled by unit tests
# (#define EVLOOP_INTERNALS) in any number of TUs.
PUBLIC = ("api/config.hpp", "api/features.hpp", "api/api.hpp")
INTERNALS = ("core/memory.hpp", "core/clock.hpp", "core/timer_heap.hpp", "backend/backend.hpp",
             "core/errors.hpp", "embed/inflate.hpp")
INTERNAL_FOLDERS = ("backend/",)  # every backend (backend/backend.hpp: the contract), so a new one is one file
# The #if an optional part (C++ or JS) is emitted under comes from the
# feature table, src/features.json (tools/features.py); a part it does not
# name is always emitted. Its own #includes do not carry a condition over:
# install.hpp includes every binding and tests the same macros itself. The
# table's generated parts (api/features.hpp, bind/bindings.hpp, and the
# option lists between `@features begin` / `@features end` lines in
# manual.hpp and README.md) are written before the header is built.
FEATURE_ROWS = features.load(ROOT)
CONDITIONS = features.conditions(FEATURE_ROWS)
# A part that tests a feature's macro must include api/features.hpp (directly
# or through its includes): alone it would compile as if the feature were out.
FEATURE_MACRO = re.compile(r"\b(%s)\b" % "|".join(
    re.escape(r[k]) for r in features.optional(FEATURE_ROWS) for k in ("no", "have")))
# The positions the JS and the C++ share (state array, env, stream record,
# stream events), named once in src/slots.json (tools/slots.py): the JS
# parts write the names and get the numbers here, the C++ parts use the
# enums of the generated part ecma/slots.hpp.
SLOT_TABLE = slots.Table(ROOT)
PIECE = 4000  # characters of JS per literal piece; escaped, well under 16 KB


def read(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return f.read().replace("\r\n", "\n")


def files_under_src(suffix):
    found = []
    for folder, dirs, files in os.walk(SRC):
        dirs.sort()
        found += [os.path.relpath(os.path.join(folder, f), SRC).replace(os.sep, "/")
                  for f in sorted(files) if f.endswith(suffix)]
    return found


PRAGMA_ONCE = re.compile(r"^#pragma once\s*$")
INCLUDE_LINE = re.compile(r'^#include "([^"]+)"')
EMBED_LINE = re.compile(r"^// @embed (\S+) as (\w+)\s*$")
FEATURES_REGION_LINE = re.compile(r"^.*@features (begin|end)\b")


def js_handle(name):
    """ecma/ecma_loop.js -> kEcmaLoopJs (and its text kEcmaLoopSource)."""
    return "k" + "".join(w.capitalize() for w in os.path.basename(name)[:-3].split("_")) + "Js"


def relative(name, target):
    """The path under src/ of `target` written in part `name`."""
    return os.path.normpath(os.path.join(os.path.dirname(name), target)).replace(os.sep, "/")


class Part(object):
    """A C++ part: the lines kept in the header (number in src/, text), the
    parts it includes and the JS parts it embeds, in the order written."""

    def __init__(self, name):
        self.name, self.kept, self.includes, self.embeds = name, [], [], []
        for number, line in enumerate(read(name).splitlines(True), 1):
            m, e = INCLUDE_LINE.match(line), EMBED_LINE.match(line)
            path = relative(name, m.group(1)) if m else None
            if path and os.path.isfile(os.path.join(SRC, path)):
                self.includes.append(path)
            elif path and "/" in m.group(1):  # "duktape.h" is not a part; "../x.hpp" must be
                raise SystemExit('src/%s:%d: #include "%s" names no part in src/' % (name, number, m.group(1)))
            elif e:
                js = relative(name, e.group(1))
                if not js.endswith(".js") or not os.path.isfile(os.path.join(SRC, js)):
                    raise SystemExit("src/%s:%d: // @embed %s names no JS part in src/" % (name, number, e.group(1)))
                if e.group(2) != js_handle(js):
                    raise SystemExit("src/%s:%d: src/%s is embedded as %s, not %s"
                                     % (name, number, js, js_handle(js), e.group(2)))
                self.embeds.append(js)
            elif not PRAGMA_ONCE.match(line):
                self.kept.append((number, line))


def section(name):
    return 0 if name in PUBLIC else 1 if name in INTERNALS or name.startswith(INTERNAL_FOLDERS) else 2


SECTION_NAMES = ("public", "internals", "implementation")


PREPROCESSOR_TEST = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif)\b")


def check_feature_includes(parts):
    """Fails with one sentence when a part tests a feature's macro without
    including api/features.hpp (directly or through the parts it includes)."""
    def reaches(name, seen):
        if name == features.FEATURES_HPP:
            return True
        seen.add(name)
        return any(reaches(inc, seen) for inc in parts[name].includes if inc not in seen)
    for name in sorted(parts):
        if name == features.FEATURES_HPP:
            continue
        for number, line in parts[name].kept:
            m = PREPROCESSOR_TEST.match(line) and FEATURE_MACRO.search(line)
            if m and not reaches(name, set()):
                raise SystemExit("src/%s:%d tests %s but does not include api/features.hpp, which defines it"
                                 % (name, number, m.group(1)))


def parts_in_order():
    """[(name, Part or None for JS)]: every part in header order (see the
    docstring); fails with one sentence on a cycle, a part included from an
    earlier section, a JS part embedded by no part or twice, a stale name."""
    parts = dict((name, Part(name)) for name in files_under_src(".hpp") if name != MANUAL)
    for name in PUBLIC + INTERNALS + tuple(sorted(CONDITIONS)):
        if not os.path.isfile(os.path.join(SRC, name)):
            raise SystemExit("tools/amalgamate.py names src/%s, which does not exist" % name)
    for p in parts.values():
        for inc in p.includes:
            if section(inc) > section(p.name):
                raise SystemExit("src/%s (%s) includes src/%s (%s): a part may include only parts of its "
                                 "own or an earlier section" % (p.name, SECTION_NAMES[section(p.name)],
                                                                inc, SECTION_NAMES[section(inc)]))
        if p.embeds and section(p.name) != 2:
            raise SystemExit("src/%s embeds JS: only an implementation part may" % p.name)
    check_feature_includes(parts)
    included = set(inc for p in parts.values() for inc in p.includes)
    order, state = [], {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise SystemExit("include cycle: " + " -> ".join("src/" + n for n in path[path.index(name):] + [name]))
        state[name] = "visiting"
        for inc in parts[name].includes:
            visit(inc, path + [name])
        state[name] = "done"
        order.append((name, parts[name]))
        for js in parts[name].embeds:
            if js in state:
                raise SystemExit("src/%s is embedded twice (// @embed in more than one part)" % js)
            state[js] = "done"
            order.append((js, None))

    for name in [n for n in sorted(parts) if n not in included] + sorted(parts):
        visit(name, [])
    for js in files_under_src(".js"):
        if js not in state:
            raise SystemExit("src/%s is embedded by no part: add `// @embed` to the part that compiles it" % js)
    return order


def banner(text):
    return "/* " + ("=" * 8) + " " + text + " " + ("=" * 8) + " */\n"


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
    """Raw DEFLATE (no zlib header), zlib's best: what src/embed/inflate.hpp reads."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return z.compress(text.encode("ascii")) + z.flush()


def js_code(name, text):
    """The embedded form of JS text of part `name`: compacted, its slot
    names replaced by their numbers."""
    return SLOT_TABLE.substitute("src/" + name, js_compact(text))


def check_slots_used():
    """Fails with one sentence when src/slots.json names a slot that no
    part uses: the JS by its name, the C++ by its enumerator."""
    js = "".join(js_compact(read(name)) for name in files_under_src(".js"))
    cpp = "".join(read(name) for name in files_under_src(".hpp") if name != slots.SLOTS_HPP)
    SLOT_TABLE.check_used(js, cpp)


def js_part(name):
    """The JS as a literal, and for EVLOOP_COMPRESSED_JS builds deflated: one
    stream per combination of its // @if conditions (the preprocessor cannot
    cut a compressed stream). Either way an EmbeddedJs (src/embed/embedded_js.hpp)
    names it: data, size, and the inflated length (0: not compressed).
    Returns the part's text for the header."""
    src = read(name)
    handle = js_handle(name)
    symbol = handle[:-2] + "Source"
    regions = [(cond, js_code(name, text)) for cond, text in js_regions(name, src)]
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
    return "\n".join(lines) + "\n"


class Header(object):
    """The header's text as it is written, and the number of its next line
    (for --lines: `#line` back to the header after a part)."""

    def __init__(self, path, lines):
        self.path, self.lines, self.chunks, self.next_line = path, lines, [], 1

    def add(self, text):
        self.chunks.append(text)
        self.next_line += text.count("\n")

    def line_directive(self, number, path):
        if self.lines:
            self.add('#line %d "%s"\n' % (number, path))

    def cpp_part(self, p):
        self.add(banner("Begin file src/" + p.name))
        expected = None
        for number, line in p.kept:
            if number != expected:  # the first line, or one after dropped lines
                self.line_directive(number, "src/" + p.name)
            self.add(line if line.endswith("\n") else line + "\n")
            expected = number + 1
        self.line_directive(self.next_line + 1, self.path)
        self.add(banner("End of src/" + p.name))

    def js_part(self, name):
        self.add(banner("Begin file src/" + name) + js_part(name) + banner("End of src/" + name))


def build(lines=False, path="evloop.hpp"):
    order = parts_in_order()
    check_slots_used()
    out = Header(path, lines)
    out.add("/* evloop.hpp: GENERATED by tools/amalgamate.py from src/. DO NOT MODIFY THIS FILE BY HAND. */\n")
    out.add("".join(line for line in read(MANUAL).splitlines(True) if not FEATURES_REGION_LINE.match(line)))
    openings = [
        "\n#ifndef EVLOOP_HPP_INCLUDED\n#define EVLOOP_HPP_INCLUDED\n\n",
        "#if (defined(EVLOOP_IMPLEMENTATION) || defined(EVLOOP_INTERNALS)) && !defined(EVLOOP_INTERNALS_DONE)\n"
        "#define EVLOOP_INTERNALS_DONE\n\n",
        "#if defined(EVLOOP_IMPLEMENTATION) && !defined(EVLOOP_IMPLEMENTATION_DONE)\n"
        "#define EVLOOP_IMPLEMENTATION_DONE\n\n"]
    closings = ["#endif /* EVLOOP_HPP_INCLUDED */\n\n", "#endif /* EVLOOP_INTERNALS */\n\n",
                "#endif /* EVLOOP_IMPLEMENTATION */\n\n"]
    for s in range(3):
        out.add(openings[s])
        for name, p in order:
            if section(name) != s:
                continue
            cond = CONDITIONS.get(name)
            if cond:
                out.add("#if " + cond + "\n")
            if p:
                out.cpp_part(p)
            else:
                out.js_part(name)
            if cond:
                out.add("#endif /* " + cond + " */\n")
            out.add("\n")
        out.add(closings[s])
    out.add(read(LICENSE))
    return "".join(out.chunks)


def write_feature_outputs(check):
    """Writes what the feature table and the slots table generate
    (features.outputs, slots.Table.outputs) where it changed; with check,
    writes nothing and returns the stale paths with their tables."""
    stale = []
    generated = [(path, text, features.TABLE) for path, text in features.outputs(FEATURE_ROWS, ROOT).items()]
    generated += [(path, text, slots.TABLE) for path, text in SLOT_TABLE.outputs().items()]
    for path, text, table in sorted(generated):
        full = os.path.join(ROOT, path)
        try:
            with open(full, encoding="utf-8", newline="") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        stale.append((path, table))
        if not check:
            with open(full, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    return [] if not check else stale


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the output differs from the file")
    ap.add_argument("--lines", action="store_true",
                    help='add #line "src/..." directives (diagnostics name the parts; not for committing)')
    ap.add_argument("--output", default=os.path.join(ROOT, "evloop.hpp"))
    args = ap.parse_args()
    stale = write_feature_outputs(args.check)
    if stale:
        sys.stderr.write("%s %s stale: %s from %s; run 'make header' and commit the "
                         "result.\n" % (", ".join(p for p, _ in stale), "is" if len(stale) == 1 else "are",
                                        "it differs from what tools/amalgamate.py makes" if len(stale) == 1
                                        else "they differ from what tools/amalgamate.py makes",
                                        " and ".join(sorted(set(t for _, t in stale)))))
        return 1
    output = os.path.abspath(args.output)
    inside = output.startswith(os.path.join(ROOT, ""))
    text = build(args.lines, os.path.relpath(output, ROOT).replace(os.sep, "/") if inside else output)
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
