// A NUL byte in a path or a host name would cut the C string the kernel
// (or the resolver) gets: FileIo.writefile('dir/victim.txt\u0000.log')
// overwrote victim.txt. Every such argument is refused with a TypeError,
// code ERR_INVALID_ARG_VALUE (Node's), and nothing is touched; the loop
// goes on (a timer fires).
// needs: net
var tmp = process.env.TMPDIR || '/tmp';  /* tests/run.py: its own directory, removed after the run */
var victim = tmp + '/evloop-nul-' + String(Math.floor(Math.random() * 1e9)) + '-victim.txt';
FileIo.writefile(victim, 'original');
var failures = [];
function expectNul(name, fn) {
    try {
        fn();
        failures.push(name + ': no error');
    } catch (e) {
        if (!(e instanceof TypeError) || e.code !== 'ERR_INVALID_ARG_VALUE') {
            failures.push(name + ': ' + e + ' (code ' + e.code + ')');
        }
    }
}
expectNul('FileIo.writefile', function () { FileIo.writefile(victim + '\u0000.log', 'overwritten'); });
expectNul('FileIo.readfile', function () { FileIo.readfile(victim + '\u0000.log'); });
expectNul('Socket.connect', function () { Socket.connect('127.0.0.1\u0000.example', 9); });
expectNul('Socket.createServerSocket', function () { Socket.createServerSocket('127.0.0.1\u0000x', 0); });
expectNul('EventLoop.server', function () { EventLoop.server('127.0.0.1\u0000x', 0, function () {}); });
expectNul('EventLoop.connect', function () { EventLoop.connect('127.0.0.1\u0000x', 9, function () {}, function () {}); });
expectNul('net.connect', function () { net.connect(9, '127.0.0.1\u0000x').on('error', function () {}); });
expectNul('net.createServer().listen', function () { net.createServer().listen(0, '127.0.0.1\u0000x').on('error', function () {}); });
if (String(FileIo.readfile(victim)) !== 'original') { failures.push('victim.txt was overwritten'); }
setTimeout(function () {
    for (var i = 0; i < failures.length; i++) { print('FAIL ' + failures[i]); }
    if (!failures.length) { print('ok'); }
}, 10);
