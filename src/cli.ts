#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1
/**
 * Entry point of the `keepalived-ts` command. A 1 MB young generation (V8 grows it to 16 MB by
 * default) and one V8 platform thread (the agent's work is all on the event loop) keep a daemon
 * with tens of thousands of checkers 30-80 MB smaller at no measurable CPU cost
 * (docs/benchmarks.md, "Health checkers").
 */
import { runCli } from './cli/main.js';
import { markStartup } from './startup-timing.js';

markStartup('modulesLoaded');

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
// the daemon's sockets and signal handlers would keep the process alive
if (code !== undefined) process.exit(code);
