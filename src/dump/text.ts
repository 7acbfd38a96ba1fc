/** Small printf-alikes for the dump formatters: the number and time forms keepalived's C prints. */
import type { IpAddressEntry } from '../config/keywords/ip-address.js';
import type { DumpCommand, DumpState } from './snapshot.js';

/** C's `%g` (6 significant digits, trailing zeros dropped, exponent form outside 1e-4..1e6). */
export function fmtG(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = x.toExponential(5).split('e') as [string, string];
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(x.toFixed(5 - exp));
}

/** C's `%f`. */
export const fmtF = (x: number): string => x.toFixed(6);

/** `%ld.%6.6ld` of a wall-clock time in µs. */
export function secUsec(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.round(us - sec * 1e6)).padStart(6, '0')}`;
}

const Days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const Months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** asctime() of the local time, without the year and newline: `Thu Dec  3 12:26:42`. */
function asctimeHead(us: number): string {
  const d = new Date(Math.floor(us / 1e6) * 1000);
  return `${Days[d.getDay()]} ${Months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** keepalived's ctime_us_r(): `Thu Dec  3 12:26:42.161564 2026` (local time). */
export function ctimeUs(us: number): string {
  const usec = secUsec(us).split('.')[1]!;
  return `${asctimeHead(us)}.${usec} ${new Date(Math.floor(us / 1e6) * 1000).getFullYear()}`;
}

/** ctime_r() cut to 24 characters and the µs appended, as the MISC_CHECK "Last ran" line. */
export function ctime24Us(us: number): string {
  const usec = secUsec(us).split('.')[1]!;
  return `${asctimeHead(us)} ${new Date(Math.floor(us / 1e6) * 1000).getFullYear()}.${usec}`;
}

/** keepalived's cmd_str(): each word quoted, except a leading redirection-only word. */
export function cmdStr(args: readonly string[]): string {
  return args.map((a, i) => (i === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a}'`)).join(' ');
}

export const withIdentity = (c: DumpCommand): string => `${cmdStr(c.args)}, uid:gid ${c.uid}:${c.gid}`;

/** get_state_str(). */
export function stateText(s: DumpState): string {
  return s === 'INIT' || s === 'BACKUP' || s === 'MASTER' || s === 'FAULT' ? s : 'unknown';
}

/** The VRRP_STATE_* number (keepalived.json). */
export function stateNumber(s: DumpState): number {
  return { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, DELETED: 97, STOP: 98 }[s];
}

const scopeNames: Readonly<Record<string, string>> = { '0': 'global', '200': 'site', '253': 'link', '254': 'host', '255': 'nowhere' };

function broadcastOf(address: string, prefix: number): string {
  const bytes = address.split('.').map(Number);
  return bytes.map((b, i) => b | (0xff >> Math.max(0, Math.min(8, prefix - i * 8))) & 0xff).join('.');
}

/**
 * format_ipaddress(): one virtual or static address as keepalived lists it.
 * @param defaultDev the instance's interface (addresses without `dev`)
 * @param set the address is installed
 */
export function formatIpAddress(a: IpAddressEntry, defaultDev: string | undefined, set: boolean): string {
  const full = a.family === 'inet' ? 32 : 128;
  let s = a.prefix === full ? a.address : `${a.address}/${a.prefix}`;
  if (a.family === 'inet' && a.brd !== undefined && a.brd !== '-') s += ` brd ${a.brd === '+' ? broadcastOf(a.address, a.prefix) : a.brd}`;
  s += ` dev ${a.dev ?? defaultDev ?? '(null)'}`;
  if (a.use_vmac) s += ' use_vmac';
  const scope = a.scope ?? 'global';
  s += ` scope ${scopeNames[scope] ?? scope}`;
  if (a.label !== undefined) s += ` label ${a.label}`;
  if (a.peer !== undefined) s += ` peer ${a.peer.split('/')[0]}/${a.prefix}`;
  if (a.home) s += ' home';
  if (a.nodad) s += ' -nodad';
  if (a.mngtmpaddr) s += ' mngtmpaddr';
  if (a.noprefixroute) s += ' noprefixroute';
  if (a.autojoin) s += ' autojoin';
  if (a.no_track) s += ' no_track';
  if (a.track_group !== undefined) s += ` track_group ${a.track_group}`;
  if (a.family === 'inet6') {
    const lft = a.preferred_lft;
    s += lft === 0 ? ' deprecated' : lft === undefined || lft === 0xffffffff ? ' preferred_lft forever' : ` preferred_lft ${lft}`;
  }
  if (set) s += ' set';
  return s;
}

/** `1000000` µs as check_data.c's format_decimal(): `1.000000`. */
export function decimalUs(us: number): string {
  const whole = Math.floor(us / 1e6);
  return `${whole}.${String(Math.round(us - whole * 1e6)).padStart(6, '0')}`;
}
