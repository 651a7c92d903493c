// process.exit ends at once: a try/catch or try/finally around it does not
// keep the script running (as in Node.js).
// flags: --virtual-clock
// timeout: 10
// expect-exit: 4
setTimeout(function () {
    print('ok');
    try {
        process.exit(4);
    } catch (e) {
        print('FAIL catch block ran after process.exit: ' + String(e));
    }
    print('FAIL code after try/catch around process.exit ran');
}, 1);
setTimeout(function () { print('FAIL timer ran after process.exit'); }, 2);
