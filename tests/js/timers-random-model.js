// Random setTimeout/setInterval/clearTimeout sequences against a reference
// model, on the virtual clock: every timer fires at its exact deadline, in
// (deadline, creation) order, and a cleared timer never fires. Exercises
// heap removals at every position, from inside callbacks too.
// flags: --virtual-clock
// timeout: 20
// needs: timers:4096
// pool: skip up to 4096 pending timers, each with its closure and a model record
var failures = [];
function fail(msg) { if (failures.length < 10) { failures.push(msg); } }
var seed = 7;
/* LCG; the high bits (the low ones have short periods). Products stay below 2^53. */
function rand(n) { seed = (seed * 214013 + 2531011) % 4294967296; return Math.floor(seed / 65536) % n; }

var live = {};        /* id -> {due, order, interval} */
var liveIds = [];
var order = 0;
var lastFire = null;  /* {due, order} of the previous firing */
var fired = 0;
var start = EventLoop.now();

function schedule(fromCallback) {
    var delay = rand(50);
    var repeat = rand(10) === 0;
    var rec = { due: EventLoop.now() + delay, order: order++, interval: repeat ? delay + 1 : -1, ticks: 0 };
    var id;
    var cb = function () {
        var now = EventLoop.now();
        if (!live[id]) { fail('timer ' + id + ' fired after it was cleared'); return; }
        if (now !== rec.due) { fail('timer ' + id + ' fired at ' + (now - start) + ', due ' + (rec.due - start)); }
        if (lastFire && (rec.due < lastFire.due)) { fail('timer ' + id + ' fired out of deadline order'); }
        if (lastFire && rec.due === lastFire.due && rec.order < lastFire.order) {
            fail('timer ' + id + ' fired out of creation order');
        }
        lastFire = { due: rec.due, order: rec.order };
        fired++;
        if (rec.interval > 0 && ++rec.ticks < 3) {
            rec.due += rec.interval;
            rec.order = order++;   /* a rescheduled interval queues behind timers created before */
        } else {
            if (rec.interval > 0) { clearInterval(id); }
            delete live[id];
        }
        /* Churn from inside callbacks: create and clear. */
        if (fired < 4000) {
            var k = rand(3);
            while (k-- > 0) { schedule(true); }
            clearRandom();
        }
    };
    id = rec.interval > 0 ? setInterval(cb, rec.interval) : setTimeout(cb, delay);
    if (rec.interval > 0) { rec.due = EventLoop.now() + rec.interval; }
    live[id] = rec;
    liveIds.push(id);
    return fromCallback;
}
function clearRandom() {
    if (!liveIds.length) { return; }
    var i = rand(liveIds.length);
    var id = liveIds[i];
    liveIds[i] = liveIds[liveIds.length - 1];
    liveIds.pop();
    if (live[id] && rand(2) === 0) {
        clearTimeout(id);
        delete live[id];
    }
}
for (var i = 0; i < 2000; i++) { schedule(false); if (rand(4) === 0) { clearRandom(); } }

function done() {
    for (var id in live) {
        if (live.hasOwnProperty(id)) { fail('timer ' + id + ' never fired'); break; }
    }
    if (fired < 2000) { fail('only ' + fired + ' timers fired'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
/* After everything: the loop ends, then check from a timer due last. */
var checkId = setInterval(function () {
    var any = false;
    for (var id in live) { if (live.hasOwnProperty(id)) { any = true; break; } }
    if (!any) { clearInterval(checkId); done(); }
}, 1000);
