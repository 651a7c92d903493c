"""configs: the small-build switches; the matrix itself is data, in
tests/configs/matrix.json (tools/size.py reads it too)."""
import concurrent.futures
import glob
import json
import os
import re
import sys
import time

from sections.common import ROOT, DUKTAPE_DIR, LOOPS, JOBS, record, run, js_case, wanted, settings


# Each configuration is built as build/configs/<name>/evloop (the CLI) and
# .../probe (tests/configs/probe.cpp: bindings, left-out features, backend,
# fixed capacities) with -Wall -Wextra -Wpedantic -Werror -std=c++11 against
# the shared build/duktape.o, checked with clang++ too, and runs the JS
# scripts that apply to it (tests/js and tests/configs), in the loops it has,
# on its own backend only (epoll unless it picks one), not under sanitizers.
# What the configurations, features and backends are is data, read here and
# by tools/size.py: tests/configs/matrix.json (its "about" fields say what
# each entry means).
# The optional features are rows of the feature table, src/features.json
# (those with an EVLOOP_NO_* macro): name, no (the macro), requires, and
# tests {script_prefix?, script_uses?}.
MATRIX_PATH = os.path.join(ROOT, "tests", "configs", "matrix.json")
with open(MATRIX_PATH) as _f:
    MATRIX = json.load(_f)
with open(os.path.join(ROOT, "src", "features.json")) as _f:
    FEATURES = [row for row in json.load(_f)["features"] if "no" in row]
FEATURE_NAMES = [f["name"] for f in FEATURES]
CONFIGS = MATRIX["configs"]["list"]   # [{name, defines, loops, scripts, cli?}]
CONFIG_COMBINATIONS = [c["defines"] for c in MATRIX["combinations"]["list"]]
FEATURE_MARKERS = MATRIX["feature_markers"]["markers"]   # [{features, text, embedded_js}]
for _m in FEATURE_MARKERS:
    for _name in _m["features"]:
        if _name not in FEATURE_NAMES:
            raise SystemExit("tests/configs/matrix.json: a marker names %r, not a feature of src/features.json" % _name)
BACKENDS_BY_MACRO = MATRIX["backends"]["macros"]
DEFAULT_BACKEND = MATRIX["backends"]["default"]
SELECT_FD_SETSIZE = MATRIX["backends"]["select_fd_setsize"]


def with_requirements(features):
    """features plus every feature they require (net: sockets), transitively."""
    out, todo = set(features), list(features)
    requires = dict((f["name"], f.get("requires", [])) for f in FEATURES)
    while todo:
        for r in requires.get(todo.pop(), []):
            if r not in out:
                out.add(r)
                todo.append(r)
    return out


def config_traits(defines):
    """What a build with these defines has: features, backend, limits."""
    d = dict(x.split("=", 1) if "=" in x else (x, "1") for x in defines)
    left_out = set(f["name"] for f in FEATURES if f["no"] in d)
    # a feature is in when it is not left out and neither is anything it requires
    features = set(f for f in FEATURE_NAMES if not with_requirements([f]) & left_out)
    backend = DEFAULT_BACKEND
    for macro, name in BACKENDS_BY_MACRO.items():   # the first that is defined, in the file's order
        if macro in d:
            backend = name
            break
    fd_limit = int(d["EVLOOP_MAX_FDS"]) if "EVLOOP_MAX_FDS" in d else None
    if backend == "select":
        fd_limit = min(fd_limit or SELECT_FD_SETSIZE, SELECT_FD_SETSIZE)
    max_timers = int(d["EVLOOP_MAX_TIMERS"]) if "EVLOOP_MAX_TIMERS" in d else None
    read_buffer = int(d.get("EVLOOP_READ_BUFFER_SIZE", 65536))
    return {"features": features, "backend": backend, "fd_limit": fd_limit, "max_timers": max_timers,
            "read_buffer": read_buffer}


def script_needs(path):
    """What a script needs from the build: a feature by the first word of its
    name (a feature's script_prefix: net-*, socket-*, fileio*), by what it
    uses (a feature's script_uses: Poll or EventLoop.watch/unwatch: poll;
    process: cli) and its '// needs:' lines: a feature's name, timers:N (N
    timers pending at once), fds:N (fd numbers up to N), read-buffer:N
    (EVLOOP_READ_BUFFER_SIZE at least N), max-timers (a build with
    EVLOOP_MAX_TIMERS), fd-limit (a build with EVLOOP_MAX_FDS or select()).
    A needed feature brings what it requires (net: sockets)."""
    word = re.split(r"[-.]", os.path.basename(path))[0]
    with open(path) as f:
        text = f.read()
    needs = set()
    for feature in FEATURES:
        shows = feature.get("tests", {})
        if shows.get("script_prefix") == word:
            needs.add(feature["name"])
        if "script_uses" in shows and re.search(shows["script_uses"], text):
            needs.add(feature["name"])
    for m in re.finditer(r"^\s*//\s*needs:\s*(.*)$", text, re.M):
        needs.update(m.group(1).split())
    return needs | with_requirements(needs & set(FEATURE_NAMES))


def unmet_needs(needs, traits):
    """The needs a build does not meet (empty: the script applies)."""
    unmet = []
    for n in sorted(needs):
        kind, _, value = n.partition(":")
        if kind in FEATURE_NAMES:
            ok = kind in traits["features"]
        elif kind == "timers":
            ok = traits["max_timers"] is None or traits["max_timers"] >= int(value)
        elif kind == "fds":
            ok = traits["fd_limit"] is None or traits["fd_limit"] >= int(value)
        elif kind == "read-buffer":
            ok = traits["read_buffer"] >= int(value)
        elif kind == "max-timers":
            ok = traits["max_timers"] is not None
        elif kind == "fd-limit":
            ok = traits["fd_limit"] is not None
        else:
            raise SystemExit("unknown '// needs: %s'" % n)
        if not ok:
            unmet.append(n)
    return unmet


def main(tmp):
    """Every small-build configuration: builds, probe, the JS that applies."""
    base = ["-std=c++11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-isystem", DUKTAPE_DIR, "-I."]
    t0 = time.time()
    builds = []  # (label, command, output or None)
    for config in CONFIGS:
        name, defines = config["name"], config["defines"]
        flags = ["-D" + x for x in defines]
        out = os.path.join("build/configs", name)
        os.makedirs(os.path.join(ROOT, out), exist_ok=True)
        builds.append(("%s: evloop (g++ -O2)" % name, ["g++", "-O2"] + base + flags +
                       ["examples/evloop-cli.cpp", "build/duktape.o", "-lm", "-o", out + "/evloop"]))
        builds.append(("%s: probe (g++ -O1)" % name, ["g++", "-O1"] + base + flags +
                       ["tests/configs/probe.cpp", "build/duktape.o", "-lm", "-o", out + "/probe"]))
    run_defines = [c["defines"] for c in CONFIGS]
    for defines in run_defines + CONFIG_COMBINATIONS:
        label = " ".join(defines)
        flags = [x if x.startswith("-") else "-D" + x for x in defines]
        for cxx in ("g++", "clang++"):
            if cxx == "g++" and defines in run_defines:
                continue  # built above
            builds.append(("%s -fsyntax-only %s: evloop and probe" % (cxx, label),
                           [cxx, "-fsyntax-only"] + base + flags + ["examples/evloop-cli.cpp", "tests/configs/probe.cpp"]))

    def build(job):
        label, cmd = job
        rc, o, e = run(cmd, timeout=300)
        return label, rc == 0, " ".join(cmd) + "\n" + o + e
    built = set()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for label, ok, detail in ex.map(build, builds):
            record("configs", "compiles without warnings: " + label, ok, detail)
            if ok:
                built.add(label)
    t_built = time.time()

    scripts = sorted(glob.glob(os.path.join(ROOT, "tests/js/*.js")) + glob.glob(os.path.join(ROOT, "tests/configs/*.js")))
    needs = dict((p, script_needs(p)) for p in scripts)
    jobs = []  # (config, kind, name, args)
    for config in CONFIGS:
        name, loop_choice, scope = config["name"], config["loops"], config["scripts"]
        traits = config_traits(config["defines"])
        binary = os.path.join("build/configs", name, "evloop")
        if "%s: probe (g++ -O1)" % name in built:
            jobs.append((name, "probe", "%s: tests/configs/probe.cpp" % name,
                         [os.path.join("build/configs", name, "probe"), traits["backend"]]))
        if "%s: evloop (g++ -O2)" % name not in built:
            continue
        loops = [l for l in LOOPS if l[0] == "cpp" or ("ecma" in traits["features"] and loop_choice == "both")]
        skipped = 0
        for path in scripts:
            if unmet_needs(needs[path], traits) or (scope == "sockets" and "sockets" not in needs[path]):
                skipped += 1
                continue
            for loop_name, flags in loops:
                label = "%s: %s [%s, %s]" % (name, os.path.relpath(path, ROOT), loop_name, traits["backend"])
                if wanted(label):
                    jobs.append((name, "js", label, (binary, path, flags, traits["backend"])))
        if settings.verbose:
            print("INFO configs: %s runs %d of %d scripts (%s loop%s)" % (
                name, len(scripts) - skipped, len(scripts), "/".join(l[0] for l in loops), "s" * (len(loops) > 1)))

    # The CLI: the loop it runs by default, and --backend takes only the build's backends.
    cli_checks = dict((c["name"], c["cli"]) for c in CONFIGS if "cli" in c)
    for name, checks in sorted(cli_checks.items()):
        if "%s: evloop (g++ -O2)" % name in built:
            for args, code, text in checks:
                jobs.append((name, "cli", "%s: evloop %s exits %d, says %r" % (name, " ".join(args), code, text),
                             ([os.path.join("build/configs", name, "evloop")] + args, code, text)))
    for config in CONFIGS:
        name, defines = config["name"], config["defines"]
        if "%s: evloop (g++ -O2)" % name in built:
            traits = config_traits(defines)
            jobs.append((name, "markers", "%s: the binary holds the code and JS of its features only" % name,
                         (os.path.join(ROOT, "build/configs", name, "evloop"), traits["features"],
                          "EVLOOP_COMPRESSED_JS" in defines)))

    def one(job):
        config, kind, label, args = job
        if kind == "markers":
            with open(args[0], "rb") as f:
                data = f.read()
            problems = []
            for m in FEATURE_MARKERS:
                marker = m["text"].encode()
                if m["embedded_js"] and args[2]:
                    continue  # deflated: not in the binary as text
                want = all(x in args[1] for x in m["features"])
                if (marker in data) != want:
                    problems.append("%r is %s (features: %s)" % (marker, "missing" if want else "present",
                                                                  " ".join(sorted(args[1]))))
            return label, not problems, "\n".join(problems)
        if kind == "cli":
            cmd, code, text = args
            rc, o, e = run(cmd, timeout=30)
            return label, rc == code and text in o + e, "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, o, e)
        if kind == "probe":
            rc, o, e = run(args, timeout=120)
            return label, rc == 0 and "ok" in o.split() and "FAIL" not in o, "exit %s\n%s%s" % (rc, o, e)
        ok, detail = js_case(*args)
        return label, ok, detail
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for label, ok, detail in ex.map(one, jobs):
            record("configs", label, ok, detail)
    print("INFO configs: %d configurations run, %d more compiled only, %d checks in %.0f s (builds %.0f s)" % (
        len(CONFIGS), len(CONFIG_COMBINATIONS), len(builds) + len(jobs), time.time() - t0, t_built - t0))
    sys.stdout.flush()
