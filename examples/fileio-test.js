/*
 *  File I/O (synchronous, as in the original example): write a file, read it
 *  back as a Buffer, and show the Node-style error of a missing file.
 *  Usage: evloop examples/fileio-test.js [path]
 */
var path = process.argv[2] || (process.env.TMPDIR || '/tmp') + '/evloop-fileio-example-' + Math.floor(Math.random() * 1e9) + '.txt';
var text = 'h\u00e9llo from evloop\n';

FileIo.writefile(path, text);
var data = FileIo.readfile(path);
print('wrote and read', data.length, 'bytes:', JSON.stringify(String(data)));

var bytes = new Uint8Array([0x65, 0x76, 0x6c, 0x6f, 0x6f, 0x70, 0x0a]);
FileIo.writefile(path, bytes);
print('binary round trip:', JSON.stringify(String(FileIo.readfile(path))));

try {
    FileIo.readfile(path + '.missing/nothing');
} catch (e) {
    print('error:', e.code, e.errno, e.syscall);
}

/* A timer reads the file again later: file I/O mixes with the loop. */
setTimeout(function () {
    print('later:', FileIo.readfile(path).length, 'bytes');
}, 10);
