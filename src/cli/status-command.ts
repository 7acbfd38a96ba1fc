/**
 * `keepalived-ts status [--json]`: asks the running daemon, over its control socket, for its
 * StatusDocument and prints it as JSON or as tables an operator reads at a glance.
 */
import { Command, CommanderError } from 'commander';
import { controlSocketPath, requestStatus } from '../observe/control-socket.js';
import type { InstanceStatusView, StatusDocument, VirtualServerStatusView } from '../observe/status-model.js';
import { DefaultPidFiles } from './pid-files.js';

/** The daemon's default main pid file (src/cli/daemon.ts); the control socket sits next to it. */
const DefaultPidFile = DefaultPidFiles.main;

export async function runStatusCommand(argv: readonly string[], io: { stdout(t: string): void; stderr(t: string): void }): Promise<number> {
  const cmd = new Command('keepalived-ts status')
    .description("print the running daemon's VRRP instances, sync groups and virtual servers")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--json', 'print the status document as JSON')
    .option('-p, --pid <file>', "the daemon's main pid file: its control socket is next to it", DefaultPidFile)
    .option('--socket <path>', 'the control socket (overrides --pid)');
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? 0 : 1;
    throw e;
  }
  const o = cmd.opts<{ json?: boolean; pid: string; socket?: string }>();
  try {
    const doc = await requestStatus(o.socket ?? controlSocketPath(o.pid));
    io.stdout(o.json ? `${JSON.stringify(doc, null, 2)}\n` : formatStatusTable(doc));
    return 0;
  } catch (e) {
    io.stderr(`keepalived-ts status: ${(e as Error).message}\n`);
    return 1;
  }
}

/** The status as a summary line and one table per section; sections without rows are left out. */
export function formatStatusTable(doc: StatusDocument): string {
  const subsystems = [doc.subsystems.vrrp ? 'VRRP' : '', doc.subsystems.checkers ? 'checkers' : ''].filter((s) => s !== '');
  const summary = `keepalived-ts ${doc.version}, pid ${doc.pid}, up ${formatDuration(doc.uptime_seconds)}${subsystems.length > 0 ? ` (${subsystems.join(', ')})` : ''}`;
  const sections = [[summary]];
  if (doc.vrrp_instances.length > 0) sections.push(instanceTable(doc.vrrp_instances));
  if (doc.vrrp_sync_groups.length > 0) {
    sections.push(
      renderTable(
        [{ header: 'Sync group' }, { header: 'State' }, { header: 'Members' }],
        doc.vrrp_sync_groups.map((g) => [g.name, g.state, g.members.join(', ') || '-']),
      ),
    );
  }
  if (doc.virtual_servers.length > 0) sections.push(virtualServerTable(doc.virtual_servers));
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function instanceTable(instances: readonly InstanceStatusView[]): string[] {
  const columns: Column[] = [
    { header: 'VRRP instance' },
    { header: 'State' },
    { header: 'Prio', right: true },
    { header: 'Base', right: true },
    { header: 'Interface' },
    { header: 'VRID', right: true },
    { header: 'Master' },
    { header: 'VIPs' },
    // why it is not where it should be: no header, it reads as a remark
    { header: '' },
  ];
  return renderTable(
    columns,
    instances.map((i) => [
      i.name,
      i.state,
      String(i.priority.effective),
      String(i.priority.base),
      i.interface ?? '-',
      String(i.vrid),
      masterCell(i),
      i.vips.map((v) => (i.interface !== null && v.interface !== i.interface ? `${v.address} (${v.interface})` : v.address)).join(', ') || '-',
      instanceRemarks(i),
    ]),
  );
}

function masterCell(i: InstanceStatusView): string {
  if (i.state === 'MASTER') return `${i.master.address ?? '-'} (self)`;
  return i.master.address ?? '-';
}

/** Faults first, then the tracked objects that are down (what lowered the priority or caused the fault). */
function instanceRemarks(i: InstanceStatusView): string {
  const remarks: string[] = [];
  if (i.faults.length > 0) remarks.push(`faults: ${i.faults.join(', ')}`);
  const down = i.tracked.filter((t) => t.state === 'down').map((t) => `${t.kind} ${t.name}`);
  if (down.length > 0) remarks.push(`down: ${down.join(', ')}`);
  return remarks.join('; ');
}

/** One line per real server; the virtual server's cells only on its first. */
function virtualServerTable(servers: readonly VirtualServerStatusView[]): string[] {
  const rows: string[][] = [];
  for (const vs of servers) {
    const quorum = vs.quorum_up ? 'up' : 'down';
    if (vs.real_servers.length === 0) rows.push([vs.name, quorum, '-', '', '', '']);
    vs.real_servers.forEach((rs, n) => {
      const checks = rs.checks.map((c) => `${c.kind} ${c.up ? 'up' : 'down'}${c.last_result === null ? '' : ` (${c.last_result})`}`);
      rows.push([n === 0 ? vs.name : '', n === 0 ? quorum : '', rs.name, rs.alive ? 'yes' : 'no', String(rs.weight), checks.join(', ') || '-']);
    });
  }
  return renderTable(
    [{ header: 'Virtual server' }, { header: 'Quorum' }, { header: 'Real server' }, { header: 'Alive' }, { header: 'Weight', right: true }, { header: 'Checks' }],
    rows,
  );
}

interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, n) => Math.max(c.header.length, ...rows.map((r) => (r[n] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, n) => {
        const cell = cells[n] ?? '';
        return c.right ? cell.padStart(widths[n] ?? 0) : cell.padEnd(widths[n] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** `3h 12m 5s`: from the largest unit present down to seconds. */
function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ];
  const parts: string[] = [];
  for (const [suffix, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${suffix}`);
  }
  parts.push(`${rest}s`);
  return parts.join(' ');
}
