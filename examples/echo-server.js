/*
 *  TCP echo server on the net API: every byte a client sends comes back.
 *
 *    ./evloop examples/echo-server.js [port] [host]      (ECMAScript loop)
 *    ./evloop -c examples/echo-server.js [port] [host]   (C++ loop)
 *
 *  port: default 7000; 0 picks a free port. host: default all interfaces.
 *  Prints "listening on PORT" once listening. Try: nc 127.0.0.1 7000
 *
 *  Flow control: when the reply cannot go out as fast as the client sends
 *  (write() returns false: the socket's queue is above its high-water
 *  mark) the server stops reading that client until 'drain', so a client
 *  that sends without reading cannot make the server queue without bound.
 */
var port = process.argv.length > 2 ? Number(process.argv[2]) : 7000;
var host = process.argv.length > 3 ? process.argv[3] : undefined;

var server = net.createServer(function (socket) {
    socket.on('data', function (data) {
        if (!socket.write(data)) {
            socket.pause();
        }
    });
    socket.on('drain', function () {
        socket.resume();
    });
    socket.on('error', function () {
        /* a reset or a vanished peer: 'close' follows, nothing else to do */
    });
});

server.on('error', function (err) {
    print('echo-server: ' + err.message);
    process.exit(1);
});

server.listen(port, host, function () {
    print('listening on ' + server.address().port);
});
