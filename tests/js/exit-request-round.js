// requestExit from a timer: the other timers due in the same round (equal
// deadline) do not run.
// flags: --virtual-clock
// timeout: 10
setTimeout(function () { print('ok'); EventLoop.requestExit(); }, 10);
setTimeout(function () { print('FAIL same-round timer ran after requestExit'); }, 10);
var iv = setInterval(function () { print('FAIL same-round interval ran after requestExit'); }, 10);
setTimeout(function () { print('FAIL later timer ran after requestExit'); }, 11);
