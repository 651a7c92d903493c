"""header: the committed evloop.hpp equals the generator's output, each part
of src/ compiles on its own, and the generator's JS compactor on a sample."""
import os
import sys

from sections.common import ROOT, record, run


def main(tmp):
    rc, out, err = run([sys.executable, "tools/amalgamate.py", "--check"])
    record("header", "evloop.hpp matches tools/amalgamate.py output", rc == 0, out + err)
    # The JS compactor keeps what is code (strings, regular expressions,
    # division) and the line count, drops comments, indentation and the
    # blanks that no two tokens need (it keeps `a- -b`, `c+ ++d`, `1 .x`).
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import amalgamate
    sample = ("/* head\n * more */\nvar a = '//x', b = \"/*y*/\"; // note\n"
              "    var r = /[/]\\//g, d = a.length / 2 / 1; /* c */ x(/a*/.test(b));\n"
              "\treturn /re/i;\n"
              "if (typeof x === 'y' && a - -b > c + ++d && 1 .toFixed && $a in o) { return 's p'; } "
              "else { e = f instanceof G; }\n")
    want = ("\n\nvar a='//x',b=\"/*y*/\";\n"
            "var r= /[/]\\//g,d=a.length / 2 / 1; x(/a*/.test(b));\nreturn /re/i;\n"
            "if(typeof x==='y'&&a- -b>c+ ++d&&1 .toFixed&&$a in o){return's p';}else{e=f instanceof G;}\n")
    got = amalgamate.js_compact(sample)
    record("header", "tools/amalgamate.py js_compact on a sample", got == want, "got %r\nwant %r" % (got, want))
    # Every C++ part of src/ compiles on its own (it includes what it uses),
    # so a reader or a tool can follow a name from any part.
    rc, out, err = run([sys.executable, "tools/check_parts.py"], timeout=300)
    record("header", "each part of src/ compiles on its own (tools/check_parts.py)", rc == 0, out + err)
