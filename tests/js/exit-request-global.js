// requestEventLoopExit() is EventLoop.requestExit under a global name: no
// further callback runs, exit status 0.
// flags: --virtual-clock
// timeout: 10
if (typeof requestEventLoopExit !== 'function') { print('FAIL requestEventLoopExit is not a function'); }
setTimeout(function () { print('ok'); requestEventLoopExit(); }, 5);
setTimeout(function () { print('FAIL ran after requestEventLoopExit'); }, 5);
setInterval(function () {}, 3);
setTimeout(function () { print('FAIL ran after requestEventLoopExit'); }, 100);
