// setInterval skips the ticks it missed instead of firing them in a burst,
// and keeps the grid start + k * interval (REAL clock): a 10 ms interval
// whose first callback blocks the loop for 35 ms.
// timeout: 30
// valgrind: skip real-clock tolerances: under valgrind the setInterval call itself takes ~3 ms, so the grid's origin is too uncertain for the burst check
var failures = [];
function fail(msg) { failures.push(msg); }
var ticks = [];
var busyEnd = -1;
var start = EventLoop.now();
var callTime = 0;   /* the grid's origin lies between start and start + callTime */
var iv = setInterval(function () {
    var now = EventLoop.now();
    ticks.push(now - start);
    if (ticks.length === 1) {
        while (EventLoop.now() < now + 35) { /* block the loop past three grid points */ }
        busyEnd = EventLoop.now() - start;
    }
    if (ticks.length === 9) { clearInterval(iv); check(); }
}, 10);
callTime = EventLoop.now() - start;
function check() {
    var after = ticks.slice(1);
    var report = ' (first tick +' + ticks[0].toFixed(2) + ', busy until +' + busyEnd.toFixed(2) +
                 ', then ticks at ' + after.map(function (t) { return '+' + t.toFixed(2); }).join(' ') + ')';
    if (ticks[0] < 10) { fail('first tick early' + report); }
    if (after[0] < busyEnd) { fail('a tick ran inside the busy one' + report); }
    /* No burst: once a tick has run, the next one waits for the next grid
     * point (start + k*10) after it. A burst of the missed ticks (or a
     * catch-up tick) comes right after the previous one. */
    for (var k = 1; k < after.length; k++) {
        var nextGrid = 10 * Math.floor(after[k - 1] / 10 + 1e-9) + 10;
        if (after[k] < nextGrid - callTime - 0.01) {
            fail('tick at +' + after[k].toFixed(2) + ' came ' + (after[k] - after[k - 1]).toFixed(2) +
                 ' ms after the one before, before the grid point +' + nextGrid + ': a burst' + report);
            break;
        }
    }
    /* Grid: no tick after the busy one runs before a grid point it could
     * belong to: each is at least as late as start + k*10 for the k its
     * position implies once the missed ticks are skipped. (How late a tick
     * is depends on the machine's load, so only the lower bound is checked;
     * the exact grid is checked on the virtual clock in timers-interval.js.) */
    var firstAfter = 10 * Math.floor(busyEnd / 10 + 1e-9);
    for (k = 0; k < after.length; k++) {
        if (after[k] < firstAfter - callTime - 0.01) {
            fail('tick ' + k + ' after the busy one at +' + after[k].toFixed(2) + ' is before the grid point +' +
                 firstAfter + report);
            break;
        }
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
