/**
 * The value blocks of a vrrp_instance (and of a vrrp_sync_group for the track_* ones):
 * track_interface, track_script, track_file, track_process, track_bfd, unicast_peer, and the
 * address/route/rule blocks (keepalived: vrrp/vrrp_track.c, vrrp/vrrp_data.c).
 */
import type { Parser } from '../parser.js';
import type { Statement } from '../reader.js';
import type { KeepalivedConfig } from '../model.js';
import { formatIp, parseIp, withoutPrefixLength } from '../address.js';
import { readInt, readUnsigned } from '../values.js';

export interface TrackedInterface {
  name: string;
  weight: number;
  weight_reverse: boolean;
}

export interface TrackedObject {
  name: string;
  /** Absent: the tracked object's own weight applies. */
  weight?: number;
  weight_reverse: boolean;
}

export interface UnicastPeer {
  address: string;
  min_ttl?: number;
  max_ttl?: number;
}

export interface TrackLists {
  track_interface: TrackedInterface[];
  track_script: TrackedObject[];
  track_file: TrackedObject[];
  track_process: TrackedObject[];
  track_bfd: TrackedObject[];
}

/** Reads `<weight> [reverse]` after a `weight` word; returns null (reported) if invalid. */
function readWeight(p: Parser, owner: string, words: readonly string[], at: number, min: number, max: number): { weight: number; reverse: boolean } | null {
  const value = words[at + 1];
  if (value === undefined) {
    p.error(`(${owner}) weight without value specified for ${words[0]} - ignoring`);
    return null;
  }
  const w = readInt(p, value, min, max);
  if (w === null) {
    p.error(`(${owner}) weight ${value} for ${words[0]} must be between [${min}:${max}] inclusive. Ignoring...`);
    return null;
  }
  if (Math.abs(w) === 254) {
    p.error(`(${owner}) weight for ${words[0]} cannot be +/-254. Setting to +/-253`);
    return { weight: w > 0 ? 253 : -253, reverse: words[at + 2] === 'reverse' };
  }
  const extra = words[at + 2];
  if (extra !== undefined && extra !== 'reverse') p.error(`(${owner}) unknown track option ${extra} - ignoring`);
  return { weight: w, reverse: extra === 'reverse' };
}

export function readTrackInterfaces(p: Parser, st: Statement, owner: string, list: TrackedInterface[]): void {
  p.eachValue(st, (e) => {
    const name = e.words[0]!;
    if (p.interfaceMissing(name)) {
      p.error(`(${owner}) tracked interface ${name} doesn't exist`);
      return;
    }
    if (list.some((t) => t.name === name)) {
      p.error(`(${owner}) duplicate track_interface ${name} - ignoring`);
      return;
    }
    const t: TrackedInterface = { name, weight: 0, weight_reverse: false };
    if (e.words[1] === 'weight') {
      const w = readWeight(p, owner, e.words, 1, -254, 254);
      if (!w) return;
      t.weight = w.weight;
      t.weight_reverse = w.reverse;
    } else if (e.words[1] !== undefined) {
      p.error(`(${owner}) unknown track_interface ${name} option ${e.words[1]}`);
      return;
    }
    list.push(t);
  });
}

type TrackKind = 'track_script' | 'track_file' | 'track_process' | 'track_bfd';

function known(config: KeepalivedConfig, kind: TrackKind, name: string): boolean {
  switch (kind) {
    case 'track_script':
      return config.vrrp_script.some((s) => s.name === name);
    case 'track_file':
      return config.track_file.some((f) => f.name === name);
    case 'track_process':
      return config.vrrp_track_process.some((t) => t.name === name);
    case 'track_bfd':
      return config.bfd_instance.some((b) => b.name === name);
  }
}

const notFound: Record<TrackKind, string> = {
  track_script: 'track script',
  track_file: 'track file',
  track_process: 'track process',
  track_bfd: 'track bfd',
};

/** track_script / track_file / track_process / track_bfd: names must already be defined. */
export function readTrackedObjects(p: Parser, st: Statement, owner: string, config: KeepalivedConfig, kind: TrackKind, list: TrackedObject[]): void {
  p.eachValue(st, (e) => {
    const name = e.words[0]!;
    if (!known(config, kind, name)) {
      p.error(`(${owner}) ${notFound[kind]} ${name} not found, ignoring...`);
      return;
    }
    if (list.some((t) => t.name === name)) {
      p.error(`(${owner}) duplicate ${kind} ${name} - ignoring`);
      return;
    }
    const t: TrackedObject = { name, weight_reverse: false };
    if (e.words[1] === 'weight') {
      const w = readWeight(p, owner, e.words, 1, kind === 'track_file' ? -254 : -253, kind === 'track_file' ? 254 : 253);
      if (!w) return;
      t.weight = w.weight;
      t.weight_reverse = w.reverse;
    } else if (e.words[1] !== undefined) {
      p.error(`(${owner}) unknown ${notFound[kind]} option ${e.words[1]} - ignoring`);
      return;
    }
    list.push(t);
  });
}

export function readUnicastPeers(p: Parser, st: Statement, owner: string, family: () => 'inet' | 'inet6' | undefined, setFamily: (f: 'inet' | 'inet6') => void, list: UnicastPeer[]): void {
  p.eachValue(st, (e) => {
    // as for unicast_src_ip, a '/prefix' after the address is dropped (keepalived)
    const a = parseIp(withoutPrefixLength(e.words[0]!));
    if (!a) {
      p.error(`Configuration error: VRRP instance[${owner}] malformed unicast peer address[${e.words[0]}]. Skipping...`);
      return;
    }
    const f = family();
    if (f !== undefined && f !== a.family) {
      p.error(`Configuration error: VRRP instance[${owner}] and unicast peer address[${e.words[0]}] MUST be of the same family !!! Skipping...`);
      return;
    }
    if (f === undefined) setFamily(a.family);
    const peer: UnicastPeer = { address: formatIp(a) };
    let bad = false;
    for (let i = 1; i < e.words.length; i += 2) {
      const opt = e.words[i]!;
      if (opt !== 'min_ttl' && opt !== 'max_ttl') {
        p.error(`(${owner}) unknown unicast_peer option ${opt}`);
        bad = true;
        break;
      }
      if (e.words[i + 1] === undefined) {
        p.error(`(${owner}) ${opt} is missing a value`);
        bad = true;
        break;
      }
      const n = readUnsigned(p, e.words[i + 1], 0, 255);
      if (n === null) {
        bad = true;
        break;
      }
      peer[opt] = n;
    }
    if (bad) return;
    if (peer.min_ttl !== undefined && peer.max_ttl !== undefined && peer.min_ttl > peer.max_ttl) {
      p.error(`(${owner}) min_ttl ${peer.min_ttl} > max_ttl ${peer.max_ttl} - all packets will be discarded`);
    }
    list.push(peer);
  });
}
