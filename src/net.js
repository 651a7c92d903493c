(function (native, stream, global, setTimeout, clearTimeout, bindings) { 'use strict'; })
