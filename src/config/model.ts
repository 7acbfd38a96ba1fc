/**
 * The configuration model: plain data (JSON-serialisable, no classes), with field names that are
 * keepalived's keyword names, so that `--dump-config` reads like the file. Times are in the
 * keyword's own unit (seconds, as decimals), addresses are canonical text.
 *
 * Each block's type lives beside its keyword table in `keywords/`; this file assembles them.
 */
import type { GlobalDefs, RootSettings } from './keywords/global.js';
import type { IpAddressEntry } from './keywords/ip-address.js';
import type { IpRouteEntry } from './keywords/ip-route.js';
import type { IpRuleEntry } from './keywords/ip-rule.js';
import type { GarpGroup, InterfaceUpDownDelay, LinkbeatInterface, TrackGroup } from './keywords/static.js';
import type { TrackFile, TrackProcess, VrrpScript } from './keywords/vrrp-trackers.js';
import type { SyncGroup } from './keywords/vrrp-sync-group.js';
import type { VrrpInstance } from './keywords/vrrp-instance.js';
import type { BfdInstance } from './keywords/bfd.js';
import type { SslContext, VirtualServer, VirtualServerGroup } from './keywords/virtual-server.js';
import { defaultGlobalDefs } from './keywords/global.js';

export interface KeepalivedConfig extends RootSettings {
  global_defs: GlobalDefs;
  static_ipaddress: IpAddressEntry[];
  static_routes: IpRouteEntry[];
  static_rules: IpRuleEntry[];
  garp_group: GarpGroup[];
  linkbeat_interfaces: LinkbeatInterface[];
  track_group: TrackGroup[];
  interface_up_down_delays: InterfaceUpDownDelay[];
  vrrp_script: VrrpScript[];
  vrrp_track_process: TrackProcess[];
  track_file: TrackFile[];
  vrrp_sync_group: SyncGroup[];
  vrrp_instance: VrrpInstance[];
  bfd_instance: BfdInstance[];
  SSL?: SslContext;
  virtual_server_group: VirtualServerGroup[];
  virtual_server: VirtualServer[];
}

export function newConfig(hostname: string): KeepalivedConfig {
  return {
    global_defs: defaultGlobalDefs(hostname),
    static_ipaddress: [],
    static_routes: [],
    static_rules: [],
    garp_group: [],
    linkbeat_interfaces: [],
    track_group: [],
    interface_up_down_delays: [],
    vrrp_script: [],
    vrrp_track_process: [],
    track_file: [],
    vrrp_sync_group: [],
    vrrp_instance: [],
    bfd_instance: [],
    virtual_server_group: [],
    virtual_server: [],
  };
}
