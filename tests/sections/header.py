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
    # Slot names (src/slots.json) become literal indexes in the embedded
    # JS; a name the table does not have fails generation.
    table = amalgamate.SLOT_TABLE
    got = table.substitute("x.js", "S[ST_ROUND]+=1;h(EV_DATA,s[REC_OWNER]);")
    want = "S[%d]+=1;h(%d,s[%d]);" % (table.values["ST_ROUND"], table.values["EV_DATA"], table.values["REC_OWNER"])
    record("header", "tools/slots.py substitutes slot names", got == want, "got %r\nwant %r" % (got, want))
    try:
        table.substitute("x.js", "S[ST_NO_SUCH_SLOT]")
        failed = None
    except SystemExit as e:
        failed = str(e)
    record("header", "tools/slots.py fails on an unknown slot name",
           failed is not None and "ST_NO_SUCH_SLOT" in failed, "got %r" % failed)
    # Every C++ part of src/ compiles on its own (it includes what it uses),
    # so a reader or a tool can follow a name from any part.
    rc, out, err = run([sys.executable, "tools/check_parts.py"], timeout=300)
    record("header", "each part of src/ compiles on its own (tools/check_parts.py)", rc == 0, out + err)
