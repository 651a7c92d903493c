// process.exit(code) from a callback ends at once with that code: the code
// after it does not run, nor any other callback (due in the same round or
// later), and pending timers do not keep the process alive.
// flags: --virtual-clock
// timeout: 10
// expect-exit: 5
setInterval(function () {}, 1);
setTimeout(function () {
    print('ok');
    process.exit(5);
    print('FAIL code after process.exit ran');
}, 10);
setTimeout(function () { print('FAIL same-round timer ran after process.exit'); }, 10);
setTimeout(function () { print('FAIL later timer ran after process.exit'); }, 20);
