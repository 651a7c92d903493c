// FileIo errors are Node-style: an Error with code, errno (negative),
// syscall, path and the message "ENOENT: no such file or directory, open
// '<path>'"; bad argument types are TypeErrors.
var failures = [];
function fail(msg) { failures.push(msg); }
var suffix = String(Math.floor(Math.random() * 1e9)) + '-' + String(Math.floor(EventLoop.now() * 1000));
var tmp = process.env.TMPDIR || '/tmp';  /* tests/run.py: its own directory, removed after the run */
var path2 = tmp + '/evloop-fileio-errors-' + suffix + '.bin';

/* errors */
function expectError(label, fn, code, errno, syscall, errPath, message) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (!e) { fail(label + ' did not throw'); return; }
    if (!(e instanceof Error)) { fail(label + ' threw a non-Error ' + String(e)); return; }
    if (e.code !== code) { fail(label + ': code ' + e.code + ', want ' + code); }
    if (e.errno !== errno) { fail(label + ': errno ' + e.errno + ', want ' + errno); }
    if (e.syscall !== syscall) { fail(label + ': syscall ' + e.syscall + ', want ' + syscall); }
    if (e.path !== errPath) { fail(label + ': path ' + e.path + ', want ' + errPath); }
    if (message !== undefined && e.message !== message) { fail(label + ': message "' + e.message + '", want "' + message + '"'); }
}
var missing = '/tmp/evloop-no-such-dir-' + suffix + '/file.txt';
expectError('readfile(missing)', function () { FileIo.readfile(missing); }, 'ENOENT', -2, 'open', missing,
            "ENOENT: no such file or directory, open '" + missing + "'");
expectError('writefile(into a missing directory)', function () { FileIo.writefile(missing, 'x'); }, 'ENOENT', -2, 'open', missing,
            "ENOENT: no such file or directory, open '" + missing + "'");
var isdir = null;
try { FileIo.readfile('/tmp'); } catch (x) { isdir = x; }
if (!(isdir instanceof Error) || isdir.code !== 'EISDIR' || isdir.errno !== -21 || !/^EISDIR: /.test(isdir.message)) {
    fail('readfile(/tmp) threw ' + String(isdir) + ' (code ' + (isdir && isdir.code) + ', errno ' + (isdir && isdir.errno) +
         '), want an Error with code EISDIR, errno -21');
}
var wdir = null;
try { FileIo.writefile('/tmp', 'x'); } catch (x) { wdir = x; }
if (!wdir || wdir.code !== 'EISDIR') { fail('writefile(/tmp) threw ' + String(wdir) + ', want EISDIR'); }

/* bad argument types: TypeError */
function expectType(label, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (!(e instanceof TypeError)) { fail(label + ' threw ' + String(e) + ', want TypeError'); }
}
expectType('readfile()', function () { FileIo.readfile(); });
expectType('readfile(42)', function () { FileIo.readfile(42); });
expectType('readfile(null)', function () { FileIo.readfile(null); });
expectType('readfile({})', function () { FileIo.readfile({}); });
expectType('writefile(path)', function () { FileIo.writefile(path2); });
expectType('writefile(path, 42)', function () { FileIo.writefile(path2, 42); });
expectType('writefile(path, null)', function () { FileIo.writefile(path2, null); });
expectType('writefile(path, {})', function () { FileIo.writefile(path2, {}); });
expectType('writefile(path, [1,2])', function () { FileIo.writefile(path2, [1, 2]); });
expectType('writefile(42, "x")', function () { FileIo.writefile(42, 'x'); });
expectType('writefile(undefined, "x")', function () { FileIo.writefile(undefined, 'x'); });

/* the failed writes above created nothing to clean up; path2 was never written */
var created = null;
try { created = FileIo.readfile(path2); } catch (x) { created = null; }
if (created !== null) { fail('a failed writefile created ' + path2); FileIo.writefile(path2, ''); }
for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
