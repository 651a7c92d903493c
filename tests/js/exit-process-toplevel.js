// process.exit(code) in top-level code: ends at once with that code; the
// rest of the script and the timers it made do not run.
// flags: --virtual-clock
// timeout: 10
// expect-exit: 7
setTimeout(function () { print('FAIL timer ran after process.exit'); }, 0);
print('ok');
function deep() { process.exit(7); }
deep();
print('FAIL code after process.exit ran');
