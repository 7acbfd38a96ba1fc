/**
 * What keepalived 2.2.7 prints in its dump files (/tmp/keepalived.data, keepalived.stats,
 * keepalived.json, keepalived_check.data, keepalived_parent.data), as plain data: every value
 * already in the unit and form keepalived prints (seconds or µs as the line says, addresses as
 * text, script words with their path resolved). collect.ts builds it from the running daemon;
 * the formatters only lay it out. Times are wall-clock µs since the epoch.
 */

export type DumpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP' | 'DELETED';

/** A script as keepalived shows it: its words (args[0] through realpath) and its uid:gid. */
export interface DumpCommand {
  readonly args: readonly string[];
  readonly uid: number;
  readonly gid: number;
}

/** Which process writes a file: the global definitions differ slightly between them. */
export type DumpProcess = 'parent' | 'vrrp' | 'checker';

export interface DumpGlobals {
  readonly networkNamespace?: string;
  /** undefined: not configured ("(main namespace)"); '': the default namespace. */
  readonly networkNamespaceIpvs?: string;
  readonly instanceName?: string;
  readonly processNames: { readonly parent?: string; readonly vrrp?: string; readonly lvs?: string; readonly bfd?: string };
  readonly routerId?: string;
  readonly smtpServer?: { readonly address: string; readonly port: number };
  readonly smtpHeloName?: string;
  /** Seconds; printed with an smtp server only. */
  readonly smtpConnectTimeout: number;
  readonly emailFrom?: string;
  readonly emails: readonly string[];
  /** null: unset. */
  readonly smtpAlert: boolean | null;
  readonly smtpAlertVrrp: boolean | null;
  readonly smtpAlertChecker: boolean | null;
  readonly checkerLogAllFailures: boolean;
  readonly reloadCheckConfig?: string;
  readonly reloadTimeFile?: { readonly path: string; readonly repeat: boolean };
  readonly reloadFile?: string;
  readonly configSaveDirectory?: string;
  readonly dataUseInstance: boolean;
  readonly startupScript?: { readonly command: DumpCommand; readonly timeout: number };
  readonly shutdownScript?: { readonly command: DumpCommand; readonly timeout: number };
  readonly dynamicInterfaces: boolean;
  readonly allowInterfaceChanges: boolean;
  readonly noEmailFaults: boolean;
  readonly lvsTimeouts: { readonly tcp?: number; readonly tcpfin?: number; readonly udp?: number };
  /** "eth0" unless default_interface is set (VRRP process only). */
  readonly defaultInterface: string;
  readonly disableLocalIgmp: boolean;
  readonly lvsSyncDaemon?: {
    readonly interface: string;
    readonly vrrpInstance?: string;
    readonly syncId: number;
    readonly maxlen?: number;
    readonly group?: string;
    readonly port?: number;
    readonly ttl?: number;
  };
  readonly lvsFlush: boolean;
  readonly lvsFlushOnStop: 'full' | 'VS' | 'disabled';
  readonly notifyFifo?: DumpFifo;
  readonly vrrpNotifyFifo?: DumpFifo;
  readonly lvsNotifyFifo?: DumpFifo;
  readonly fifoWriteVrrpStatesOnReload: boolean;
  readonly vrrpNotifyPriorityChanges: boolean;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  /** Seconds. */
  readonly garpDelay: number;
  readonly garpRepeat: number;
  readonly garpRefresh: number;
  readonly garpRefreshRepeat: number;
  /** null: unset (the parent and checker processes never resolve them). */
  readonly garpLowerPrioDelay: number | null;
  readonly garpLowerPrioRepeat: number | null;
  readonly downTimerAdverts: number;
  /** `vrrp_garp_extra_if` seconds (0: none) and whether on all interfaces. */
  readonly vmacGarpInterval: number;
  readonly vmacGarpAllIf: boolean;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  /** Seconds. */
  readonly garpInterval: number;
  readonly gnaInterval: number;
  readonly vrrpVersion: 2 | 3;
  readonly nftables?: { readonly table: string; readonly priority: number; readonly ifindex: boolean };
  readonly nftablesIpvs?: { readonly table: string; readonly priority: number; readonly startFwmark: number };
  readonly nftablesCounters: boolean;
  readonly checkUnicastSrc: boolean;
  readonly skipCheckAdvAddr: boolean;
  readonly strict: boolean;
  /** -1: disabled. */
  readonly maxAutoPriority: number;
  readonly minAutoPriorityDelayUs: number;
  readonly vrrpProcess: DumpProcessSettings;
  readonly checkerProcess: DumpProcessSettings;
  readonly bfdProcess: DumpProcessSettings;
  readonly snmp: { readonly vrrp: boolean; readonly checker: boolean; readonly rfcv2: boolean; readonly rfcv3: boolean; readonly traps: boolean; readonly socket?: string };
  readonly dbus: { readonly enabled: boolean; readonly serviceName?: string };
  readonly scriptSecurity: boolean;
  /** null when keepalived cannot set one (script security without the keepalived_script user). */
  readonly defaultScriptIdentity: { readonly uid: number; readonly gid: number } | null;
  readonly netlinkBuffers: Readonly<Record<string, number>>;
  readonly rsInitNotifies: boolean;
  readonly noCheckerEmails: boolean;
  /** 'MTU', 'ADVERT', a size, or undefined. */
  readonly rxBufsPolicy?: string;
  readonly rxBufsMultiples: number;
  readonly umask: number;
  /** Seconds (0: none). */
  readonly vrrpStartupDelay: number;
  readonly logUnknownVrids: boolean;
  readonly vmacPrefix?: string;
  readonly vmacAddrPrefix?: string;
  /** keepalived 2.2.8's json_version (1 is 2.2.7's layout). */
  readonly jsonVersion: 1 | 2;
}

export interface DumpFifo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly script?: DumpCommand;
}

export interface DumpProcessSettings {
  readonly priority: number;
  readonly noSwap: boolean;
  readonly realtimePriority: number;
  readonly cpuAffinity?: readonly number[];
  readonly realtimeLimit: number;
}

export interface DumpTrackRef {
  readonly name: string;
  readonly weight: number;
  readonly reverse: boolean;
}

export interface DumpNotifyScripts {
  readonly backup?: DumpCommand;
  readonly master?: DumpCommand;
  readonly fault?: DumpCommand;
  readonly stop?: DumpCommand;
  readonly deleted?: DumpCommand;
  readonly generic?: DumpCommand;
  readonly masterRxLowerPri?: DumpCommand;
}

/** keepalived's vrrp_stats (the SNMP-only counters left out). */
export interface DumpInstanceStats {
  readonly advertRcvd: number;
  readonly advertSent: number;
  readonly becomeMaster: number;
  readonly releaseMaster: number;
  readonly packetLenErr: number;
  readonly ipTtlErr: number;
  readonly invalidTypeRcvd: number;
  readonly advertIntervalErr: number;
  readonly addrListErr: number;
  readonly invalidAuthtype: number;
  readonly authtypeMismatch: number;
  readonly authFailure: number;
  readonly priZeroRcvd: number;
  readonly priZeroSent: number;
}

export interface DumpInstance {
  readonly name: string;
  readonly version: 2 | 3;
  readonly syncGroup?: string;
  readonly family: 'inet' | 'inet6';
  readonly state: DumpState;
  /** The last master heard (BACKUP lines): null address before any ("(null)"). */
  readonly masterAddress: string | null;
  readonly masterPriority: number;
  /** µs. */
  readonly masterAdverIntUs: number;
  /** Any of keepalived's vrrp flags set (else "Flags: none"). */
  readonly hasFlags: boolean;
  readonly unicast: boolean;
  /** A unicast keyword without peers: the instance multicasts. */
  readonly unicastConfiguredOnly: boolean;
  readonly unicastFaultNoPeers: boolean;
  readonly wantState: DumpState;
  readonly configFaults: number;
  readonly interfaceScriptFaults: number;
  readonly scriptsInit: number;
  readonly lastTransitionUs: number;
  /** Wall-clock µs of the instance's next timer, null when none is armed ("DISABLED"). */
  readonly readTimeoutUs: number | null;
  readonly masterDownTimerUs: number;
  readonly interface?: string;
  readonly dontTrackPrimary: boolean;
  readonly skipCheckAdvAddr: boolean;
  readonly strict: boolean;
  readonly sourceAddress?: string;
  readonly sourceFromConfig: boolean;
  readonly multicastGroup: string;
  /** Seconds. */
  readonly garpDelay: number;
  readonly garpRepeat: number;
  readonly garpRefresh: number;
  readonly garpRefreshRepeat: number;
  readonly garpLowerPrioDelay: number;
  readonly garpLowerPrioRepeat: number;
  readonly downTimerAdverts: number;
  readonly lowerPrioNoAdvert: boolean;
  readonly higherPrioSendAdvert: boolean;
  readonly vrid: number;
  readonly basePriority: number;
  readonly effectivePriority: number;
  readonly totalPriority: number;
  readonly advertIntUs: number;
  readonly accept: boolean;
  readonly nopreempt: boolean;
  /** Seconds (0: none). */
  readonly preemptDelay: number;
  readonly promoteSecondaries: boolean;
  readonly auth: { readonly type: 'none' } | { readonly type: 'pass'; readonly password: string } | { readonly type: 'ah' };
  readonly kernelRxBufSize: number;
  readonly debug: number;
  /** format_ipaddress() lines. */
  readonly vips: readonly string[];
  readonly evips: readonly string[];
  /** The virtual addresses are installed. */
  readonly vipSet: boolean;
  readonly unicastTtl: number;
  readonly checkUnicastSrc: boolean;
  readonly unicastPeers: readonly { readonly address: string; readonly minTtl: number; readonly maxTtl: number }[];
  readonly unicastChecksumCompat: 'no' | 'never' | 'config' | 'auto';
  readonly sockets: { readonly fdIn: number; readonly fdOut: number } | null;
  readonly vroutes: readonly string[];
  readonly vrules: readonly string[];
  readonly trackInterfaces: readonly DumpTrackRef[];
  readonly trackScripts: readonly DumpTrackRef[];
  /** The script words of each tracked script (keepalived.json's track_script). */
  readonly trackScriptCommands: readonly (readonly string[])[];
  readonly trackFiles: readonly DumpTrackRef[];
  readonly trackProcesses: readonly DumpTrackRef[];
  readonly smtpAlert: boolean;
  readonly notifyDeleted: boolean;
  readonly notify: DumpNotifyScripts;
  readonly notifyPriorityChanges: boolean;
  readonly stats: DumpInstanceStats;
}

export interface DumpSocket {
  readonly fdIn: number;
  readonly fdOut: number;
  readonly interface: string;
  readonly family: 'inet' | 'inet6';
  /** The unicast source, or undefined for a multicast socket. */
  readonly unicastSource?: string;
  readonly rxBufSize: number;
  readonly instances: readonly { readonly name: string; readonly vrid: number }[];
}

export interface DumpSyncGroup {
  readonly name: string;
  readonly state: DumpState;
  readonly numMemberFault: number;
  readonly numMemberInit: number;
  readonly members: readonly string[];
  readonly trackingWeight: boolean;
  readonly smtpAlert: boolean;
  /** undefined: not set on the group. */
  readonly notifyPriorityChanges?: boolean;
  readonly trackInterfaces: readonly DumpTrackRef[];
  readonly trackScripts: readonly DumpTrackRef[];
  readonly trackFiles: readonly DumpTrackRef[];
  readonly trackProcesses: readonly DumpTrackRef[];
  readonly notify: DumpNotifyScripts;
}

/** An instance tracking an object: `VI_1, weight 10[ reverse]`. */
export interface DumpTracking {
  readonly instance: string;
  readonly weight: number;
  readonly reverse: boolean;
}

export interface DumpScript {
  readonly name: string;
  readonly command: DumpCommand;
  /** Seconds. */
  readonly interval: number;
  readonly timeout: number;
  readonly weight: number;
  readonly reverse: boolean;
  readonly rise: number;
  readonly fall: number;
  /** keepalived's rise/fall counter (GOOD when >= rise). */
  readonly result: number;
  readonly insecure: boolean;
  readonly initState: 'INIT' | 'INIT/FAILED' | 'INIT/RELOAD' | 'unknown';
  readonly tracking: readonly DumpTracking[];
  readonly running: 'idle' | 'running' | 'requested termination' | 'forcing termination';
}

export interface DumpTrackFile {
  readonly name: string;
  readonly path: string;
  readonly status: number;
  readonly weight: number;
  readonly reverse: boolean;
  readonly tracking: readonly DumpTracking[];
}

export interface DumpTrackProcess {
  readonly name: string;
  readonly process: string;
  readonly params?: string;
  readonly paramMatch?: 'exact' | 'partial' | 'initial';
  readonly quorum: number;
  /** undefined: no upper bound. */
  readonly quorumMax?: number;
  readonly current: number;
  readonly haveQuorum: boolean;
  readonly weight: number;
  readonly reverse: boolean;
  /** Seconds. */
  readonly terminateDelay: number;
  readonly forkDelay: number;
  readonly forkTimerRunning: boolean;
  readonly terminateTimerRunning: boolean;
  readonly fullCommand: boolean;
  readonly tracking: readonly DumpTracking[];
}

export interface DumpInterface {
  readonly name: string;
  readonly index: number;
  readonly ipv4?: string;
  readonly ipv4Extra: readonly string[];
  readonly ipv6?: string;
  readonly ipv6Extra: readonly string[];
  /** aa:bb:.. and the broadcast address, when the link has one. */
  readonly mac?: string;
  readonly macBroadcast?: string;
  /** ifi_flags (IFF_*). */
  readonly flags: number;
  readonly seenUp: boolean;
  readonly upDebounceUs: number;
  readonly downDebounceUs: number;
  readonly mtu: number;
  /** ARPHRD_* (1 ethernet, 772 loopback). */
  readonly hwType: number;
  readonly linkbeatPolling: boolean;
  readonly resetArpConfig: number;
  readonly arpIgnore: number;
  readonly arpFilter: number;
  readonly promoteSecondaries: number;
  readonly resetPromoteSecondaries: number;
  readonly tracking: readonly DumpTracking[];
}

export type DumpForwarding =
  | { readonly method: 'NAT' | 'DR' }
  | { readonly method: 'TUN'; readonly type: 'ipip' | 'gue' | 'gre'; readonly port?: number; readonly checksum?: 'nocsum' | 'csum' | 'remcsum' };

export interface DumpRealServer {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly effectiveWeight: number;
  readonly forwarding: DumpForwarding;
  readonly alpha: boolean;
  /** µs. */
  readonly connectTimeoutUs: number;
  readonly lowerThreshold: number;
  readonly upperThreshold: number;
  readonly delayLoopUs: number;
  readonly retry?: number;
  readonly delayBeforeRetryUs?: number;
  readonly warmupUs?: number;
  readonly inhibit: boolean;
  readonly notifyUp?: DumpCommand;
  readonly notifyDown?: DumpCommand;
  readonly virtualhost?: string;
  readonly snmpName?: string;
  readonly smtpAlert: boolean;
  readonly initialWeight: number;
  readonly previousEffectiveWeight: number;
  readonly alive: boolean;
  readonly failedCheckers: number;
  readonly set: boolean;
}

export interface DumpVirtualServer {
  /** `VS VIP = ..`, `VS FWMARK = ..` or `VS GROUP = ..` */
  readonly key: { readonly kind: 'ip'; readonly address: string; readonly port: number } | { readonly kind: 'fwmark'; readonly fwmark: number } | { readonly kind: 'group'; readonly name: string; readonly port: number };
  /** keepalived's FMT_VS (checker lines): `[192.0.2.100]:tcp:80`. */
  readonly label: string;
  readonly virtualhost?: string;
  readonly snmpName?: string;
  readonly family: 'inet' | 'inet6' | 'both' | 'unknown';
  readonly connectTimeoutUs: number;
  readonly delayLoopUs: number;
  readonly scheduler: string;
  readonly hashed: boolean;
  readonly flag1: boolean;
  readonly flag2: boolean;
  readonly flag3: boolean;
  readonly onePacket: boolean;
  readonly persistenceTimeout: number;
  readonly persistenceGranularity?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP' | 'none';
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly retry?: number;
  readonly delayBeforeRetryUs?: number;
  readonly warmupUs?: number;
  readonly inhibit: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp?: DumpCommand;
  readonly quorumDown?: DumpCommand;
  readonly haSuspend: boolean;
  readonly smtpAlert: boolean;
  readonly forwarding: DumpForwarding;
  readonly sorryServer?: { readonly label: string; readonly duplicatesRs: boolean; readonly forwarding: DumpForwarding; readonly inhibit: boolean };
  readonly alive: boolean;
  readonly quorumStateUp: boolean;
  readonly realServers: readonly DumpRealServer[];
}

export type DumpCheckerKind =
  | { readonly type: 'TCP_CHECK' | 'PING_CHECK' }
  | { readonly type: 'HTTP_GET' | 'SSL_GET'; readonly httpProtocol: string; readonly virtualhost?: string; readonly sni: boolean; readonly fastRecovery: boolean; readonly urls: readonly DumpUrl[] }
  | { readonly type: 'MISC_CHECK'; readonly command: DumpCommand; readonly timeout: number; readonly dynamic: boolean; readonly lastRanUs: number; readonly lastStatus: number }
  | { readonly type: 'SMTP_CHECK'; readonly helo: string }
  | { readonly type: 'DNS_CHECK'; readonly queryType: string; readonly name: string }
  | { readonly type: 'UDP_CHECK'; readonly payloadLength?: number; readonly requireReply: boolean; readonly minReply: number; readonly maxReply: number; readonly replyLength: number; readonly replyMask?: boolean }
  | { readonly type: 'FILE_CHECK'; readonly file: string }
  | { readonly type: 'BFD_CHECK'; readonly name: string };

export interface DumpUrl {
  readonly path: string;
  readonly digest?: string;
  readonly statusCodes: readonly { readonly min: number; readonly max: number }[];
  readonly virtualhost?: string;
}

export interface DumpChecker {
  /** FMT_VS and FMT_CHK: `[192.0.2.100]:tcp:80 -> [198.51.100.11]:tcp:80`. */
  readonly vsLabel: string;
  readonly rsLabel: string;
  readonly enabled: boolean;
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly currentWeight: number;
  readonly alpha: boolean;
  readonly delayLoopUs: number;
  readonly warmupUs: number;
  readonly retry: number;
  readonly delayBeforeRetryUs: number;
  readonly retryIterations: number;
  readonly defaultDelayBeforeRetryUs: number;
  readonly logAllFailures: boolean;
  /** Connection options, for the checkers that connect. */
  readonly connection?: { readonly dest: string; readonly bindTo?: string; readonly bindIf?: string; readonly fwmark?: number; readonly timeoutUs: number; readonly lastErrno: number };
  readonly kind: DumpCheckerKind;
}

export interface DumpSnapshot {
  readonly globals: DumpGlobals;
  /** format_ipaddress() lines of static_ipaddress. */
  readonly staticAddresses: readonly string[];
  readonly instances: readonly DumpInstance[];
  readonly sockets: readonly DumpSocket[];
  readonly syncGroups: readonly DumpSyncGroup[];
  readonly scripts: readonly DumpScript[];
  readonly trackFiles: readonly DumpTrackFile[];
  readonly trackProcesses: readonly DumpTrackProcess[];
  readonly interfaces: readonly DumpInterface[];
  readonly virtualServers: readonly DumpVirtualServer[];
  readonly checkers: readonly DumpChecker[];
}
