// clearTimeout/clearInterval never throw, whatever they get; either one
// cancels either kind of timer; a cleared timer never fires, also when it is
// due in the same round as the callback that clears it.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var fired = {};
function mark(name) { return function () { fired[name] = (fired[name] || 0) + 1; }; }

/* ---- never throw ---- */
var weird = [
    ['nothing', []], ['undefined', [undefined]], ['null', [null]], ['{}', [{}]],
    ['[]', [[]]], ['function', [function () {}]], ["'abc'", ['abc']], ["'1'", ['1']], ["''", ['']],
    ['NaN', [NaN]], ['-1', [-1]], ['0', [0]], ['-0', [-0]], ['1.5', [1.5]], ['Infinity', [Infinity]],
    ['-Infinity', [-Infinity]], ['2^53', [9007199254740992]], ['1e300', [1e300]], ['true', [true]],
    ['two args', [1, 2]],
    ['throwing valueOf', [{ valueOf: function () { throw new Error('valueOf must not be called'); } }]],
    ['throwing toString', [{ toString: function () { throw new Error('toString must not be called'); } }]]
];
var clears = [['clearTimeout', clearTimeout], ['clearInterval', clearInterval]];
for (var c = 0; c < clears.length; c++) {
    for (var w = 0; w < weird.length; w++) {
        try {
            var r = clears[c][1].apply(undefined, weird[w][1]);
            if (r !== undefined) { fail(clears[c][0] + '(' + weird[w][0] + ') returned ' + String(r)); }
        } catch (e) {
            fail(clears[c][0] + '(' + weird[w][0] + ') threw ' + String(e));
        }
    }
}

/* ---- cleared before it fires: never fires; either function clears either kind ---- */
clearTimeout(setTimeout(mark('t-by-clearTimeout'), 5));
clearInterval(setTimeout(mark('t-by-clearInterval'), 5));
clearTimeout(setInterval(mark('i-by-clearTimeout'), 5));
clearInterval(setInterval(mark('i-by-clearInterval'), 5));
clearTimeout(setTimeout(mark('zero-delay'), 0));
clearTimeout(setTimeout('fired["string-cb"] = 1', 0));
var laterT = setTimeout(mark('cleared-by-earlier-timer'), 20);
var laterI = setInterval(mark('interval-cleared-by-earlier-timer'), 20);
setTimeout(function () { clearTimeout(laterT); clearTimeout(laterI); }, 10);

/* ---- clearing twice, and clearing a fired id, is harmless ---- */
var twice = setTimeout(mark('twice'), 5);
clearTimeout(twice);
clearTimeout(twice);
clearInterval(twice);

/* ---- same round: equal deadlines, the first clears the second ---- */
var second, secondInterval;
setTimeout(function () {
    clearTimeout(second);
    clearInterval(secondInterval);
}, 30);
second = setTimeout(mark('same-round-second'), 30);
secondInterval = setInterval(mark('same-round-interval'), 30);
/* ...and the other way: a later timer in the same round clears nothing it should not */
setTimeout(mark('same-round-third'), 30);

/* ---- an interval clears itself inside its callback ---- */
var selfTicks = 0;
var self = setInterval(function () {
    selfTicks++;
    if (selfTicks === 2) { clearInterval(self); }
}, 7);

/* ---- an interval cleared by clearTimeout inside its own callback ---- */
var selfTicks2 = 0;
var self2 = setInterval(function () {
    selfTicks2++;
    clearTimeout(self2);
}, 3);

/* ---- an id that already fired does not cancel a newer timer ---- */
var old = setTimeout(function () {
    var fresh = setTimeout(mark('fresh'), 5);
    if (fresh === old) { fail('a new timer reused the id of a timer that just fired'); }
    clearTimeout(old);
    clearInterval(old);
}, 40);

setTimeout(function () {
    var never = ['t-by-clearTimeout', 't-by-clearInterval', 'i-by-clearTimeout', 'i-by-clearInterval',
                 'zero-delay', 'string-cb', 'cleared-by-earlier-timer', 'interval-cleared-by-earlier-timer',
                 'twice', 'same-round-second', 'same-round-interval'];
    for (var n = 0; n < never.length; n++) {
        if (fired[never[n]]) { fail('cleared timer "' + never[n] + '" fired ' + fired[never[n]] + ' times'); }
    }
    if (fired['same-round-third'] !== 1) { fail('a timer not cleared did not fire (same-round-third)'); }
    if (fired.fresh !== 1) { fail('clearing an already fired id cancelled a newer timer'); }
    if (selfTicks !== 2) { fail('interval that cleared itself ticked ' + selfTicks + ' times, want 2'); }
    if (selfTicks2 !== 1) { fail('interval cleared with clearTimeout ticked ' + selfTicks2 + ' times, want 1'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 100);
