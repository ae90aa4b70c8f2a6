#!/usr/bin/env node
// The emulator ships as TypeScript; tsx compiles it on load, on Node 20 and 24 alike.
require('tsx/cjs/api').register();
require('../src/cli.ts');
