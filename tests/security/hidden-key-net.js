// Forged hidden keys on net's placeholders and on the socket functions:
// net.js's state (its env, the stream loop) sat on the placeholders of
// `net` and EventLoop.server/... under "\xFFevloop.net", tagged with the
// loop pointer; Socket#write kept the loop pointer and net.js's writeSlow
// / afterQueued / fastRest under hidden keys. A script could read net.js's
// internals and make evloop call through a pointer it forged (SEGV). Now
// nothing is there: the keys read undefined, forged values are never
// read, and an echo over a connection still works.
function hiddenKey(name) {
    var b = [0x60 + 2 + name.length, 0x61, 0xff];
    for (var i = 0; i < name.length; i++) { b.push(name.charCodeAt(i)); }
    return CBOR.decode(new Uint8Array(b)).substring(1);
}
var names = ['loop', 'evloop.net', 'writeSlow', 'afterQueued', 'fastRest', 'state', 'evloop.lazyEnv'];
var forged = Duktape.Pointer(new Uint8Array(256));
var found = [], probed = [];
function probe(label, fn) {
    var i, k, v;
    if (probed.indexOf(fn) >= 0) { return; }   /* shared (a prototype's write): once */
    probed.push(fn);
    for (i = 0; i < names.length; i++) {
        v = fn[hiddenKey(names[i])];
        if (v !== undefined) { found.push(label + '[' + names[i] + ']: ' + typeof v); }
    }
    for (i = 0; i < names.length; i++) {
        k = hiddenKey(names[i]);
        v = fn[k];
        if (v !== null && typeof v === 'object') { v[hiddenKey('loop')] = forged; }
        else { fn[k] = forged; }
    }
}
/* Before the first use of net: its placeholders. */
var getNet = Object.getOwnPropertyDescriptor(this, 'net').get;
probe('net getter', getNet);
probe('EventLoop.server', EventLoop.server);
probe('EventLoop.write', EventLoop.write);

var server = net.createServer(function (s) {
    probe('server socket write', s.write);
    s.on('data', function (d) { s.write(d); });
});
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1');
    probe('socket write', c.write);
    var got = '';
    c.on('connect', function () { c.write('ping'); });
    c.on('data', function (d) {
        got += d;
        if (got === 'ping') {
            c.end();
            server.close();
            if (found.length === 0) { print('ok'); }
            else { print('internals reachable: ' + found.join(', ')); }
        }
    });
});
