"""asan: the unit tests and the JS suite again under ASan + UBSan
(build/asan/unit, build/asan/evloop; Duktape built with them too)."""
from sections import js, unit
from sections.common import use_sanitizer_exit_codes


def main(tmp):
    use_sanitizer_exit_codes()
    unit.run_doctest("build/asan/unit", "asan")
    js.run_scripts("build/asan/evloop", "asan", "tests/js/*.js")
