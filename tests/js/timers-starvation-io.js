// A zero-delay chain does not starve I/O: a watcher on a ready fd (stdin
// from a file) gets its callback while an endless zero-delay chain (and a
// zero-delay interval) runs.
// stdin: tests/js/stdin-data.txt
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var chain = 0, stop = false, ivTicks = 0, iv = null;
function spin() {
    if (stop) { return; }
    chain++;
    if (chain > 20000) {
        fail('the watcher got no callback during ' + chain + ' zero-delay timers');
        return finish();
    }
    setTimeout(spin, 0);
}
/* start the chain first, then watch from inside it, so that the loop is
 * already busy with zero-delay work when the fd becomes interesting */
setTimeout(function () {
    spin();
    iv = setInterval(function () { ivTicks++; }, 0);
    var stepsAtWatch = chain;
    EventLoop.watch(0, Poll.POLLIN, function (fd, revents) {
        EventLoop.unwatch(0);
        if (!(revents & Poll.POLLIN)) { fail('watcher revents ' + revents); }
        if (chain - stepsAtWatch > 100) { fail('watcher waited ' + (chain - stepsAtWatch) + ' zero-delay turns'); }
        finish();
    });
}, 0);
var finished = false;
function finish() {
    if (finished) { return; }
    finished = true;
    stop = true;
    clearInterval(iv);
    EventLoop.unwatch(0);
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
