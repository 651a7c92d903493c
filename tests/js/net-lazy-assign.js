// Before net.js is loaded (src/bind/install.hpp), a script may assign or delete
// the globals `net` and `EventEmitter` as any other global: the load (here
// by a seed EventLoop function) leaves its choices alone.
var failures = [];
function fail(msg) { failures.push(msg); }
net = 'mine';
var d = Object.getOwnPropertyDescriptor(this, 'net');
if (d.value !== 'mine' || !d.writable || d.enumerable || !d.configurable) { fail('net = x: ' + JSON.stringify(d)); }
if (!(delete EventEmitter) || 'EventEmitter' in this) { fail('delete EventEmitter'); }
try {
    EventLoop.setReader(0, 'not a function');
    fail('setReader took a string');
} catch (e) {
    if (!(e instanceof TypeError) || e.message !== 'EventLoop.setReader: onData must be a function') { fail('setReader: ' + e); }
}
if (EventLoop.setReader.length !== 2) { fail('EventLoop.setReader was not replaced'); }
if (net !== 'mine') { fail('net is ' + typeof net); }
if ('EventEmitter' in this) { fail('EventEmitter came back'); }
net = 'again';
if (net !== 'again') { fail('net = x after the load'); }
for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
