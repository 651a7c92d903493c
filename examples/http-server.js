/*
 *  A small HTTP/1.1 server on the net API.
 *
 *    ./evloop examples/http-server.js [port] [host]      (ECMAScript loop)
 *    ./evloop -c examples/http-server.js [port] [host]   (C++ loop)
 *
 *  port: default 8080; 0 picks a free port. host: default all interfaces.
 *  Prints "listening on PORT". Load it with curl or wrk:
 *    curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/hello
 *    wrk -t2 -c64 -d10s http://127.0.0.1:8080/
 *
 *  Routes: GET/HEAD / (a greeting), GET/HEAD /hello/NAME, POST /echo (the
 *  request body back); anything else 404, other methods 405.
 *
 *  HTTP: persistent connections (HTTP/1.1 unless "Connection: close",
 *  HTTP/1.0 only with "Connection: keep-alive"); request bodies by
 *  Content-Length (chunked request bodies get 501); pipelined requests are
 *  answered in order; a request may arrive in any number of pieces. A
 *  malformed request (bad request line, header line, version or
 *  Content-Length, no Host in HTTP/1.1, non-ASCII bytes in the head) gets
 *  400 and the connection is closed; a head over 8 KiB gets 431, a body over
 *  1 MiB 413. Idle connections are closed after 30 seconds.
 */
var port = process.argv.length > 2 ? Number(process.argv[2]) : 8080;
var host = process.argv.length > 3 ? process.argv[3] : undefined;

var MAX_HEAD = 8192;
var MAX_BODY = 1024 * 1024;
var IDLE_MS = 30000;
var STATUS = {
    200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed',
    413: 'Content Too Large', 431: 'Request Header Fields Too Large', 501: 'Not Implemented'
};

/* IMF-fixdate for the Date header, computed once per second */
var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
var dateSecond = -1, dateText = '';
function two(n) { return n < 10 ? '0' + n : String(n); }
function httpDate() {
    var now = Date.now(), sec = Math.floor(now / 1000);
    if (sec !== dateSecond) {
        var d = new Date(sec * 1000);
        dateSecond = sec;
        dateText = DAYS[d.getUTCDay()] + ', ' + two(d.getUTCDate()) + ' ' + MONTHS[d.getUTCMonth()] + ' ' +
                   d.getUTCFullYear() + ' ' + two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' +
                   two(d.getUTCSeconds()) + ' GMT';
    }
    return dateText;
}

var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
var REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
var NON_ASCII = /[^\x20-\x7e\t\r\n]/;

/* Parses the head (request line and header lines, without the final CRLF
 * CRLF). Returns {method, target, minor, headers} or a status number. */
function parseHead(text) {
    if (NON_ASCII.test(text)) { return 400; }
    var lines = text.split('\r\n');
    var m = REQUEST_LINE.exec(lines[0]);
    if (!m || m[3] !== '1') { return 400; }
    var headers = {};
    for (var i = 1; i < lines.length; i++) {
        var line = lines[i];
        var colon = line.indexOf(':');
        if (colon <= 0) { return 400; }
        var name = line.slice(0, colon);
        if (!TOKEN.test(name)) { return 400; }   /* also no space before the colon */
        name = name.toLowerCase();
        var value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
        if (name === 'content-length' && headers[name] !== undefined && headers[name] !== value) { return 400; }
        headers[name] = headers[name] === undefined || name === 'content-length' ? value : headers[name] + ', ' + value;
    }
    return { method: m[1], target: m[2], minor: Number(m[4]), headers: headers };
}

function respond(socket, status, headers, body, keepAlive, head) {
    var text = 'HTTP/1.1 ' + status + ' ' + STATUS[status] + '\r\n' +
               'Date: ' + httpDate() + '\r\n' +
               'Server: evloop\r\n';
    for (var k in headers) { text += k + ': ' + headers[k] + '\r\n'; }
    var isBuffer = typeof body !== 'string';
    var length = isBuffer ? body.length : Buffer.byteLength(body);
    text += 'Content-Length: ' + length + '\r\n';
    if (!keepAlive) { text += 'Connection: close\r\n'; }
    text += '\r\n';
    var ok;
    if (head) {
        ok = socket.write(text);
    } else if (isBuffer) {
        socket.write(text);
        ok = socket.write(body);
    } else {
        ok = socket.write(text + body);
    }
    if (!keepAlive) { socket.end(); }
    return ok;
}

/* The application: returns [status, headers, body]. */
function handle(req, body) {
    var path = req.target.split('?')[0];
    var get = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/') {
        if (!get) { return [405, { 'Allow': 'GET, HEAD' }, 'Method Not Allowed\n']; }
        return [200, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Hello from evloop!\n'];
    }
    if (path.indexOf('/hello/') === 0) {
        if (!get) { return [405, { 'Allow': 'GET, HEAD' }, 'Method Not Allowed\n']; }
        var name = path.slice(7);
        try { name = decodeURIComponent(name); } catch (e) { return [400, {}, 'Bad Request\n']; }
        return [200, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Hello, ' + name + '!\n'];
    }
    if (path === '/echo') {
        if (req.method !== 'POST') { return [405, { 'Allow': 'POST' }, 'Method Not Allowed\n']; }
        return [200, { 'Content-Type': 'application/octet-stream' }, body];
    }
    return [404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found\n'];
}

function onConnection(socket) {
    var pending = null;      /* bytes received and not yet consumed (a Buffer) */
    var req = null;          /* a parsed head waiting for its body */
    var bodyLength = 0;
    var closing = false;     /* a response with Connection: close went out */

    socket.setTimeout(IDLE_MS, function () { socket.destroy(); });
    socket.on('error', function () { /* reset by the peer: 'close' follows */ });
    socket.on('drain', function () { socket.resume(); });
    socket.on('data', function (data) {
        if (closing) { return; }
        pending = pending && pending.length ? Buffer.concat([pending, data]) : data;
        /* answer every complete request in the buffer, in order */
        while (!closing && pending.length) {
            if (!req) {
                /* the head is ASCII (checked), so string and byte offsets agree up to its end */
                var text = pending.slice(0, MAX_HEAD + 4).toString();
                var end = text.indexOf('\r\n\r\n');
                if (end < 0) {
                    if (pending.length > MAX_HEAD) { fail(431); }
                    else if (NON_ASCII.test(text)) { fail(400); }
                    return;
                }
                var parsed = parseHead(text.slice(0, end));
                if (typeof parsed === 'number') { fail(parsed); return; }
                var h = parsed.headers;
                if (parsed.minor === 1 && h.host === undefined) { fail(400); return; }
                if (h['transfer-encoding'] !== undefined) { fail(501); return; }
                bodyLength = 0;
                if (h['content-length'] !== undefined) {
                    if (!/^\d{1,10}$/.test(h['content-length'])) { fail(400); return; }
                    bodyLength = Number(h['content-length']);
                    if (bodyLength > MAX_BODY) { fail(413); return; }
                }
                req = parsed;
                pending = pending.slice(end + 4);
            }
            if (pending.length < bodyLength) { return; }
            var body = pending.slice(0, bodyLength);
            pending = pending.slice(bodyLength);
            var r = req;
            req = null;
            var conn = (r.headers.connection || '').toLowerCase();
            var keepAlive = r.minor === 1 ? !/(^|,)\s*close\s*(,|$)/.test(conn) : /(^|,)\s*keep-alive\s*(,|$)/.test(conn);
            var out = handle(r, body);
            if (!keepAlive) { closing = true; }
            if (!respond(socket, out[0], out[1], out[2], keepAlive, r.method === 'HEAD')) {
                /* the client does not read its responses: stop reading its requests */
                socket.pause();
            }
        }
    });

    function fail(status) {
        closing = true;
        respond(socket, status, { 'Content-Type': 'text/plain; charset=utf-8' }, STATUS[status] + '\n', false, false);
    }
}

var server = net.createServer(onConnection);
server.on('error', function (err) {
    print('http-server: ' + err.message);
    process.exit(1);
});
server.listen(port, host, function () {
    print('listening on ' + server.address().port);
});
