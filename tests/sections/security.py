"""security: tests/security/*.js, a hostile script per attack on the script
boundary (docs/RELIABILITY.md), under ASan + UBSan, both loops and both
backends; each asserts the attack fails with a clear error and the loop goes
on."""
from sections import js
from sections.common import use_sanitizer_exit_codes


def main(tmp):
    use_sanitizer_exit_codes()
    js.run_scripts("build/asan/evloop", "security", "tests/security/*.js")
