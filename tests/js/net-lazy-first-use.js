// net.js is loaded on first use (src/bind/install.hpp): until then `net` and
// `EventEmitter` are accessors on the global object (present, not
// enumerable); the first use here is in a timer callback, after the script
// replaced setTimeout and clearTimeout with functions that throw: net keeps
// the ones of install time (its deferred callbacks, 'listening', and the
// idle timeout all run on them). After the first use both globals are plain
// data properties (writable, configurable, not enumerable), as before.
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var global = this;
function describe(name) {
    var d = Object.getOwnPropertyDescriptor(global, name);
    if (!d) { return 'missing'; }
    return ('get' in d ? 'accessor' : 'data') + (d.writable ? ' writable' : '') +
        (d.enumerable ? ' enumerable' : '') + (d.configurable ? ' configurable' : '');
}
if (!('net' in global) || !('EventEmitter' in global)) { fail('net or EventEmitter missing at start-up'); }
if (Object.keys(global).indexOf('net') >= 0 || Object.keys(global).indexOf('EventEmitter') >= 0) {
    fail('net or EventEmitter enumerable at start-up');
}
if (describe('net') !== 'accessor configurable') { fail('net at start-up: ' + describe('net')); }

var realSetTimeout = setTimeout, realClearTimeout = clearTimeout;
setTimeout = function () { fail('net called the replaced setTimeout'); throw new Error('replaced setTimeout'); };
clearTimeout = function () { fail('net called the replaced clearTimeout'); throw new Error('replaced clearTimeout'); };
var guard = realSetTimeout(function () { fail('timed out'); report(); process.exit(1); }, 10000);

realSetTimeout(function () {
    var steps = [];
    var srv = net.createServer(function (s) {
        steps.push('connection');
        s.setTimeout(30, function () { steps.push('idle'); s.end('bye'); });
    });
    srv.on('listening', function () { steps.push('listening'); });
    srv.listen(0, '127.0.0.1', function () {
        var got = '';
        var c = net.connect(srv.address().port, '127.0.0.1');
        c.setTimeout(5000, function () { fail('client idle timeout'); c.destroy(); });
        c.on('data', function (d) { got += d; });
        c.on('end', function () {
            c.setTimeout(0);
            if (got !== 'bye') { fail('got ' + JSON.stringify(got)); }
            if (steps.join() !== 'listening,connection,idle') { fail('steps ' + steps.join()); }
            srv.close(function () {
                if (!(c instanceof EventEmitter)) { fail('a net.Socket is not an EventEmitter'); }
                if (describe('net') !== 'data writable configurable') { fail('net after use: ' + describe('net')); }
                if (describe('EventEmitter') !== 'data writable configurable') {
                    fail('EventEmitter after use: ' + describe('EventEmitter'));
                }
                realClearTimeout(guard);
                report();
            });
        });
        c.on('error', function (e) { fail('client error ' + e); });
    });
}, 1);
