// No callback runs synchronously inside setTimeout/setInterval, not even with
// a zero, negative or missing delay: state set right after the call is
// already set when the callback runs.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var ran = 0;
var after = {};
function expectAfter(name) {
    return function () {
        ran++;
        if (!after[name]) { fail(name + ': callback ran before the scheduling call returned'); }
    };
}
setTimeout(expectAfter('timeout 0'), 0); after['timeout 0'] = true;
setTimeout(expectAfter('timeout missing')); after['timeout missing'] = true;
setTimeout(expectAfter('timeout -1'), -1); after['timeout -1'] = true;
setTimeout(expectAfter('timeout NaN'), NaN); after['timeout NaN'] = true;
var iv = setInterval(function () {
    ran++;
    clearInterval(iv);
    if (!after['interval 0']) { fail('interval 0: callback ran before the scheduling call returned'); }
}, 0);
after['interval 0'] = true;
setTimeout('stringRan = typeof afterString !== "undefined" ? afterString : "too early"', 0);
var afterString = 'after';
/* and inside a callback: a zero-delay timer waits for a later turn */
setTimeout(function () {
    var nestedSet = false;
    setTimeout(function () {
        ran++;
        if (!nestedSet) { fail('nested zero-delay timer ran inside the setTimeout call'); }
    }, 0);
    nestedSet = true;
    ran++;
}, 1);
setTimeout(function () {
    if (ran !== 7) { fail("ran " + ran + " callbacks, want 7"); }
    if (typeof stringRan === 'undefined' || stringRan !== 'after') {
        fail('string callback saw ' + (typeof stringRan === 'undefined' ? 'nothing' : stringRan));
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 10);
