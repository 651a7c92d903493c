// A script may use any global names, also the ones an event loop written in
// ECMAScript would like to use: they keep their values across timers,
// intervals and watcher callbacks, and the loop keeps working.
// flags: --virtual-clock
// timeout: 10
// stdin: tests/js/stdin-data.txt
var n = 'n-value', cb = 'cb-value', data = 'data-value', i = 'i-value', t = 't-value';
var heap = ['heap-value'], timers = { mine: true }, fds = [42];
var native = 'native-value', slots = 'slots-value', watchers = 'watchers-value', ready = 'ready-value';
var round = 'round-value', sequence = 'sequence-value', exiting = 'exiting-value', nowMs = 'nowMs-value';
var global = 'global-value', bindings = 'bindings-value', eventLoop = 'eventLoop-value', loop = 'loop-value';
function fire() { return 'my fire'; }
function run() { return 'my run'; }
function dispose() { return 'my dispose'; }
function alive() { return 'my alive'; }
function now() { return 'my now'; }
var failures = [];
function fail(msg) { failures.push(msg); }
function verify(where) {
    var wrong = [];
    if (n !== 'n-value') { wrong.push('n'); }
    if (cb !== 'cb-value') { wrong.push('cb'); }
    if (data !== 'data-value') { wrong.push('data'); }
    if (i !== 'i-value') { wrong.push('i'); }
    if (t !== 't-value') { wrong.push('t'); }
    if (!(heap instanceof Array) || heap.length !== 1 || heap[0] !== 'heap-value') { wrong.push('heap'); }
    if (timers === null || typeof timers !== 'object' || timers.mine !== true || Object.keys(timers).length !== 1) { wrong.push('timers'); }
    if (!(fds instanceof Array) || fds.length !== 1 || fds[0] !== 42) { wrong.push('fds'); }
    if (native !== 'native-value') { wrong.push('native'); }
    if (slots !== 'slots-value') { wrong.push('slots'); }
    if (watchers !== 'watchers-value') { wrong.push('watchers'); }
    if (ready !== 'ready-value') { wrong.push('ready'); }
    if (round !== 'round-value') { wrong.push('round'); }
    if (sequence !== 'sequence-value') { wrong.push('sequence'); }
    if (exiting !== 'exiting-value') { wrong.push('exiting'); }
    if (nowMs !== 'nowMs-value') { wrong.push('nowMs'); }
    if (global !== 'global-value') { wrong.push('global'); }
    if (bindings !== 'bindings-value') { wrong.push('bindings'); }
    if (eventLoop !== 'eventLoop-value') { wrong.push('eventLoop'); }
    if (loop !== 'loop-value') { wrong.push('loop'); }
    if (fire() !== 'my fire' || run() !== 'my run' || dispose() !== 'my dispose' || alive() !== 'my alive' || now() !== 'my now') {
        wrong.push('a global function');
    }
    if (wrong.length) { fail(where + ': changed ' + wrong.join(', ')); }
}
var steps = [];
setTimeout(function () { verify('timeout'); steps.push('timeout'); }, 1);
var ticks = 0;
var iv = setInterval(function () {
    verify('interval');
    ticks++;
    if (ticks === 3) { clearInterval(iv); steps.push('interval'); }
}, 2);
var cleared = setTimeout(function () { fail('cleared timer ran'); }, 3);
clearTimeout(cleared);
EventLoop.watch(0, Poll.POLLIN, function () {
    verify('watcher');
    EventLoop.unwatch(0);
    steps.push('watcher');
});
setTimeout('verify("string callback"); steps.push("string")', 4);
setTimeout(function () {
    verify('final');
    steps.sort();
    if (steps.join() !== 'interval,string,timeout,watcher') { fail('callbacks that ran: ' + steps.join()); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 20);
