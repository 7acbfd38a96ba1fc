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

/**
 * The address part of a unicast_src_ip / mcast_src_ip / unicast_peer word: keepalived
 * (lib/utils.c inet_stosockaddr()) cuts the text at the first '-' (a range) or, failing that, at
 * the first '/' (a prefix length), so `192.0.2.1/24` is the address 192.0.2.1.
 */
export function sockaddrText(word: string): string {
  const dash = word.indexOf('-');
  return dash >= 0 ? word.slice(0, dash) : withoutPrefixLength(word);
}

/**
 * unicast_peer entries (keepalived: vrrp_data.c alloc_vrrp_unicast_peer()). An entry whose
 * address is good is kept even when its options are not: a bad option value is reported and
 * skipped, an unknown option ends the options. `onTtl` is called when a min_ttl/max_ttl is set
 * (keepalived then checks the source of unicast adverts).
 */
export function readUnicastPeers(
  p: Parser,
  st: Statement,
  owner: string,
  family: () => 'inet' | 'inet6' | undefined,
  setFamily: (f: 'inet' | 'inet6') => void,
  list: UnicastPeer[],
  onTtl: () => void = () => {},
): void {
  p.eachValue(st, (e) => {
    const a = parseIp(sockaddrText(e.words[0]!));
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
    for (let i = 1; i < e.words.length; i += 2) {
      const opt = e.words[i]!;
      if (i + 1 >= e.words.length) {
        p.error(`(${owner}) ${opt} is missing a value`);
        break;
      }
      const n = readUnsigned(p, e.words[i + 1], 0, 255);
      if (n === null) continue;
      if (opt !== 'min_ttl' && opt !== 'max_ttl') {
        p.error(`(${owner}) unknown unicast_peer option ${opt}`);
        break;
      }
      peer[opt] = n;
      onTtl();
    }
    const min = peer.min_ttl ?? 0;
    const max = peer.max_ttl ?? 255;
    if (min > max) p.error(`(${owner}) min_ttl ${min} > max_ttl ${max} - all packets will be discarded`);
    list.push(peer);
  });
}
