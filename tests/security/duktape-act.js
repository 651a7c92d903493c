// Duktape.act(-n).function handed a callback the functions below it on the
// call stack: the ECMAScript loop's run/turn/runTimers, net.js's and the
// stream engine's internals. Calling them out of turn runs a turn inside a
// turn. Now an activation of evloop's own code (file "evloop:...") or of
// one of its internal natives has no `function`; the script's own
// activations keep theirs, and the loop goes on.
var leaked = [];
function look(where) {
    var own = 0;
    for (var level = -2; level > -40; level--) {
        var a = Duktape.act(level);
        if (!a) { break; }
        var f = a.function;
        if (typeof f !== 'function') { continue; }
        if (String(f.fileName).indexOf('evloop:') === 0 || f === look) { own += f === look ? 1 : 0; }
        if (String(f.fileName).indexOf('evloop:') === 0) {
            leaked.push(where + ': ' + (f.name || '?'));
            try { f(); } catch (e) { /* calling it out of turn is the attack */ }
        }
    }
    if (own !== 1) { leaked.push(where + ': lost the script\'s own activation'); }
}
var ticks = 0;
setTimeout(function () { look('timer'); ticks++; }, 1);
setTimeout(function (x) { look('timer with args'); ticks += x; }, 2, 1);
var server = net.createServer(function (s) {
    s.on('data', function (d) { look('data'); s.end(d); });
});
server.listen(0, '127.0.0.1', function () {
    look('listen');
    var c = net.connect(server.address().port, '127.0.0.1', function () { look('connect'); c.write('x'); });
    c.on('data', function () { look('client data'); });
    c.on('end', function () {
        server.close();
        setTimeout(function () {
            if (leaked.length === 0 && ticks === 2) { print('ok'); }
            else { print('leaked: ' + leaked.join(', ') + ' ticks ' + ticks); }
        }, 5);
    });
});
