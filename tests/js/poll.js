// Poll.poll(set, timeoutMs): reports revents for each fd of the set and
// returns the fds that have any; the POLL* constants have the Linux values.
// stdin: tests/js/stdin-data.txt
var failures = [];
function fail(msg) { failures.push(msg); }
var want = { POLLIN: 1, POLLPRI: 2, POLLOUT: 4, POLLERR: 8, POLLHUP: 16, POLLNVAL: 32 };
for (var name in want) {
    if (Poll[name] !== want[name]) { fail('Poll.' + name + ' is ' + Poll[name] + ', want ' + want[name]); }
}
if (typeof Poll.poll !== 'function') { fail('Poll.poll is not a function'); }

/* stdin is a regular file: readable at once */
var set = { 0: { events: Poll.POLLIN } };
var r = Poll.poll(set, 0);
if (!(r instanceof Array) || r.length !== 1 || r[0] !== 0) { fail('poll(stdin) returned ' + JSON.stringify(r) + ', want [0]'); }
if (typeof set[0].revents !== 'number' || !(set[0].revents & Poll.POLLIN)) {
    fail('poll(stdin) revents ' + set[0].revents + ', want POLLIN set');
}
/* an fd that is not open: POLLNVAL */
var set2 = { 0: { events: Poll.POLLIN }, 999: { events: Poll.POLLIN } };
var r2 = Poll.poll(set2, 0);
if (!(set2[999].revents & Poll.POLLNVAL)) { fail('poll of fd 999 revents ' + set2[999].revents + ', want POLLNVAL'); }
if (r2.length !== 2 || r2.indexOf(0) < 0 || r2.indexOf(999) < 0) { fail('poll of fds 0, 999 returned ' + JSON.stringify(r2)); }
/* an empty set with a timeout waits about that long, then returns [] */
var t0 = EventLoop.now();
var r3 = Poll.poll({}, 20);
var waited = EventLoop.now() - t0;
if (!(r3 instanceof Array) || r3.length !== 0) { fail('poll({}, 20) returned ' + JSON.stringify(r3)); }
if (waited < 19) { fail('poll({}, 20) returned after ' + waited.toFixed(2) + ' ms'); }
/* a set that is not an object: TypeError */
var threw = null;
try { Poll.poll(42, 0); } catch (e) { threw = e; }
if (!(threw instanceof TypeError)) { fail('Poll.poll(42, 0) threw ' + String(threw) + ', want TypeError'); }
for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
