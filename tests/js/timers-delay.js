// Delay: ToNumber, then truncated to whole ms; NaN, negative or missing = 0;
// above 2^31-1 = 1 ms (timeouts and intervals); a valueOf that throws
// propagates as the error of the call. Exact firing times on the virtual
// clock: a timer fires at (loop time of the call) + delay.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var start = EventLoop.now();
var results = [];   // [label, want, got]
function at(label, want) {
    var r = [label, want, null];
    results.push(r);
    return function () {
        if (r[2] !== null) { fail(label + ' fired twice'); }
        r[2] = EventLoop.now() - start;
    };
}

setTimeout(at('10.9', 10), 10.9);
setTimeout(at('1.999', 1), 1.999);
setTimeout(at('0.5', 0), 0.5);
setTimeout(at('7', 7), 7);
setTimeout(at("'10'", 10), '10');
setTimeout(at("' 12 '", 12), ' 12 ');
setTimeout(at("'0x10'", 16), '0x10');
setTimeout(at("'abc'", 0), 'abc');
setTimeout(at("''", 0), '');
setTimeout(at('NaN', 0), NaN);
setTimeout(at('-5', 0), -5);
setTimeout(at('-Infinity', 0), -Infinity);
setTimeout(at('-0.5', 0), -0.5);
setTimeout(at('missing', 0));
setTimeout(at('undefined', 0), undefined);
setTimeout(at('null', 0), null);
setTimeout(at('true', 1), true);
setTimeout(at('[9]', 9), [9]);
setTimeout(at('{}', 0), {});
setTimeout(at('valueOf 6', 6), { valueOf: function () { return 6; } });
setTimeout(at('Date-like valueOf 3.7', 3), { valueOf: function () { return 3.7; }, toString: function () { return '50'; } });
setTimeout(at('2147483648', 1), 2147483648);
setTimeout(at('2^32 + 5', 1), 4294967301);
setTimeout(at('1e20', 1), 1e20);
setTimeout(at('Infinity', 1), Infinity);
var big = setTimeout(at('2147483647', 2147483647), 2147483647);

/* ToNumber runs exactly once per call */
var calls = 0;
setTimeout(at('counted valueOf', 4), { valueOf: function () { calls++; return 4; } });
if (calls !== 1) { fail('delay valueOf called ' + calls + ' times, want 1'); }

/* a throwing valueOf: the call throws that very error and schedules nothing */
var boom = new Error('delay valueOf boom');
var ranAfterThrow = false;
var fnsToTry = [['setTimeout', setTimeout], ['setInterval', setInterval]];
for (var f = 0; f < fnsToTry.length; f++) {
    var caught = null, ret;
    try {
        ret = fnsToTry[f][1](function () { ranAfterThrow = true; },
                             { valueOf: function () { throw boom; } });
    } catch (e) {
        caught = e;
    }
    if (caught !== boom) { fail(fnsToTry[f][0] + ' with a throwing valueOf threw ' + String(caught) + ', want the valueOf error'); }
    if (ret !== undefined) { fail(fnsToTry[f][0] + ' with a throwing valueOf returned ' + ret); clearInterval(ret); }
}

/* intervals: the same conversion; above 2^31-1 -> every 1 ms */
var ivTimes = { huge: [], str: [], frac: [] };
var ivHuge = setInterval(function () {
    ivTimes.huge.push(EventLoop.now() - start);
    if (ivTimes.huge.length === 3) { clearInterval(ivHuge); }
}, 3000000000);
var ivStr = setInterval(function () {
    ivTimes.str.push(EventLoop.now() - start);
    if (ivTimes.str.length === 3) { clearInterval(ivStr); }
}, '5');
var ivFrac = setInterval(function () {
    ivTimes.frac.push(EventLoop.now() - start);
    if (ivTimes.frac.length === 3) { clearInterval(ivFrac); }
}, 4.8);

/* a delay counts from the loop time of the call, also inside a callback */
setTimeout(function () {
    var t0 = EventLoop.now();
    setTimeout(function () {
        var d = EventLoop.now() - t0;
        if (d !== 15) { fail('nested setTimeout(f, 15.2) fired after ' + d + ' ms, want 15'); }
    }, 15.2);
}, 20);

setTimeout(function () {
    for (var i = 0; i < results.length; i++) {
        var r = results[i];
        if (r[1] > 1000) {
            if (r[2] !== null) { fail('delay ' + r[0] + ' fired at +' + r[2] + ', want +' + r[1]); }
        } else if (r[2] !== r[1]) {
            fail('delay ' + r[0] + ' fired at +' + r[2] + ', want +' + r[1]);
        }
    }
    if (ivTimes.huge.join() !== '1,2,3') { fail('setInterval(f, 3e9) ticked at ' + ivTimes.huge.join() + ', want 1,2,3'); }
    if (ivTimes.str.join() !== '5,10,15') { fail("setInterval(f, '5') ticked at " + ivTimes.str.join() + ', want 5,10,15'); }
    if (ivTimes.frac.join() !== '4,8,12') { fail('setInterval(f, 4.8) ticked at ' + ivTimes.frac.join() + ', want 4,8,12'); }
    if (ranAfterThrow) { fail('a call whose delay threw still scheduled its callback'); }
    clearTimeout(big);
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 100);
