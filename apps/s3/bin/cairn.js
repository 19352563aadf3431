#!/usr/bin/env node
// The `cairn` bin. A committed file rather than dist/cli.js itself: npm links a workspace's bin
// at install time only if the target exists, and dist/ is built after install.
'use strict';
let cli;
try {
  cli = require('../dist/cli.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('cairn: not built yet: run `npm run build` in the repository root first\n');
    process.exit(2);
  }
  throw e;
}
cli.run(process.argv.slice(2));
