#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1
/**
 * Entry point of the `keepalived-ts` command. A 1 MB young generation (V8 grows it to 16 MB by
 * default) and one V8 platform thread (the agent's work is all on the event loop) keep a daemon
 * with tens of thousands of checkers 30-80 MB smaller at no measurable CPU cost
 * (docs/benchmarks.md, "Health checkers"). The modules come from the one-file bundle with V8's
 * code cache when the build made it (src/bundle-loader.ts), else from their files;
 * KEEPALIVED_TS_NO_BUNDLE=1 forces the files.
 */
import { loadBundle } from './bundle-loader.js';

const bundle = process.env.KEEPALIVED_TS_NO_BUNDLE ? null : loadBundle();
const { runAsProcess } = bundle ?? (await import('./cli/process-entry.js'));
await runAsProcess(process.argv.slice(2));
