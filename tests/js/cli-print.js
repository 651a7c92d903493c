// print joins its arguments with single spaces and ends the line; output
// from timers follows in order.
// flags: --virtual-clock
// timeout: 10
print('a', 1, true, null, undefined, 2.5, 'two words');
print();
print('');
print({}, [1, 2], [], 'x');
print('unicode \u00e9\u20ac');
print('line1\nline2');
setTimeout(function () { print('from a timer', 3); }, 1);
