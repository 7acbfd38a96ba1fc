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

/** The address of real server i on loopback: 127.1.0.0 + i (all of 127/8 reaches a listener on 0.0.0.0). */
export const loopbackRsIp = (i) => {
  const v = (127 << 24) + (1 << 16) + i;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
};

/**
 * keepalived.conf text of n real servers on loopback, four to a virtual server (delay_loop 1,
 * NAT), each with the checker block `check`; `portOf(i)` is real server i's port.
 */
export function loopbackLvsConfig(n, check, portOf = () => 18000) {
  let conf = '';
  for (let v = 0; v * 4 < n; v++) {
    conf += `virtual_server 192.0.2.${1 + (v % 250)} ${1000 + Math.floor(v / 250)} {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n`;
    for (let i = v * 4; i < Math.min(n, v * 4 + 4); i++) conf += `  real_server ${loopbackRsIp(i)} ${portOf(i)} {\n${check}  }\n`;
    conf += '}\n';
  }
  return conf;
}
