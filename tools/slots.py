#!/usr/bin/env python3
"""The slots table, src/slots.json: the names of the positions that the
embedded JS and the C++ share (Python 3 standard library only; used by
tools/amalgamate.py, which substitutes them and writes and --checks the
output).

A layout is an array (or a set of codes) read or written by index on both
sides: the ECMAScript loop's state array, its env, a stream's record in
ecma_stream.js, the stream events. Each has a JS prefix and a C++ prefix;
each slot a name, its index (its position in the list, from the layout's
`first`; a slot with `count` takes that many indexes, null leaves one
free) and a doc line.

In the JS (src/**/*.js) a slot is written by name, `S[ST_ROUND]`; the
generator puts the number in its place in the embedded text, after the
comments are stripped (`S[10]`): a named constant would be an outer
variable, a scope lookup, ~350 instructions a read where a literal index
costs none (ecma_loop.js, "Performance notes"), so the embedded JS is what
the hand-written numbers were. The C++ reads the same slots through the
enums of the generated part src/ecma/slots.hpp: ST_ROUND is kStRound there
(the JS spelling would be a macro's: libev defines EV_ERROR, <sys/statvfs.h>
ST_* names). Generation fails with one sentence on a name the table does not
have, or a slot no part uses.
"""
import json
import os
import re
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = "src/slots.json"
SLOTS_HPP = "ecma/slots.hpp"
LAYOUT_KEYS = {"name", "js", "cpp", "first", "doc", "slots"}
SLOT_KEYS = {"name", "count", "doc"}
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def cpp_name(js_name):
    """ST_ROUND -> kStRound."""
    return "k" + "".join(w.capitalize() for w in js_name.split("_"))


class Table(object):
    """The layouts of src/slots.json, checked: fails with one sentence on a
    mistake. values: {JS name: index}; token: a regex matching any word
    with a layout's JS prefix (a known name or a mistake)."""

    def __init__(self, root=ROOT):
        try:
            with open(os.path.join(root, TABLE), encoding="utf-8") as f:
                self.layouts = json.load(f)["layouts"]
        except (ValueError, KeyError) as e:
            raise SystemExit("%s is not a JSON object with a list of layouts: %s" % (TABLE, e))
        self.root = root
        self.values, self.cpp, prefixes = {}, {}, []
        for layout in self.layouts:
            where = "%s, layout %s" % (TABLE, layout.get("name"))
            if set(layout) - LAYOUT_KEYS or not {"name", "js", "cpp", "doc", "slots"} <= set(layout):
                raise SystemExit("%s: a layout has the fields %s (first optional)" % (where, ", ".join(sorted(LAYOUT_KEYS))))
            if not NAME.match(layout["js"] + "X") or not layout["js"].endswith("_") or layout["js"] in prefixes:
                raise SystemExit("%s: js must be a prefix of its own such as \"ST_\"" % where)
            prefixes.append(layout["js"])
            index = layout.get("first", 0)
            for slot in layout["slots"]:
                if slot is None:
                    index += 1
                    continue
                name = layout["js"] + slot.get("name", "")
                if set(slot) - SLOT_KEYS or not NAME.match(slot.get("name", "")) or name in self.values \
                        or "doc" not in slot:
                    raise SystemExit("%s: slot %d needs a new UPPER_CASE name and a doc, and only the fields %s"
                                     % (where, index, ", ".join(sorted(SLOT_KEYS))))
                self.values[name] = index
                self.cpp[name] = cpp_name(name)
                index += slot.get("count", 1)
        self.token = re.compile(r"\b(?:%s)[A-Za-z0-9_]*\b" % "|".join(re.escape(p) for p in prefixes))

    def substitute(self, where, code):
        """The JS code (comments stripped) with each slot name replaced by its
        index; fails on a name the table does not have."""
        def number(m):
            if m.group(0) not in self.values:
                raise SystemExit("%s uses the slot name %s, which %s does not have."
                                 % (self.line_of(where, m.group(0)), m.group(0), TABLE))
            return str(self.values[m.group(0)])
        return self.token.sub(number, code)

    def line_of(self, where, name):
        """where:LINE, the first line of file `where` that names `name`."""
        try:
            with open(os.path.join(self.root, where), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if re.search(r"\b%s\b" % re.escape(name), line):
                        return "%s:%d" % (where, number)
        except OSError:
            pass
        return where

    def check_used(self, js_code, cpp_code):
        """Fails when a slot is named by neither the JS code (comments
        stripped) nor the C++ parts (by its kName)."""
        used_js = set(self.token.findall(js_code))
        for name in self.values:
            if name not in used_js and not re.search(r"\b%s\b" % self.cpp[name], cpp_code):
                raise SystemExit("%s names the slot %s, which no JS part uses (nor C++ as %s): remove it."
                                 % (TABLE, name, self.cpp[name]))

    def header(self):
        """The text of src/ecma/slots.hpp."""
        out = ["/* src/ecma/slots.hpp: GENERATED by tools/amalgamate.py from src/slots.json: do not edit",
               " * (change the table, then `make header`).",
               " *",
               " * The positions the embedded JS and the C++ share, as C++ enums; the JS",
               " * writes the same slots by their JS names (the first comment of each",
               " * enumerator), which the generator replaces by the numbers below",
               " * (tools/slots.py). */",
               "#pragma once", "", "namespace evloop {", "namespace detail {", ""]
        for layout in self.layouts:
            out += textwrap.wrap(layout["doc"], 96, initial_indent="/* ", subsequent_indent=" * ")
            out[-1] += " */"
            out.append("enum %s {" % layout["cpp"])
            index = layout.get("first", 0)
            rows = []
            for slot in layout["slots"]:
                if slot is None:
                    index += 1
                    continue
                name = layout["js"] + slot["name"]
                count = slot.get("count", 1)
                span = "" if count == 1 else " (%d slots: %d..%d)" % (count, index, index + count - 1)
                rows.append(("  %s = %d," % (self.cpp[name], index), "/* %s%s: %s */" % (name, span, slot["doc"])))
                index += count
            width = max(len(r[0]) for r in rows)
            out += ["%s %s" % (r[0].ljust(width), r[1]) for r in rows]
            out[-1] = out[-1].replace(",", " ", 1)
            out += ["};", ""]
        out += ["} /* namespace detail */", "} /* namespace evloop */", ""]
        return "\n".join(out)

    def outputs(self):
        return {"src/" + SLOTS_HPP: self.header()}
