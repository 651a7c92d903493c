// A script forges Duktape hidden keys (CBOR.decode of invalid UTF-8, then
// substring) and looks for the loop's internals on the timer functions:
// the loop pointer (C++ loop) or the timer state array holding it (the
// ECMAScript loop). Replacing it with a pointer the script chose made the
// next setTimeout call through forged memory (SEGV in both loops). Now
// the functions hold nothing: the keys read undefined, a forged value is
// an ordinary property that evloop never reads, and the timers still fire.
function hiddenKey(name) {
    var b = [0x60 + 2 + name.length, 0x61, 0xff];
    for (var i = 0; i < name.length; i++) { b.push(name.charCodeAt(i)); }
    return CBOR.decode(new Uint8Array(b)).substring(1);
}
var names = ['loop', 'state', 'evloop', 'evloop.lazyEnv', 'evloop.lazyName', 'evloop.net'];
var fns = { setTimeout: setTimeout, setInterval: setInterval, clearTimeout: clearTimeout,
            clearInterval: clearInterval, requestExit: EventLoop.requestExit };
var forged = Duktape.Pointer(new Uint8Array(256));
var found = [];
Object.keys(fns).forEach(function (fname) {   /* look first */
    names.forEach(function (n) {
        var v = fns[fname][hiddenKey(n)];
        if (v !== undefined) { found.push(fname + '[' + n + ']: ' + typeof v); }
    });
});
Object.keys(fns).forEach(function (fname) {   /* then forge */
    names.forEach(function (n) {
        var k = hiddenKey(n), v = fns[fname][k];
        if (v !== null && typeof v === 'object') { v[6] = function () { return 1; }; v[7] = forged; }
        fns[fname][k] = forged;
    });
});
if (found.length) { print('internals reachable: ' + found.join(', ')); }

var fired = [];
setTimeout(function () { fired.push('a'); }, 1);
setTimeout(function (x) { fired.push(x); }, 2, 'b');
var iv = setInterval(function () { fired.push('i'); clearInterval(iv); }, 3);
var t = setTimeout(function () { fired.push('never'); }, 4);
clearTimeout(t);
setTimeout(function () {
    if (found.length === 0 && fired.join('') === 'abi') { print('ok'); }
    else { print('fired: ' + fired.join('')); }
}, 20);
