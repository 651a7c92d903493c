/*
 *  The original Duktape eventloop example's socket client, on the seed
 *  socket API (EventLoop.connect / setReader / write / close), aimed at a
 *  local server: it sends a small HTTP request, prints the reply and
 *  closes. Against examples/server-socket-test.js the reply is the request,
 *  uppercased; against examples/http-server.js an HTTP response.
 *
 *    ./evloop examples/client-socket-test.js [host] [port]
 *
 *  host: default 127.0.0.1; port: default 12345 (the server example's).
 *  The reply is complete when it is at least as long as the request, or
 *  after 1 second without data. Exits 0 after a reply, 1 when the connect
 *  fails or nothing came within 10 seconds.
 */
var HOST = process.argv.length > 2 ? process.argv[2] : '127.0.0.1';
var PORT = process.argv.length > 3 ? Number(process.argv[3]) : 12345;
var EXIT_TIMEOUT = 10e3;
var REQUEST = 'GET / HTTP/1.1\r\n' +
              'Host: ' + HOST + '\r\n' +
              'User-Agent: client-socket-test.js\r\n' +
              '\r\n';

var exitTimer = setTimeout(function () {
    print('no reply after ' + (EXIT_TIMEOUT / 1e3) + ' seconds');
    process.exit(1);
}, EXIT_TIMEOUT);

EventLoop.connect(HOST, PORT, function (fd) {
    print('connected to ' + HOST + ':' + PORT + ', fd', fd);
    var reply = '', quiet = null;
    function done() {
        clearTimeout(quiet);
        clearTimeout(exitTimer);
        print('read from fd', fd);
        print(reply);
        EventLoop.close(fd);
    }
    EventLoop.setReader(fd, function (fd, data) {
        reply += String(data);
        clearTimeout(quiet);
        if (reply.length >= REQUEST.length) {
            done();
        } else {
            quiet = setTimeout(done, 1000);
        }
    });
    EventLoop.write(fd, REQUEST);
}, function (err) {
    print('connect to ' + HOST + ':' + PORT + ' failed: ' + err.message);
    process.exit(1);
});
