(function (native, loop) { 'use strict'; return {}; })
