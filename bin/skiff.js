#!/usr/bin/env node
// Entry point of the `skiff` command (the build output lives in dist/).
import { main } from '../dist/src/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Leave once output is flushed, even if a half-started component still holds a handle.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
