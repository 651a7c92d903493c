// A script that throws at top level: exit status 1 and a stack trace on
// stderr that names the script file and the line; the rest of the script
// does not run.
// expect-exit: 1
// expect-stderr: Error: top-level boom
// expect-stderr: tests/js/script-throw.js:10
print('ok');
function thrower() {
    setTimeout(function () {}, 0);
    throw new Error('top-level boom');   // this is line 10
}
thrower();
print('FAIL code after the throw ran');
