import { describe, expect, it } from 'vitest';
import { neededReads, paramsMatch, parseCmdline, parseComm, processMatches } from '../../../src/track/process-match.js';
import type { ResolvedTrackProcess } from '../../../src/track/types.js';
import { trackProcess } from '../../helpers/track.js';

const spec = (p: Parameters<typeof trackProcess>[0]): ResolvedTrackProcess => trackProcess({ name: 't', ...p });

const argv = (...a: string[]) => ({ argv: a });

describe('reading /proc', () => {
  it('strips the newline of comm', () => {
    expect(parseComm('haproxy\n')).toBe('haproxy');
    expect(parseComm('haproxy')).toBe('haproxy');
  });

  it('splits cmdline at its NULs', () => {
    expect(parseCmdline('/usr/sbin/haproxy\0-f\0/etc/haproxy.cfg\0')).toEqual(['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg']);
    expect(parseCmdline('nginx: master process\0')).toEqual(['nginx: master process']);
    expect(parseCmdline('a\0\0b\0')).toEqual(['a', '', 'b']); // an empty argument stays
    expect(parseCmdline('rewritten title')).toEqual(['rewritten title']); // setproctitle: no final NUL
    expect(parseCmdline('')).toEqual([]); // kernel thread, zombie
  });
});

describe('matching by process name (comm)', () => {
  it('compares the whole name exactly, as pgrep "^name$"', () => {
    const s = spec({ process: 'sshd' });
    expect(processMatches(s, { comm: 'sshd' })).toBe(true);
    expect(processMatches(s, { comm: 'ssh' })).toBe(false);
    expect(processMatches(s, { comm: 'sshd2' })).toBe(false);
    expect(processMatches(s, { comm: 'SSHD' })).toBe(false);
    // without full_command the command line is not looked at
    expect(processMatches(s, { comm: 'bash', argv: ['sshd'] })).toBe(false);
    expect(processMatches(s, {})).toBe(false);
  });

  it('never matches a name longer than the kernel keeps (keepalived does not shorten it)', () => {
    // the kernel's comm is 15 characters at most
    const s = spec({ process: 'haproxy-ingress-controller' });
    expect(processMatches(s, { comm: 'haproxy-ingress' })).toBe(false);
    expect(processMatches(s, { comm: 'haproxy-ingress-controller' })).toBe(true); // (a comm cannot be this long)
    expect(processMatches(spec({ process: 'abcdefghijklmno' }), { comm: 'abcdefghijklmno' })).toBe(true);
  });
});

describe('matching the command line (full_command)', () => {
  it('compares argv[0] with the configured process exactly', () => {
    const s = spec({ process: '/usr/sbin/haproxy', fullCommand: true });
    expect(processMatches(s, argv('/usr/sbin/haproxy', '-f', 'x'))).toBe(true); // no param_match: any parameters
    expect(processMatches(s, argv('/usr/sbin/haproxy'))).toBe(true);
    expect(processMatches(s, argv('haproxy', '-f', 'x'))).toBe(false); // no basename matching
    expect(processMatches(s, { comm: '/usr/sbin/haproxy' })).toBe(false);
    expect(processMatches(s, argv())).toBe(false);
  });

  it('exact (the default with parameters): the same parameters, no more and no fewer', () => {
    const s = spec({ process: 'haproxy', params: ['-f', '/etc/h.cfg'], fullCommand: true }); // paramMatch left to its default
    expect(processMatches(s, argv('haproxy', '-f', '/etc/h.cfg'))).toBe(true);
    expect(processMatches(s, argv('haproxy', '-f', '/etc/h.cfg', '-D'))).toBe(false);
    expect(processMatches(s, argv('haproxy', '-f'))).toBe(false);
    expect(processMatches(s, argv('haproxy', '-f', '/etc/h.cfgx'))).toBe(false);
    expect(processMatches(s, argv('haproxy', '-f/etc/h.cfg'))).toBe(false);
  });

  it('exact with no parameters configured: the process must have none', () => {
    const s = spec({ process: 'sleep', paramMatch: 'exact', fullCommand: true });
    expect(processMatches(s, argv('sleep'))).toBe(true);
    expect(processMatches(s, argv('sleep', '10'))).toBe(false);
    expect(processMatches(s, argv('sleep', ''))).toBe(false); // an empty argument is still one
  });

  it('partial: the first parameters are the configured ones, more may follow', () => {
    const s = spec({ process: 'nginx', params: ['-c', '/etc/n.conf'], paramMatch: 'partial', fullCommand: true });
    expect(processMatches(s, argv('nginx', '-c', '/etc/n.conf'))).toBe(true);
    expect(processMatches(s, argv('nginx', '-c', '/etc/n.conf', '-g', 'daemon off;'))).toBe(true);
    expect(processMatches(s, argv('nginx', '-c', '/etc/n.conf.bak'))).toBe(false); // whole parameters only
    expect(processMatches(s, argv('nginx', '-c'))).toBe(false);
    expect(processMatches(s, argv('nginx', '-g', 'x', '-c', '/etc/n.conf'))).toBe(false); // in order, from the first
  });

  it('initial: as partial, but the last configured parameter need only begin the process one', () => {
    const s = spec({ process: 'java', params: ['-jar', 'app'], paramMatch: 'initial', fullCommand: true });
    expect(processMatches(s, argv('java', '-jar', 'app'))).toBe(true);
    expect(processMatches(s, argv('java', '-jar', 'app-1.2.jar'))).toBe(true);
    expect(processMatches(s, argv('java', '-jar', 'app-1.2.jar', '--port', '80'))).toBe(true);
    expect(processMatches(s, argv('java', '-jarx', 'app'))).toBe(false); // only the last may continue
    expect(processMatches(s, argv('java', '-jar', 'ap'))).toBe(false);
    expect(processMatches(s, argv('java', '-jar'))).toBe(false);
  });

  it('partial or initial with no parameters configured: any parameters', () => {
    for (const m of ['partial', 'initial'] as const) {
      const s = spec({ process: 'x', paramMatch: m, fullCommand: true });
      expect(processMatches(s, argv('x'))).toBe(true);
      expect(processMatches(s, argv('x', 'a', 'b'))).toBe(true);
    }
    // initial with one empty parameter configured (keepalived: process_params_len == 1)
    expect(paramsMatch('initial', [''], [])).toBe(true);
    expect(paramsMatch('initial', [''], ['anything'])).toBe(true);
  });

  it('keeps parameters with spaces as one argument', () => {
    const s = spec({ process: '/opt/a b', params: ['param 2'], fullCommand: true });
    expect(processMatches(s, argv('/opt/a b', 'param 2'))).toBe(true);
    expect(processMatches(s, argv('/opt/a b', 'param', '2'))).toBe(false);
  });
});

describe('which /proc files are needed', () => {
  it('reads comm for name matches and cmdline for full_command ones, only those', () => {
    expect(neededReads([spec({ process: 'a' })])).toEqual({ comm: true, cmdline: false });
    expect(neededReads([spec({ process: 'a', fullCommand: true })])).toEqual({ comm: false, cmdline: true });
    expect(neededReads([spec({ process: 'a' }), spec({ process: 'b', fullCommand: true })])).toEqual({ comm: true, cmdline: true });
    expect(neededReads([])).toEqual({ comm: false, cmdline: false });
  });
});
