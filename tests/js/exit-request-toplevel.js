// requestExit in top-level code: no callback runs at all.
// flags: --virtual-clock
// timeout: 10
setTimeout(function () { print('FAIL timer ran after a top-level requestExit'); }, 0);
setInterval(function () { print('FAIL interval ran after a top-level requestExit'); }, 1);
EventLoop.requestExit();
print('ok');
