// The loop defines no stray globals: at startup the global object has only
// the ECMAScript / Duktape built-ins and the documented API. (This script
// declares no global variables of its own: every name lives in a function.)
// A build without some features has fewer globals: tests/configs/probe.cpp.
// needs: sockets net fileio
(function (global) {
    var failures = [];
    var names = Object.getOwnPropertyNames(global);
    var keys = Object.keys(global);
    var internal = ['n', 'cb', 'data', 'i', 't', 'heap', 'timers', 'fds', 'native', 'bindings', 'global',
                    'slots', 'freeSlots', 'watchers', 'ready', 'round', 'sequence', 'exiting', 'eventLoop',
                    'loop', 'control', 'fire', 'run', 'runOnce', 'alive', 'dispose', 'now', 'nowMs',
                    'watch', 'unwatch', 'requestExit', 'handleError', 'startTimer', 'clearTimer', 'define',
                    'siftUp', 'siftDown', 'release', 'POLLIN', 'POLLOUT'];
    for (var k = 0; k < internal.length; k++) {
        if (names.indexOf(internal[k]) >= 0) { failures.push('stray global: ' + internal[k]); }
        if (keys.indexOf(internal[k]) >= 0) { failures.push('Object.keys(this) has ' + internal[k]); }
    }
    var builtins = ['Object', 'Function', 'Array', 'String', 'Boolean', 'Number', 'Date', 'RegExp', 'Error',
        'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'Math', 'JSON',
        'NaN', 'Infinity', 'undefined', 'eval', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'decodeURI',
        'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'globalThis',
        'Proxy', 'Reflect', 'Symbol', 'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
        'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
        'Duktape', 'Buffer', 'CBOR', 'TextEncoder', 'TextDecoder', 'performance'];
    var api = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'EventLoop', 'requestEventLoopExit',
               'Poll', 'FileIo', 'print', 'process', 'Socket', 'net', 'EventEmitter'];
    for (k = 0; k < names.length; k++) {
        if (builtins.indexOf(names[k]) < 0 && api.indexOf(names[k]) < 0) { failures.push('unexpected global: ' + names[k]); }
    }
    for (k = 0; k < api.length; k++) {
        if (names.indexOf(api[k]) < 0) { failures.push('missing global: ' + api[k]); }
    }
    var fns = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'requestEventLoopExit', 'print'];
    for (k = 0; k < fns.length; k++) {
        if (typeof global[fns[k]] !== 'function') { failures.push(fns[k] + ' is not a function'); }
    }
    var members = ['watch', 'unwatch', 'requestExit', 'now', 'server', 'connect', 'setReader', 'write', 'close'];
    for (k = 0; k < members.length; k++) {
        if (typeof global.EventLoop[members[k]] !== 'function') { failures.push('EventLoop.' + members[k] + ' is not a function'); }
    }
    if (!('onerror' in global.EventLoop)) { failures.push('EventLoop.onerror is missing'); }
    if (typeof global.FileIo.readfile !== 'function' || typeof global.FileIo.writefile !== 'function') { failures.push('FileIo functions missing'); }
    setTimeout(function () {
        /* and still none after the loop has run */
        var later = Object.getOwnPropertyNames(global);
        for (var j = 0; j < later.length; j++) {
            if (names.indexOf(later[j]) < 0) { failures.push('global appeared while the loop ran: ' + later[j]); }
        }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 1);
})(this);
