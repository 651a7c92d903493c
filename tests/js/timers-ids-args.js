// setTimeout/setInterval return distinct positive integer ids from one id
// space; extra arguments reach the callback; a string callback is evaluated
// in the global scope; any other non-function callback is a TypeError thrown
// at the call.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }

/* ---- ids ---- */
var ids = [];
var noop = function () {};
for (var k = 0; k < 20; k++) {
    ids.push(setTimeout(noop, k));
    ids.push(setInterval(noop, 5 + k));
}
var seen = {};
for (var j = 0; j < ids.length; j++) {
    var id = ids[j];
    if (typeof id !== 'number' || !(id >= 1) || id % 1 !== 0 || id > 9007199254740991) {
        fail('id ' + j + ' is not a positive integer: ' + String(id));
    }
    if (seen[id]) { fail('id ' + id + ' returned twice'); }
    seen[id] = true;
}
for (j = 0; j < ids.length; j++) { clearTimeout(ids[j]); }

/* ---- extra arguments ---- */
var got = {};
setTimeout(function (a, b, c) {
    got.timeout = { n: arguments.length, a: a, b: b, c: c };
}, 1, 'x', 2, null);
setTimeout(function () { got.none = arguments.length; }, 1);
var argObj = { tag: 'same object' };
setTimeout(function (o, u) { got.obj = o; got.objN = arguments.length; got.u = u; }, 1, argObj, undefined);
var ticks = 0;
var ivl = setInterval(function (p, q) {
    ticks++;
    if (p !== 'p' || q !== 42 || arguments.length !== 2) {
        fail('interval tick ' + ticks + ' got args ' + Array.prototype.slice.call(arguments).join(','));
    }
    if (ticks === 3) { clearInterval(ivl); }
}, 2, 'p', 42);

/* ---- string callbacks: evaluated in the global scope ---- */
var stringScope = 'global';
var stringIntervalTicks = 0;
var stringIntervalId;
(function () {
    var stringScope = 'local';   // must not be seen by the string callback
    var stringIntervalTicks = 100;
    setTimeout('stringSeen = stringScope; var declaredByString = 7;', 1);
    stringIntervalId = setInterval('stringIntervalTicks = stringIntervalTicks + 1;' +
                                   'if (stringIntervalTicks === 2) clearInterval(stringIntervalId);', 1);
    return stringScope + stringIntervalTicks;
})();

/* ---- non-function callbacks: TypeError at the call ---- */
var bad = [
    ['number', 42], ['object', {}], ['null', null], ['undefined', undefined],
    ['boolean', true], ['array', [function () {}]]
];
var fns = [['setTimeout', setTimeout], ['setInterval', setInterval]];
for (var f = 0; f < fns.length; f++) {
    for (var b = 0; b < bad.length; b++) {
        var threw = null;
        try {
            var r = fns[f][1](bad[b][1], 1);
            clearTimeout(r);
        } catch (e) {
            threw = e;
        }
        if (!(threw instanceof TypeError)) {
            fail(fns[f][0] + '(' + bad[b][0] + ') threw ' + String(threw) + ', want TypeError');
        }
    }
    var threwNoArgs = null;
    try { fns[f][1](); } catch (e2) { threwNoArgs = e2; }
    if (!(threwNoArgs instanceof TypeError)) {
        fail(fns[f][0] + '() threw ' + String(threwNoArgs) + ', want TypeError');
    }
}

setTimeout(function () {
    var t = got.timeout;
    if (!t || t.n !== 3 || t.a !== 'x' || t.b !== 2 || t.c !== null) {
        fail('setTimeout extra args: ' + JSON.stringify(t));
    }
    if (got.none !== 0) { fail('callback without extra args got ' + got.none + ' arguments'); }
    if (got.obj !== argObj || got.objN !== 2 || got.u !== undefined) {
        fail('object / undefined extra args not passed as given');
    }
    if (ticks !== 3) { fail('interval with args ticked ' + ticks + ' times, want 3'); }
    if (typeof stringSeen === 'undefined' || stringSeen !== 'global') {
        fail('string callback did not run in the global scope: stringSeen=' +
             (typeof stringSeen === 'undefined' ? 'undefined' : stringSeen));
    }
    if (typeof declaredByString === 'undefined' || declaredByString !== 7) {
        fail('var declared by a string callback is not a global');
    }
    if (stringIntervalTicks !== 2) {
        fail('string interval ticked ' + stringIntervalTicks + ' times, want 2');
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 50);
