// What the namespace-lab benches share: a cleanup that kills every child they started (its
// process group) and takes their lab down, once, on exit or on INT/TERM/HUP.

/** Register the cleanup for `lab`; returns the set the bench adds its children to, and the cleanup itself. */
export function cleanupOnExit(lab) {
  const children = new Set();
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) {
      try {
        if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid, 'SIGKILL');
      } catch {}
    }
    try {
      lab.down();
    } catch (e) {
      console.error(`cleanup: ${e.message}`);
    }
  };
  process.on('exit', cleanup);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(s, () => {
      console.error(`\n${s}: cleaning up`);
      cleanup();
      process.exit(130);
    });
  }
  return { children, cleanup };
}
