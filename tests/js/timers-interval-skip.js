// setInterval skips the ticks it missed instead of firing them in a burst,
// and keeps the grid start + k * interval (REAL clock): a 10 ms interval
// whose first callback blocks the loop for 35 ms.
// timeout: 30
// sanitizers: skip (millisecond tolerances on the real clock; ASan slows calls by ms)
var failures = [];
function fail(msg) { failures.push(msg); }
var ticks = [];
var busyEnd = -1;
var start = EventLoop.now();
var iv = setInterval(function () {
    var now = EventLoop.now();
    ticks.push(now - start);
    if (ticks.length === 1) {
        while (EventLoop.now() < now + 35) { /* block the loop past three grid points */ }
        busyEnd = EventLoop.now() - start;
    }
    if (ticks.length === 9) { clearInterval(iv); check(); }
}, 10);
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
        if (after[k] < nextGrid - 0.01) {
            fail('tick at +' + after[k].toFixed(2) + ' came ' + (after[k] - after[k - 1]).toFixed(2) +
                 ' ms after the one before, before the grid point +' + nextGrid + ': a burst' + report);
            break;
        }
    }
    /* Grid: the ticks after the busy one stay on start + k*10, a few ms late
     * at most. Most ticks must be within 4 ms (a scheduler hiccup may delay
     * one or two; a schedule that drifts to busyEnd + k*10 is ~5 ms off on
     * every tick). */
    var onGrid = 0;
    for (k = 1; k < after.length; k++) {
        var lateness = after[k] - 10 * Math.floor(after[k] / 10 + 1e-9);
        if (lateness <= 4) { onGrid++; }
    }
    if (onGrid * 2 < after.length - 1) {
        fail('only ' + onGrid + ' of ' + (after.length - 1) + ' later ticks within 4 ms of start + k*10' + report);
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
