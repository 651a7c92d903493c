/*
 *  The original Duktape eventloop example's socket server, on the seed
 *  socket API (EventLoop.server / setReader / write): every connection is
 *  read and answered with what it sent, uppercased.
 *
 *    ./evloop examples/server-socket-test.js [port] [host]
 *
 *  port: default 12345; host: default 127.0.0.1. Prints "listening on
 *  HOST:PORT"; exits by itself after 300 seconds (as the original).
 *  Try it with examples/client-socket-test.js, or: nc 127.0.0.1 12345
 */
var HOST = process.argv.length > 3 ? process.argv[3] : '127.0.0.1';
var PORT = process.argv.length > 2 ? Number(process.argv[2]) : 12345;
var EXIT_TIMEOUT = 300e3;

print('automatic exit after ' + (EXIT_TIMEOUT / 1e3) + ' seconds');
setTimeout(function () {
    print('exit timer');
    EventLoop.requestExit();
}, EXIT_TIMEOUT);

EventLoop.server(HOST, PORT, function (fd, addr, port) {
    print('new connection on fd ' + fd + ' from ' + addr + ':' + port);
    EventLoop.setReader(fd, function (fd, data) {
        print('read data on fd ' + fd + ', length ' + data.length);
        EventLoop.write(fd, String(data).toUpperCase());
    });
});
print('listening on ' + HOST + ':' + PORT);
