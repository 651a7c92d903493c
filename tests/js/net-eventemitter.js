// The EventEmitter global (as Node.js's events.EventEmitter, the subset
// evloop documents): on/addListener, once, off/removeListener, emit,
// listenerCount; listeners run in order with the emitter as this and the
// emit arguments; emit returns whether there were listeners; a listener
// added or removed during an emit does not change that emit; once
// listeners run once (and can be removed before they run); 'error' without
// a listener throws the error (a non-Error: an Error); subclassing with
// EventEmitter.call + Object.create; net.Server and net.Socket are
// EventEmitters.
var failures = [];
function fail(msg) { failures.push(msg); }
function eq(label, got, want) {
    if (got !== want) { fail(label + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); }
}

if (typeof EventEmitter !== 'function') { fail('EventEmitter is a ' + typeof EventEmitter); }
var e = new EventEmitter();
var log = [];

/* on, order, this, arguments, return values */
eq('on returns the emitter', e.on('a', function (x, y) { log.push('1:' + x + y + (this === e)); }), e);
eq('addListener returns the emitter', e.addListener('a', function (x) { log.push('2:' + x); }), e);
eq('emit with listeners returns true', e.emit('a', 'p', 'q'), true);
eq('listeners in order, this, arguments', log.join(' '), '1:pqtrue 2:p');
eq('emit without listeners returns false', e.emit('nothing', 1), false);
eq('listenerCount(a)', e.listenerCount('a'), 2);
eq('listenerCount(none)', e.listenerCount('none'), 0);

/* many arguments reach the listener */
var args = null;
e.on('many', function () { args = Array.prototype.slice.call(arguments); });
e.emit('many', 1, 2, 3, 4, 5, 6);
eq('six arguments', JSON.stringify(args), '[1,2,3,4,5,6]');

/* once */
var onceCount = 0;
eq('once returns the emitter', e.once('o', function (v) { onceCount += v; }), e);
eq('listenerCount before once ran', e.listenerCount('o'), 1);
e.emit('o', 5);
e.emit('o', 7);
eq('once ran once', onceCount, 5);
eq('listenerCount after once ran', e.listenerCount('o'), 0);
/* a once listener removed before it runs, by the function given to once */
var removedOnce = function () { fail('a removed once listener ran'); };
e.once('r', removedOnce);
e.removeListener('r', removedOnce);
eq('emit after removing the once listener', e.emit('r'), false);
/* once inside its own emit: emitting again from the listener does not rerun it */
var nested = 0;
e.once('n', function () { nested++; e.emit('n'); });
e.emit('n');
eq('once listener re-emitting', nested, 1);

/* off / removeListener: one registration at a time, the last one added */
var cnt = 0;
function f() { cnt++; }
e.on('x', f);
e.on('x', f);
eq('off returns the emitter', e.off('x', f), e);
e.emit('x');
eq('off removes one registration', cnt, 1);
e.removeListener('x', f);
e.emit('x');
eq('removeListener removed the other', cnt, 1);
eq('removing an unknown listener is fine', e.off('x', function () { }), e);
eq('removing from an unknown event is fine', e.removeListener('nope', f), e);

/* changes during an emit apply to the next emit only */
var seq = [];
var g2 = function () { seq.push('g2'); };
e.on('m', function () { seq.push('g1'); e.removeListener('m', g2); e.on('m', function () { seq.push('g3'); }); });
e.on('m', g2);
e.emit('m');
eq('first emit while changing listeners', seq.join(','), 'g1,g2');
seq = [];
e.emit('m');
eq('second emit', seq.join(','), 'g1,g3');

/* a throwing listener propagates out of emit, later listeners do not run */
var after = false;
e.on('t', function () { throw new RangeError('from listener'); });
e.on('t', function () { after = true; });
var thrown = null;
try { e.emit('t'); } catch (x) { thrown = x; }
if (!(thrown instanceof RangeError)) { fail('a listener error did not propagate out of emit: ' + thrown); }
eq('listener after a throwing one', after, false);

/* 'error' without a listener throws the error */
var err = new Error('boom');
thrown = null;
try { e.emit('error', err); } catch (x) { thrown = x; }
eq('error without listener throws the error', thrown, err);
thrown = null;
try { e.emit('error', 'just a string'); } catch (x) { thrown = x; }
if (!(thrown instanceof Error)) { fail("emit('error', string) without a listener threw " + thrown + ', want an Error'); }
/* with a listener it does not throw */
var seen = null;
e.on('error', function (x) { seen = x; });
eq("emit('error') with a listener returns true", e.emit('error', err), true);
eq('the error listener got the error', seen, err);

/* subclassing */
function Thing() { EventEmitter.call(this); this.name = 'thing'; }
Thing.prototype = Object.create(EventEmitter.prototype);
Thing.prototype.constructor = Thing;
var t = new Thing();
var tv = null;
t.on('ev', function (v) { tv = this.name + v; });
t.emit('ev', 1);
eq('subclass emit', tv, 'thing1');
if (!(t instanceof EventEmitter)) { fail('subclass is not instanceof EventEmitter'); }
/* two instances do not share listeners */
var t2 = new Thing();
eq('a second instance has no listeners', t2.listenerCount('ev'), 0);

/* net objects are EventEmitters */
var srv = net.createServer();
if (!(srv instanceof EventEmitter)) { fail('net.Server is not an EventEmitter'); }
var sock = new net.Socket();
if (!(sock instanceof EventEmitter)) { fail('net.Socket is not an EventEmitter'); }
if (typeof net.Server !== 'function' || !(srv instanceof net.Server)) { fail('net.createServer() is not a net.Server'); }

for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
