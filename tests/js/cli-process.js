// process.argv is ['evloop', '<script path>', ...args]; process.env holds
// the environment (PATH); process.exit is a function.
// args: alpha 2 --gamma
var failures = [];
function fail(msg) { failures.push(msg); }
var argv = process.argv;
if (!(argv instanceof Array)) { fail('process.argv is not an array'); }
else {
    var want = ['evloop', 'tests/js/cli-process.js', 'alpha', '2', '--gamma'];
    if (argv.length !== want.length) { fail('process.argv has ' + argv.length + ' entries: ' + JSON.stringify(argv)); }
    for (var i = 0; i < want.length; i++) {
        if (argv[i] !== want[i]) { fail('process.argv[' + i + '] is ' + JSON.stringify(argv[i]) + ', want ' + JSON.stringify(want[i])); }
    }
}
if (typeof process.env !== 'object' || process.env === null) { fail('process.env is not an object'); }
else {
    if (typeof process.env.PATH !== 'string' || process.env.PATH.indexOf('/') < 0) { fail('process.env.PATH is ' + process.env.PATH); }
    if (process.env.EVLOOP_SURELY_UNSET_VARIABLE !== undefined) { fail('process.env has a variable that is not set'); }
}
if (typeof process.exit !== 'function') { fail('process.exit is not a function'); }
if (typeof print !== 'function') { fail('print is not a function'); }
for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
