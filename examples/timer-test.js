/*
 *  Timer stress (the original example's scenario): 4000 timers with uneven
 *  random delays, and a 500 ms interval that reports how many are pending.
 *  Prints a checksum at the end so a run can be compared with another.
 */
var TIMERS = 4000;
var pending = 0;
var fired = 0;
var late = 0;
var reportId;
var seed = 12345;

/* A seeded generator (LCG), so that runs on the virtual clock repeat exactly. */
function random() {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
}

function makeTimer(delay) {
    var due = EventLoop.now() + delay;
    pending++;
    setTimeout(function () {
        if (EventLoop.now() < due) { late++; }   /* "late" here would mean early */
        pending--;
        fired++;
        if (pending === 0) {
            clearInterval(reportId);
            print('done:', fired, 'timers fired,', late, 'early');
        }
    }, delay);
}

for (var i = 0; i < TIMERS; i++) {
    /* Uneven: mostly short, a tail up to 3 s. */
    var r = random();
    makeTimer(Math.floor(r * r * r * 3000));
}

reportId = setInterval(function () {
    print('pending timers:', pending);
}, 500);
