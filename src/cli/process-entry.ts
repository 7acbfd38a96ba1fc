/**
 * Running the command as this process: the arguments in, the exit code out. Shared by the plain
 * entry point (src/cli.ts) and the startup snapshot's (src/snapshot-entry.ts).
 */
import { runCli } from './main.js';
import { markStartup } from '../startup-timing.js';

export async function runAsProcess(args: readonly string[]): Promise<void> {
  markStartup('modulesLoaded');
  const code = await runCli(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  });
  process.exitCode = code;
  // the daemon's sockets and signal handlers would keep the process alive
  if (code !== undefined) process.exit(code);
}
