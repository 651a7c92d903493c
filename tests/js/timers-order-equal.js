// Deadline order, and equal deadlines in creation order, also for timers made
// by callbacks, intervals and mixed delays (virtual clock: exact).
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var log = [];
function L(name) { return function () { log.push(name); }; }

/* 100 timers with the same delay fire in creation order */
var many = [];
for (var i = 0; i < 100; i++) {
    (function (k) { setTimeout(function () { many.push(k); }, 10); })(i);
}

/* different delays, created in reverse: deadline order */
setTimeout(L('d9'), 9);
setTimeout(L('d8'), 8);
setTimeout(L('d3'), 3);
setTimeout(L('d3b'), 3);
setTimeout(L('d1'), 1);
setTimeout(L('d0'), 0);

/* a timer made at time T by a callback, with deadline T + d, sorts against
 * older timers by deadline then creation */
setTimeout(function () {
    log.push('p20');
    setTimeout(L('p20+5'), 5);      // deadline 25, created after 'q25'
    setTimeout(L('p20+0'), 0);      // deadline 20, after 'q20' (created earlier, same deadline)
}, 20);
setTimeout(L('q20'), 20);
setTimeout(L('q25'), 25);
setTimeout(L('q26'), 26);

/* an interval and timeouts on the same deadlines */
var ticks = 0;
var iv = setInterval(function () {
    ticks++;
    log.push('i' + ticks);
    if (ticks === 3) { clearInterval(iv); }
}, 40);                              // 40, 80, 120
setTimeout(L('t40'), 40);            // created after the interval: after i1

setTimeout(function () {
    var want = 'd0,d1,d3,d3b,d8,d9,p20,q20,p20+0,q25,p20+5,q26,i1,t40,i2,i3';
    if (log.join() !== want) { fail('order ' + log.join() + '\n     want ' + want); }
    for (var k = 0; k < 100; k++) {
        if (many[k] !== k) { fail('equal deadlines: position ' + k + ' has ' + many[k]); break; }
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 200);
