// setInterval keeps a steady schedule: with callbacks that do no work, ticks
// come at exactly start + k * interval (virtual clock); an interval keeps its
// grid while other timers come and go, and ends only when cleared.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var start = EventLoop.now();

var t10 = [];
var iv10 = setInterval(function () {
    t10.push(EventLoop.now() - start);
    if (t10.length === 10) { clearInterval(iv10); }
}, 10);

/* a second interval, with a timer doing nothing in between, on its own grid */
var t7 = [];
var iv7 = setInterval(function (tag) {
    if (tag !== 'seven') { fail('interval lost its argument: ' + tag); }
    t7.push(EventLoop.now() - start);
    if (t7.length === 6) { clearInterval(iv7); }
}, 7, 'seven');
setTimeout(function () {}, 3);
setTimeout(function () {}, 11);

/* an interval started inside a callback: grid from its own start */
var t5 = [], s5 = -1;
setTimeout(function () {
    s5 = EventLoop.now() - start;
    var iv5 = setInterval(function () {
        t5.push(EventLoop.now() - start);
        if (t5.length === 4) { clearInterval(iv5); }
    }, 5);
}, 13);

/* an interval with interval 1 runs every ms */
var t1 = [];
var iv1 = setInterval(function () {
    t1.push(EventLoop.now() - start);
    if (t1.length === 5) { clearInterval(iv1); }
}, 1);

/* the loop ends by itself once every interval is cleared: the check runs last */
setTimeout(function () {
    function grid(list, first, step, n) {
        var want = [];
        for (var k = 0; k < n; k++) { want.push(first + k * step); }
        return want.join();
    }
    if (t10.join() !== grid(t10, 10, 10, 10)) { fail('interval 10 ticked at ' + t10.join() + ', want ' + grid(t10, 10, 10, 10)); }
    if (t7.join() !== grid(t7, 7, 7, 6)) { fail('interval 7 ticked at ' + t7.join() + ', want ' + grid(t7, 7, 7, 6)); }
    if (s5 !== 13 || t5.join() !== grid(t5, 18, 5, 4)) { fail('interval 5 from +13 ticked at ' + t5.join() + ', want ' + grid(t5, 18, 5, 4)); }
    if (t1.join() !== '1,2,3,4,5') { fail('interval 1 ticked at ' + t1.join() + ', want 1,2,3,4,5'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 150);
