/*
 *  Limits (tests/run.py, section 'limits'): N pending timers at once
 *  (default 1,000,000), and the memory they take.
 *
 *    ./evloop [-c] tests/soak/limits-timers.js [N]
 *
 *  The ids go into an array allocated before the baseline, so the RSS
 *  delta (/proc/self/status VmRSS) is the timers' own: the loop's
 *  structures and, in the ECMAScript loop, the JS objects. All N are
 *  pending at once (created with delays of 1-2 s, one shared callback, no
 *  extra arguments); then every other one is cleared and the rest must
 *  fire, exactly N/2 callbacks. Prints one "timers ..." line, then "ok".
 */
var N = Number(process.argv[2] || 1000000);
var failures = [];
function fail(msg) { failures.push(msg); }

function rssKiB() {
    var m = /VmRSS:\s*(\d+)\s*kB/.exec(String(FileIo.readfile('/proc/self/status')));
    return m ? Number(m[1]) : -1;
}

var ids = [];
var i;
for (i = 0; i < N; i++) { ids[i] = 0; }
var fired = 0;
function onTimer() { fired++; }

var rss0 = rssKiB();
var t0 = EventLoop.now();
for (i = 0; i < N; i++) { ids[i] = setTimeout(onTimer, 1000 + (i % 1000)); }
var t1 = EventLoop.now();
var rss1 = rssKiB();
for (i = 0; i < N; i += 2) { clearTimeout(ids[i]); }
var t2 = EventLoop.now();
var distinct = true;
for (i = 1; i < N && distinct; i++) { if (ids[i] === ids[i - 1] || !(ids[i] > 0)) { distinct = false; } }
if (!distinct) { fail('setTimeout returned a repeated or non-positive id at ' + i); }

/* runs after every remaining timer: its deadline is past all of theirs */
setTimeout(function () {
    if (fired !== N - Math.ceil(N / 2)) { fail(fired + ' timers fired, want ' + (N - Math.ceil(N / 2))); }
    print('timers n=' + N + ' rss_before_kib=' + rss0 + ' rss_pending_kib=' + rss1 +
          ' bytes_per_timer=' + ((rss1 - rss0) * 1024 / N).toFixed(1) +
          ' create_ms=' + (t1 - t0).toFixed(0) + ' clear_half_ms=' + (t2 - t1).toFixed(0) +
          ' fired=' + fired);
    for (var k = 0; k < failures.length; k++) { print('FAIL ' + failures[k]); }
    if (!failures.length) { print('ok'); }
}, 2500);
