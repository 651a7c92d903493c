// An EventLoop.onerror that itself throws: that error is reported (stderr,
// exit status 1) and the loop goes on.
// flags: --virtual-clock
// timeout: 10
// expect-exit: 1
// expect-stderr: onerror handler boom
var failures = [];
function fail(msg) { failures.push(msg); }
var handled = 0;
EventLoop.onerror = function (err) {
    handled++;
    if (!(err instanceof Error) || err.message !== 'callback boom') { fail('onerror got ' + String(err)); }
    throw new Error('onerror handler boom');
};
setTimeout(function () { throw new Error('callback boom'); }, 1);
var later = false;
setTimeout(function () { later = true; }, 2);
setTimeout(function () {
    if (handled !== 1) { fail('onerror ran ' + handled + ' times, want 1'); }
    if (!later) { fail('the loop stopped after onerror threw'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 10);
