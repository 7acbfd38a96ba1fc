/**
 * `vrrp_sync_group NAME { group { ... } ... }` (keepalived: vrrp/vrrp_parser.c). Members are
 * resolved after the whole file is read (src/config/validate/vrrp.ts).
 */
import { block, type Handler, type KeywordTable, type ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { parseBool } from '../values.js';
import { Grade } from '../diagnostics.js';
import { readTrackInterfaces, readTrackedObjects, type TrackLists } from './vrrp-instance-lists.js';

export interface SyncGroup extends TrackLists {
  name: string;
  group: string[];
  notify_backup?: ScriptSpec;
  notify_master?: ScriptSpec;
  notify_fault?: ScriptSpec;
  notify_stop?: ScriptSpec;
  notify?: ScriptSpec;
  smtp_alert?: boolean;
  sync_group_tracking_weight: boolean;
  notify_priority_changes?: boolean;
}

type S = SyncGroup;
const configOf = new WeakMap<SyncGroup, KeepalivedConfig>();

function notify(field: 'notify_backup' | 'notify_master' | 'notify_fault' | 'notify_stop' | 'notify'): Handler<S> {
  return (g, st, p) => {
    if (g[field] !== undefined) {
      p.error(`(${g.name}) ${field} script already specified - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    const spec = p.readScript(st);
    if (spec) g[field] = spec;
  };
}

const syncGroupKeywords: KeywordTable<S> = {
  group: (g, st, p) => {
    if (g.group.length > 0) {
      p.error(`Group list already specified for sync group ${g.name}`);
      p.skipBlock();
      return;
    }
    g.group = p.readValueWords(st);
  },
  track_interface: (g, st, p) => readTrackInterfaces(p, st, g.name, g.track_interface),
  track_script: (g, st, p) => readTrackedObjects(p, st, g.name, configOf.get(g)!, 'track_script', g.track_script),
  track_file: (g, st, p) => readTrackedObjects(p, st, g.name, configOf.get(g)!, 'track_file', g.track_file),
  track_process: (g, st, p) => readTrackedObjects(p, st, g.name, configOf.get(g)!, 'track_process', g.track_process),
  track_bfd: (g, st, p) => readTrackedObjects(p, st, g.name, configOf.get(g)!, 'track_bfd', g.track_bfd),
  notify_backup: notify('notify_backup'),
  notify_master: notify('notify_master'),
  notify_fault: notify('notify_fault'),
  notify_stop: notify('notify_stop'),
  notify: notify('notify'),
  smtp_alert: (g, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid vrrp_group smtp_alert parameter ${w}`);
    else g.smtp_alert = b;
  },
  global_tracking: (g, _st, p) => {
    p.report(Grade.Warning, `(${g.name}) global_tracking is deprecated. Use track_interface/script/file/bfd/process on the sync group`);
    g.sync_group_tracking_weight = true;
  },
  sync_group_tracking_weight: (g) => {
    g.sync_group_tracking_weight = true;
  },
  notify_priority_changes: (g, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`(${g.name}) Invalid value '${w}' for sync group notify_priority_changes specified`);
    else g.notify_priority_changes = b;
  },
};

export const syncGroupRootKeywords: KeywordTable<KeepalivedConfig> = {
  vrrp_sync_group: block(
    (c, st, p) => {
      const name = st.words[1];
      if (name === undefined) {
        p.error('vrrp_sync_group must have a name - skipping');
        return null;
      }
      if (c.vrrp_sync_group.some((g) => g.name === name)) {
        p.error(`vrrp sync group ${name} already defined`);
        return null;
      }
      const g: SyncGroup = {
        name,
        group: [],
        track_interface: [],
        track_script: [],
        track_file: [],
        track_process: [],
        track_bfd: [],
        sync_group_tracking_weight: false,
      };
      configOf.set(g, c);
      c.vrrp_sync_group.push(g);
      return g;
    },
    syncGroupKeywords,
  ),
};
