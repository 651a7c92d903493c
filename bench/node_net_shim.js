// Preloaded by bench/net_run.py (`node -r bench/node_net_shim.js script.js ...`) so that
// Node.js runs evloop's example script unchanged: the globals it uses from evloop.
globalThis.net = require('net');
globalThis.print = function () { console.log(Array.prototype.join.call(arguments, ' ')); };
