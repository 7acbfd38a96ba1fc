/**
 * The status document: what `GET /status`, the control socket and `keepalived-ts status --json`
 * return. Field names are stable (documented in the README): add fields, never rename them.
 * Plain data only: no configuration beyond names and addresses, and never a secret (auth_pass).
 */

export type StatusState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export interface StatusDocument {
  /** keepalived-ts's version. */
  readonly version: string;
  readonly pid: number;
  /** ISO 8601, when the daemon started. */
  readonly started_at: string;
  readonly uptime_seconds: number;
  readonly subsystems: { readonly vrrp: boolean; readonly checkers: boolean };
  readonly vrrp_instances: readonly InstanceStatusView[];
  readonly vrrp_sync_groups: readonly SyncGroupStatusView[];
  readonly virtual_servers: readonly VirtualServerStatusView[];
}

export interface InstanceStatusView {
  readonly name: string;
  readonly interface: string | null;
  readonly vrid: number;
  readonly family: 'inet' | 'inet6';
  readonly version: 2 | 3;
  readonly state: StatusState;
  /** The state it wants to reach (keepalived's Wantstate). */
  readonly want_state: StatusState;
  readonly priority: { readonly base: number; readonly effective: number };
  /** The current master: ourselves when MASTER, else the last one heard (address null before any). */
  readonly master: { readonly address: string | null; readonly priority: number | null };
  /** ISO 8601 of the last state change (the start before any). */
  readonly last_transition: string;
  readonly sync_group: string | null;
  /** Virtual addresses as `ADDRESS/PREFIX`, and the interface they go on. */
  readonly vips: readonly { readonly address: string; readonly interface: string }[];
  readonly excluded_vips: readonly { readonly address: string; readonly interface: string }[];
  /** Why the instance is in FAULT (empty when it is not). */
  readonly faults: readonly string[];
  readonly tracked: readonly TrackedStatusView[];
  readonly counters: {
    readonly adverts_sent: number;
    readonly adverts_received: number;
    readonly become_master: number;
    readonly release_master: number;
    readonly priority_zero_sent: number;
    readonly priority_zero_received: number;
    /** Received packets dropped, by keepalived's stats names (packet_len_err, ip_ttl_err, ...). */
    readonly errors: Readonly<Record<string, number>>;
  };
}

export interface TrackedStatusView {
  readonly kind: 'interface' | 'script' | 'file' | 'process';
  readonly name: string;
  readonly weight: number;
  /** The weight applies reversed (`weight -N reverse`). */
  readonly reverse: boolean;
  /** 'up' / 'down' for interfaces, scripts and processes; 'value' for files (see value). */
  readonly state: 'up' | 'down' | 'value' | 'unknown';
  /** track_file: the number read from the file. */
  readonly value?: number;
}

export interface SyncGroupStatusView {
  readonly name: string;
  readonly state: StatusState;
  readonly members: readonly string[];
}

export interface VirtualServerStatusView {
  /** keepalived's name for it: `[192.0.2.100]:tcp:80`, `FWM 7`, `[group]:80`. */
  readonly name: string;
  /** The IPVS services it programs (a group gives several). */
  readonly services: number;
  readonly scheduler: string | null;
  /** Whether its quorum is met (sorry server in use when not). */
  readonly quorum_up: boolean;
  readonly real_servers: readonly RealServerStatusView[];
}

export interface RealServerStatusView {
  /** `[203.0.113.21]:tcp:80`. */
  readonly name: string;
  readonly alive: boolean;
  /** Its weight in IPVS now: the effective weight (dynamic checks change it) while alive, 0 when down. */
  readonly weight: number;
  readonly checks: readonly CheckStatusView[];
}

export interface CheckStatusView {
  /** TCP_CHECK, HTTP_GET, ... */
  readonly kind: string;
  readonly up: boolean;
  /** What the last check saw ("connection refused", "status 200"); null before the first. */
  readonly last_result: string | null;
}
