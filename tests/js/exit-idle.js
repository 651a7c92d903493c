// The loop ends by itself when nothing is pending: timers that all fired,
// cleared intervals and removed watchers leave nothing to wait for. (A loop
// that kept running would hit the test timeout.)
// timeout: 10
// stdin: tests/js/stdin-data.txt
var failures = [];
function fail(msg) { failures.push(msg); }
var iv = setInterval(function () {}, 1000000);
var t = setTimeout(function () {}, 1000000);
EventLoop.watch(0, Poll.POLLIN, function () {
    EventLoop.unwatch(0);
    clearInterval(iv);
    clearTimeout(t);
    setTimeout(function () {
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 5);
});
