/**
 * /metrics from the snapshot of the run captured with keepalived 2.2.7 (test/fixtures/
 * keepalived-dump): the exporter-compatible series must carry what the common keepalived
 * exporter reads from keepalived's own keepalived.data and keepalived.stats of that run.
 */
import { describe, expect, it } from 'vitest';
import { capturedSnapshot, fixture } from '../dump/captured-run.js';
import { formatMetrics, type CheckerFacts, type ProcessFacts } from '../../../src/observe/metrics.js';
import { Exposition } from '../../../src/observe/exposition.js';
import { CheckMetrics, failureClass } from '../../../src/check/check-metrics.js';

const processFacts: ProcessFacts = {
  cpuUserSeconds: 1.5,
  cpuSystemSeconds: 0.25,
  startTimeSeconds: 1796300000,
  residentMemoryBytes: 50_000_000,
  heapUsedBytes: 10_000_000,
  openFds: 12,
  maxFds: 1024,
  eventLoopDelayP99Seconds: 0.0012,
};

/** `name{labels} value` lines as a map from `name{sorted labels}` to value. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}=${x[2]}`).sort().join(',') : '';
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

/** What the keepalived exporter reads from keepalived.data: per instance its state, interface, VRID, garp delay, VIPs. */
function exporterData(text: string): { iname: string; state: number; intf: string; vrid: number; garp: number; vips: string[]; evips: string[] }[] {
  const states = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
  const out: ReturnType<typeof exporterData> = [];
  let cur: (typeof out)[number] | null = null;
  let list: 'vips' | 'evips' | null = null;
  for (const line of text.split('\n')) {
    const kv = /^ (\S.*?) = (.*)$/.exec(line) ?? /^ {3}(\S.*?) = (.*)$/.exec(line);
    if (/^ VRRP Instance = /.test(line)) {
      cur = { iname: line.split(' = ')[1]!, state: -1, intf: '', vrid: 0, garp: 0, vips: [], evips: [] };
      out.push(cur);
      list = null;
      continue;
    }
    if (/^ \S/.test(line) || /^-/.test(line)) cur = null;
    if (!cur) continue;
    if (/^ {3}Virtual IP \(\d+\):/.test(line)) list = 'vips';
    else if (/^ {3}Virtual IP Excluded/.test(line)) list = 'evips';
    else if (/^ {5}\S/.test(line) && list) cur[list].push(line.trim());
    else if (/^ {3}\S/.test(line)) list = null;
    if (kv && /^ {3}\S/.test(line)) {
      const [, k, v] = kv;
      if (k === 'State') cur.state = states.indexOf(v!);
      if (k === 'Interface') cur.intf = v!;
      if (k === 'Virtual Router ID') cur.vrid = Number(v);
      if (k === 'Gratuitous ARP delay') cur.garp = Number(v);
    }
  }
  return out;
}

/** keepalived.stats: per instance, the counters in the file's order. */
function exporterStats(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let cur: number[] | null = null;
  for (const line of text.split('\n')) {
    const head = /^VRRP Instance: (.*)$/.exec(line);
    if (head) out.set(head[1]!, (cur = []));
    else if (cur && /: \d+$/.test(line)) cur.push(Number(line.split(': ')[1]));
  }
  return out;
}

describe('/metrics: the keepalived exporter\'s series', () => {
  const text = formatMetrics({ version: '0.1.0', vrrp: true, snapshot: capturedSnapshot(), checkers: null, process: processFacts });
  const got = series(text);

  it('keepalived_vrrp_state: one series per VIP with the state, the VIP\'s device and address, as the exporter reads keepalived.data', () => {
    const data = exporterData(fixture('keepalived.data'));
    expect(data.map((d) => d.iname)).toEqual(['VI_1', 'VI_2', 'VI_3']);
    let n = 0;
    for (const d of data) {
      expect(d.state).toBeGreaterThanOrEqual(0);
      for (const vip of d.vips) {
        const [address, , intf] = vip.split(' ');
        expect(got.get(`keepalived_vrrp_state{iname=${d.iname},intf=${intf},ip_address=${address},vrid=${d.vrid}}`), vip).toBe(d.state);
        n++;
      }
      for (const vip of d.evips) {
        const [address, , intf] = vip.split(' ');
        expect(got.get(`keepalived_vrrp_excluded_state{iname=${d.iname},intf=${intf},ip_address=${address},vrid=${d.vrid}}`), vip).toBe(d.state);
      }
      expect(got.get(`keepalived_gratuitous_arp_delay_total{iname=${d.iname},intf=${d.intf},vrid=${d.vrid}}`)).toBe(d.garp);
    }
    expect([...got.keys()].filter((k) => k.startsWith('keepalived_vrrp_state{')).length).toBe(n);
  });

  it('the counters are keepalived.stats\' numbers under the exporter\'s names', () => {
    const stats = exporterStats(fixture('keepalived.stats'));
    const names = [
      'keepalived_advertisements_received_total',
      'keepalived_advertisements_sent_total',
      'keepalived_become_master_total',
      'keepalived_release_master_total',
      'keepalived_packet_length_errors_total',
      'keepalived_ip_ttl_errors_total',
      'keepalived_invalid_type_received_total',
      'keepalived_advertisements_interval_errors_total',
      'keepalived_address_list_errors_total',
      'keepalived_authentication_invalid_total',
      'keepalived_authentication_mismatch_total',
      'keepalived_authentication_failure_total',
      'keepalived_priority_zero_received_total',
      'keepalived_priority_zero_sent_total',
    ];
    const data = exporterData(fixture('keepalived.data'));
    expect(stats.size).toBe(3);
    for (const [iname, values] of stats) {
      const d = data.find((x) => x.iname === iname)!;
      expect(values.length).toBe(names.length);
      names.forEach((name, i) => expect(got.get(`${name}{iname=${iname},intf=${d.intf},vrid=${d.vrid}}`), `${name} ${iname}`).toBe(values[i]));
    }
    // the captured run had address-list errors on VI_1: a non-zero value is compared, not only zeros
    expect(got.get('keepalived_address_list_errors_total{iname=VI_1,intf=eth0,vrid=51}')).toBe(5);
  });

  it('keepalived_script_status and keepalived_script_state as the exporter maps Status and State', () => {
    // keepalived.data: "VRRP Script = chk", "Status = GOOD", "State = idle"
    expect(got.get('keepalived_script_status{name=chk}')).toBe(1);
    expect(got.get('keepalived_script_state{name=chk}')).toBe(0);
    expect(got.get('keepalived_up{}')).toBe(1);
  });

  it('our series: priorities, sync groups, tracked files, process', () => {
    expect(got.get('keepalived_vrrp_priority{iname=VI_1,intf=eth0,vrid=51}')).toBeGreaterThan(0);
    expect(got.has('keepalived_vrrp_base_priority{iname=VI_2,intf=eth0,vrid=52}')).toBe(true);
    expect(got.get('process_open_fds{}')).toBe(12);
    expect(got.get('process_cpu_seconds_total{}')).toBe(1.75);
    expect(text).toContain('# TYPE keepalived_advertisements_sent_total counter');
    expect(text).not.toContain('secret1'); // the captured configuration's auth_pass
  });
});

describe('/metrics: checker pool and IPVS', () => {
  const metrics = new CheckMetrics();
  metrics.started(300); // 0.3 ms late
  metrics.finished('TCP_CHECK', 2_000, true, 'connected');
  metrics.finished('TCP_CHECK', 3_000_000, false, 'connect timed out after 3 s');
  metrics.finished('HTTP_GET', 40_000, false, 'status 503');
  const facts: CheckerFacts = {
    pool: { jobs: 3, inFlight: 1, waiting: 0, limit: 768, checks: 3, latenessP50Ms: 0, latenessP99Ms: 0, latenessMaxMs: 0 },
    metrics,
    ipvs: { fullSyncs: 2, partialSyncs: 5, applied: { 'add-service': 1, 'edit-service': 0, 'delete-service': 0, 'add-dest': 2, 'edit-dest': 3, 'delete-dest': 0 }, refusedRetried: 1, refused: 0 },
  };
  const text = formatMetrics({ version: '0.1.0', vrrp: false, snapshot: capturedSnapshot(), checkers: facts, process: processFacts });
  const got = series(text);

  it('check durations as a histogram per kind, results and failure classes', () => {
    expect(got.get('keepalived_check_duration_seconds_bucket{kind=TCP_CHECK,le=0.0025}')).toBe(1);
    expect(got.get('keepalived_check_duration_seconds_bucket{kind=TCP_CHECK,le=2.5}')).toBe(1);
    expect(got.get('keepalived_check_duration_seconds_bucket{kind=TCP_CHECK,le=5}')).toBe(2);
    expect(got.get('keepalived_check_duration_seconds_bucket{kind=TCP_CHECK,le=+Inf}')).toBe(2);
    expect(got.get('keepalived_check_duration_seconds_count{kind=TCP_CHECK}')).toBe(2);
    expect(got.get('keepalived_check_duration_seconds_sum{kind=TCP_CHECK}')).toBeCloseTo(3.002, 6);
    expect(got.get('keepalived_checks_total{kind=TCP_CHECK,result=success}')).toBe(1);
    expect(got.get('keepalived_checks_total{kind=HTTP_GET,result=failure}')).toBe(1);
    expect(got.get('keepalived_check_failures_total{kind=TCP_CHECK,reason=timeout}')).toBe(1);
    expect(got.get('keepalived_check_failures_total{kind=HTTP_GET,reason=http_status}')).toBe(1);
    expect(got.get('keepalived_check_start_lateness_seconds_bucket{le=0.001}')).toBe(1);
    expect(got.get('keepalived_check_start_lateness_seconds_bucket{le=0.0001}')).toBe(0);
  });

  it('pool, IPVS syncs and refused operations; no VRRP series without VRRP', () => {
    expect(got.get('keepalived_checker_pool_in_flight{}')).toBe(1);
    expect(got.get('keepalived_checker_pool_limit{}')).toBe(768);
    expect(got.get('keepalived_ipvs_syncs_total{type=partial}')).toBe(5);
    expect(got.get('keepalived_ipvs_operations_total{op=edit-dest}')).toBe(3);
    expect(got.get('keepalived_ipvs_operations_refused_total{outcome=retried}')).toBe(1);
    expect([...got.keys()].some((k) => k.startsWith('keepalived_vrrp_state'))).toBe(false);
  });

  it('virtual and real servers from the snapshot', () => {
    const s = capturedSnapshot();
    const vs = s.virtualServers[0]!;
    expect(got.get(`keepalived_virtual_server_up{virtual_server=${vs.label}}`)).toBe(vs.quorumStateUp ? 1 : 0);
    const rs = vs.realServers[0]!;
    const rsName = `[${rs.address}]:${vs.protocol === 'none' ? 'tcp' : vs.protocol.toLowerCase()}:${rs.port}`;
    expect(got.get(`keepalived_real_server_weight{real_server=${rsName},virtual_server=${vs.label}}`)).toBe(rs.alive ? rs.effectiveWeight : 0);
  });
});

describe('exposition and check counters', () => {
  it('escapes label values and help text, refuses a family declared twice', () => {
    const e = new Exposition().family('x', 'gauge', 'a\\b\nc').sample('x', 1, { name: 'q"u\\o\nte' });
    expect(e.text()).toBe('# HELP x a\\\\b\\nc\n# TYPE x gauge\nx{name="q\\"u\\\\o\\nte"} 1\n');
    expect(() => e.family('x', 'gauge', '')).toThrow(/twice/);
  });

  it('classifies failure reasons into a bounded set', () => {
    expect(failureClass('connection refused (ECONNREFUSED)')).toBe('refused');
    expect(failureClass('timed out waiting for the response')).toBe('timeout');
    expect(failureClass('exited with status 255')).toBe('script');
    expect(failureClass('status 503')).toBe('http_status');
    expect(failureClass('MD5 digest mismatch')).toBe('digest');
    expect(failureClass('DNS reply RCODE 3 (NXDOMAIN)')).toBe('dns');
    expect(failureClass('destination unreachable (host)')).toBe('unreachable');
    expect(failureClass('something new')).toBe('other');
  });
});

describe('/metrics: dropped packets', () => {
  const text = formatMetrics({
    version: '0.1.0',
    vrrp: true,
    snapshot: capturedSnapshot(),
    checkers: null,
    process: processFacts,
    vrrpDrops: { instances: [{ name: 'VI_1', dropped: { checksum: 4, 'auth-type': 2 } }], unknownVrid: 7, malformed: 3 },
  });
  const got = series(text);
  it('per instance by reason, and the packets no instance took', () => {
    expect(got.get('keepalived_vrrp_dropped_total{iname=VI_1,intf=eth0,reason=checksum,vrid=51}')).toBe(4);
    expect(got.get('keepalived_vrrp_dropped_total{iname=VI_1,intf=eth0,reason=auth_type,vrid=51}')).toBe(2);
    expect([...got.keys()].filter((k) => k.startsWith('keepalived_vrrp_dropped_total{iname=VI_2'))).toEqual([]);
    expect(got.get('keepalived_vrrp_packets_dropped_total{reason=unknown_vrid}')).toBe(7);
    expect(got.get('keepalived_vrrp_packets_dropped_total{reason=malformed}')).toBe(3);
  });
});
