// Timers fire in deadline order, equal deadlines in creation order; extra
// arguments reach the callback; ids are distinct positive integers.
// flags: --virtual-clock
var log = [];
var ids = [];
ids.push(setTimeout(function () { log.push('c'); }, 30));
ids.push(setTimeout(function () { log.push('a1'); }, 10));
ids.push(setTimeout(function () { log.push('a2'); }, 10));
ids.push(setTimeout(function (x, y) { log.push('b' + x + y); }, 20, 'x', 'y'));
ids.push(setInterval(function () { log.push('i'); clearInterval(ids[4]); }, 15));
setTimeout(function () {
    var expected = 'a1,a2,i,bxy,c';
    var seen = {};
    for (var i = 0; i < ids.length; i++) {
        if (typeof ids[i] !== 'number' || ids[i] < 1 || ids[i] % 1 !== 0 || seen[ids[i]]) {
            print('FAIL bad id', ids[i]);
        }
        seen[ids[i]] = true;
    }
    if (log.join() !== expected) { print('FAIL order', log.join(), 'want', expected); }
    else { print('ok'); }
}, 40);
