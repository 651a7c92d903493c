// EventLoop.requestExit(): no further callback runs, not even one due in
// the same round, nor a watcher; pending intervals and watchers do not keep
// the loop alive; the exit status is 0.
// flags: --virtual-clock
// stdin: tests/js/stdin-data.txt
// timeout: 10
setInterval(function () {}, 1);   // would keep the loop alive forever
var watcherCalls = 0;
setTimeout(function () {
    /* from now on fd 0 (a file: always readable) is ready in every turn */
    EventLoop.watch(0, Poll.POLLIN, function () {
        watcherCalls++;
        if (watcherCalls > 1) { print('FAIL watcher callback ran after requestExit'); }
        setTimeout(function () { print('FAIL timer made by the last callback ran'); }, 0);
        print('ok');
        EventLoop.requestExit();
        print('still in the callback after requestExit (allowed)');
    });
}, 5);
setTimeout(function () { print('FAIL this timer is due after requestExit'); }, 20);
