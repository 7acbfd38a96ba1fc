/** What every part of collect.ts shares: how scripts, users and addresses are shown. */
import type { HostEnvironment } from '../config/environment.js';
import type { GlobalDefs } from '../config/keywords/global.js';
import type { ScriptSpec } from '../config/parser.js';
import type { DumpCommand } from './snapshot.js';

export type DumpHostFacts = Pick<HostEnvironment, 'lookupUser' | 'lookupGroup' | 'realPath' | 'path' | 'uid'>;

export interface Identity {
  readonly uid: number;
  readonly gid: number;
}

export class CollectContext {
  /** keepalived's default script user (script_user, else keepalived_script, else us); null if it cannot set one. */
  readonly defaultIdentity: Identity | null;
  readonly self: Identity;

  constructor(
    readonly host: DumpHostFacts,
    g: GlobalDefs,
  ) {
    // the host facts carry no gid: root's is 0, and a non-root daemon runs no scripts anyway
    const me = { uid: host.uid, gid: host.uid === 0 ? 0 : host.uid };
    this.self = me;
    if (g.script_user) this.defaultIdentity = this.identity(g.script_user.user, g.script_user.group);
    else this.defaultIdentity = this.identity('keepalived_script') ?? (g.enable_script_security ? null : me);
  }

  identity(user: string, group?: string): Identity | null {
    const u = this.host.lookupUser(user);
    if (!u) return null;
    if (group === undefined) return u;
    const grp = this.host.lookupGroup(group);
    return grp ? { uid: u.uid, gid: grp.gid } : null;
  }

  /**
   * args[0] as keepalived's check_script_secure() leaves it: searched in $PATH when it has no
   * slash, then through realpath(3), the file name kept when only the directories differ.
   */
  resolvePath(file: string): string {
    let path = file;
    if (!file.includes('/')) {
      for (const dir of this.host.path.split(':')) {
        const candidate = `${dir}/${file}`;
        if (this.host.realPath(candidate) !== null) {
          path = candidate;
          break;
        }
      }
    }
    if (path.startsWith('<') || path.startsWith('>')) return path;
    const real = this.host.realPath(path);
    if (real === null) return path;
    const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
    if (base(real) === base(path)) return real;
    const sameName = `${real.slice(0, real.lastIndexOf('/') + 1)}${base(path)}`;
    return this.host.realPath(sameName) === real ? sameName : real;
  }

  /** A configured script as keepalived shows it; `user` overrides the spec's own user. */
  command(spec: ScriptSpec, user?: { user: string; group?: string }): DumpCommand {
    const [first, ...rest] = spec.args;
    const args = first === undefined ? [] : [this.resolvePath(first), ...rest];
    const who = user ?? (spec.user !== undefined ? { user: spec.user, ...(spec.group !== undefined ? { group: spec.group } : {}) } : undefined);
    const id = (who ? this.identity(who.user, who.group) : null) ?? this.defaultIdentity ?? this.self;
    return { args, uid: id.uid, gid: id.gid };
  }
}

/** Dotted text of address bytes. */
export function addressText(bytes: Uint8Array | readonly number[]): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // RFC 5952: the longest run of two or more zero groups as ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
