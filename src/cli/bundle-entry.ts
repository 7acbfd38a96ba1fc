/**
 * What dist/keepalived-ts.cjs exports (src/bundle-loader.ts): the command, and where the start
 * timing and `-v` learn how the modules were loaded.
 */
export { runAsProcess } from './process-entry.js';
export { setModuleLoad } from '../startup-timing.js';

import { runCli } from './main.js';

/**
 * Runs `-t` on a configuration with nothing printed, so that the code cache made afterwards
 * (tools/build-bundle.mjs) also holds the reader's and validator's compiled functions, which V8
 * otherwise compiles at each start when it first calls them.
 */
export async function warmUp(configFile: string): Promise<void> {
  const quiet = (): void => undefined;
  await runCli(['-t', '-f', configFile], { stdout: quiet, stderr: quiet, cwd: process.cwd(), env: process.env });
}
