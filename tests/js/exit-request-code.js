// EventLoop.requestExit(code): the CLI exits with that code.
// flags: --virtual-clock
// timeout: 10
// expect-exit: 3
setTimeout(function () { print('ok'); EventLoop.requestExit(3); }, 5);
setTimeout(function () { print('FAIL ran after requestExit(3)'); }, 5);
setInterval(function () {}, 2);
