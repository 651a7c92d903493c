// An fd limit (EVLOOP_MAX_FDS, or FD_SETSIZE with the select() backend;
// only builds with one run this: tests/run.py, section configs): a socket
// the loop cannot hold is refused with EMFILE, as when the process is out
// of fds: Socket.createServerSocket throws, EventLoop.connect calls its
// onError, net's listen and connect emit 'error'. Once fds are free again
// everything works, and nothing leaked.
// needs: fd-limit sockets
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
function probeFd() {
    var fd = Socket.createServerSocket('127.0.0.1', 0);
    Socket.close(fd);
    return fd;
}
var lowest = probeFd();
/* a free port below the ephemeral range (as the seed tests pick one), for
 * the server at the end: the seed API cannot tell a port-0 server's port */
var port = null;
for (var k = 0; k < 200 && port === null; k++) {
    var p = 20000 + Math.floor(Math.random() * 12000);
    try { Socket.close(Socket.createServerSocket('127.0.0.1', p)); port = p; } catch (e) { /* in use */ }
}

/* fill every fd the loop can hold with listening sockets */
var fds = [], err = null;
try {
    for (;;) {
        fds.push(Socket.createServerSocket('127.0.0.1', 0));
        if (fds.length > 100000) { break; }
    }
} catch (e) { err = e; }
if (!err || err.code !== 'EMFILE') { fail('after ' + fds.length + ' sockets: ' + (err ? err + ' code ' + err.code : 'no error') + ', want EMFILE'); }
if (fds.length < 8) { fail('only ' + fds.length + ' sockets before the limit'); }

var steps = [];
function next() {
    var step = steps.shift();
    if (step) { step(); } else { done(); }
}

/* the seed EventLoop.connect: onError gets EMFILE (asynchronously) */
steps.push(function () {
    var sync = true;
    EventLoop.connect('127.0.0.1', 9, function () {
        fail('EventLoop.connect connected with no fd left');
        next();
    }, function (e) {
        if (sync) { fail('EventLoop.connect called onError synchronously'); }
        if (e.code !== 'EMFILE') { fail('EventLoop.connect onError: ' + e + ' code ' + e.code + ', want EMFILE'); }
        next();
    });
    sync = false;
});

/* net (where the build has it): 'error' with EMFILE */
if (typeof net === 'object') {
    steps.push(function () {
        var srv = net.createServer();
        srv.on('error', function (e) {
            if (e.code !== 'EMFILE') { fail('net listen error: ' + e + ' code ' + e.code + ', want EMFILE'); }
            next();
        });
        srv.listen(0, '127.0.0.1', function () { fail('net listened with no fd left'); srv.close(); next(); });
    });
    steps.push(function () {
        var c = net.connect(9, '127.0.0.1');
        c.on('error', function (e) {
            if (e.code !== 'EMFILE') { fail('net connect error: ' + e + ' code ' + e.code + ', want EMFILE'); }
        });
        c.on('close', function () { next(); });
        c.on('connect', function () { fail('net connected with no fd left'); });
    });
}

function done() {
    for (var i = 0; i < fds.length; i++) { Socket.close(fds[i]); }
    /* free again: a server and a client talk, then the fd count is back */
    var serverFd = EventLoop.server('127.0.0.1', port, function (cfd) {
        EventLoop.setReader(cfd, function (fd, data) { EventLoop.write(fd, data); });
    });
    EventLoop.connect('127.0.0.1', port, function (fd) {
        EventLoop.setReader(fd, function (fd2, data) {
            if (String(data) !== 'back') { fail('echo: ' + data); }
            EventLoop.close(fd2);
            EventLoop.close(serverFd);
            var tries = 0;
            (function check() {   /* the server side closes at end of stream, soon */
                var now = probeFd();
                if (now === lowest || ++tries > 200) {
                    if (now !== lowest) { fail('the lowest free fd is ' + now + ', was ' + lowest + ' (a leak)'); }
                    report();
                } else {
                    setTimeout(check, 5);
                }
            })();
        });
        EventLoop.write(fd, 'back');
    }, function (e) { fail('connect once fds were free: ' + e); report(); });
}
next();
