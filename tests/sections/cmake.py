"""cmake: examples/cmake configured and built out of tree (build/cmake) as a
user's project would, its program run: exact output, exit 0."""
import os
import shutil

from sections.common import DUKTAPE_DIR, JOBS, record, run


CMAKE_HELLO_OUTPUT = "hello from a timer: 42\n"


def main(tmp):
    """Configures examples/cmake out of tree in build/cmake (evloop through
    add_subdirectory, Duktape from DUKTAPE_DIR), builds it warning-free and
    runs its program."""
    if not shutil.which("cmake"):
        record("cmake", "cmake is installed", False, "cmake not found on PATH (make test-deps installs it)")
        return
    build = os.path.join("build", "cmake")
    steps = [("configure: cmake -S examples/cmake -B build/cmake",
              ["cmake", "-S", "examples/cmake", "-B", build, "-DDUKTAPE_DIR=" + os.path.abspath(DUKTAPE_DIR),
               "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"]),
             ("build: cmake --build build/cmake", ["cmake", "--build", build, "--parallel", str(JOBS)])]
    for name, cmd in steps:
        rc, out, err = run(cmd, timeout=600)
        record("cmake", name, rc == 0, "exit %s\n%s\n%s" % (rc, out[-3000:], err[-3000:]))
        if rc != 0:
            return
    rc, out, err = run([os.path.join(build, "hello")], timeout=30)
    record("cmake", "build/cmake/hello prints %r and exits 0" % CMAKE_HELLO_OUTPUT.strip(),
           rc == 0 and out == CMAKE_HELLO_OUTPUT and not err,
           "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
