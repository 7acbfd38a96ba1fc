/**
 * enterNetns (native/netns.c): a child Node.js process (this one must stay where it is) enters a
 * throwaway namespace and sees that namespace's interfaces in /proc/self/net/dev and gets sockets
 * through getifaddrs(); a missing namespace is an ENOENT Error; every argument that is not a single path
 * component of 1..255 bytes is refused before any system call.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeSockets } from '../../../src/native/index.js';
import { addonPath } from '../../helpers/addon-path.js';
import { Netns } from '../../helpers/netns.js';

const n = nativeSockets();

const childScript = `
const fs = require('node:fs');
const os = require('node:os');
const addon = require(process.env.KT_ADDON);
const names = () => fs.readFileSync('/proc/self/net/dev', 'utf8').split('\\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();
const before = names();
try {
  addon.enterNetns(process.argv[1]);
} catch (e) {
  console.log(JSON.stringify({ before, error: e.code }));
  process.exit(0);
}
console.log(JSON.stringify({ before, after: names(), osAfter: Object.keys(os.networkInterfaces()).sort() }));
`;

function runChild(name: string): { before: string[]; after?: string[]; osAfter?: string[]; error?: string } {
  const r = spawnSync(process.execPath, ['-e', childScript, name], { encoding: 'utf8', env: { ...process.env, KT_ADDON: addonPath() } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReturnType<typeof runChild>;
}

describe('enterNetns', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create(['kt17b0', 'kt17b1']);
  });
  afterAll(() => ns?.destroy());

  it("moves the calling process's main thread into the named namespace", () => {
    const r = runChild(ns.name);
    expect(r.error).toBeUndefined();
    expect(r.before).not.toContain('kt17b0');
    // the helper's veth pairs have both ends in the namespace
    expect(r.after).toEqual(['kt17b0', 'kt17b1', 'lo', 'peer0', 'peer1']);
    expect(r.before.filter((i) => i !== 'lo' && r.after!.includes(i))).toEqual([]);
    // getifaddrs() (netlink, from the main thread) sees no interface of the first namespace
    expect(r.osAfter!.filter((i) => i !== 'lo' && r.before.includes(i))).toEqual([]);
  });

  it('throws ENOENT for a namespace that does not exist, leaving the process where it was', () => {
    const r = runChild(`${ns.name}-absent`);
    expect(r.error).toBe('ENOENT');
  });

  it('refuses names that are not one path component of 1..255 bytes', () => {
    const call = (v: unknown) => () => (n.enterNetns as (v: unknown) => void)(v);
    expect(call(42)).toThrow(TypeError);
    expect(call(undefined)).toThrow(TypeError);
    expect(() => (n.enterNetns as () => void)()).toThrow(TypeError);
    for (const bad of ['', '.', '..', '../kts', 'a/b', 'x'.repeat(256), 'a\0b']) expect(call(bad), JSON.stringify(bad)).toThrow(RangeError);
    // 255 bytes is a valid name: the file is looked for (and is not there)
    expect(call('y'.repeat(255))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
