// A syntax error: exit status 1, and stderr names SyntaxError, the script
// file and the line. Nothing of the script runs (stdout must be empty:
// script-syntax-error.out).
// expect-exit: 1
// expect-stderr: SyntaxError
// expect-stderr: tests/js/script-syntax-error.js:9
print('FAIL this must not run: the script does not compile');
var ok = 1;
var broken = ;
