#!/usr/bin/env node
/** Entry point of the `keepalived-ts` command. */
import { runCli } from './cli/main.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
// the daemon's sockets and signal handlers would keep the process alive
if (code !== undefined) process.exit(code);
