// process.exit() without a code ends at once with exit status 0.
// flags: --virtual-clock
// timeout: 10
setTimeout(function () { print('ok'); process.exit(); }, 2);
setTimeout(function () { print('FAIL ran after process.exit()'); }, 2);
setInterval(function () {}, 1);
