/**
 * Which configurations a reload refuses (src/cli/reload-verdict.ts): the running one stays when
 * the new file cannot be used, fails `-t` under reload_check_config, or configures nothing.
 */
import { describe, expect, it } from 'vitest';
import { diagnosticLines, reloadVerdict } from '../../../src/cli/reload-verdict.js';
import { parseText } from '../../helpers/config.js';

const instance = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n';
const running = parseText(instance).config;
const checked = parseText(`global_defs {\n  reload_check_config /tmp/check.log\n}\n${instance}`).config;

describe('reloadVerdict', () => {
  it('accepts a usable file, even with warnings, when reload_check_config is not set', () => {
    expect(reloadVerdict(parseText(instance), running)).toEqual({ ok: true });
    const warned = parseText(`${instance}no_such_keyword\n`);
    expect(warned.diagnostics.length).toBeGreaterThan(0);
    expect(reloadVerdict(warned, running)).toEqual({ ok: true });
  });

  it('with reload_check_config, refuses any -t problem with keepalived\'s words, naming the log file', () => {
    const warned = parseText(`${instance}no_such_keyword\n`);
    expect(reloadVerdict(warned, checked)).toEqual({ ok: false, reason: 'New config failed validation, see /tmp/check.log for details' });
    expect(reloadVerdict(parseText(instance), checked)).toEqual({ ok: true });
  });

  it('refuses a file that stops the reading (a keyword without its parameter) or could not be read', () => {
    const r = reloadVerdict(parseText('vrrp_instance VI_1 {\n  priority\n}\n'), running);
    expect(r.ok).toBe(false);
    expect(reloadVerdict(null, running)).toEqual({ ok: false, reason: 'the configuration could not be read' });
  });

  it('refuses an empty or binary file while the running configuration runs instances', () => {
    expect(reloadVerdict(parseText(''), running).ok).toBe(false);
    expect(reloadVerdict(parseText('\u0001\u0002 junk \u00ff\n'), running).ok).toBe(false);
    // nothing ran before: nothing is lost by an empty file
    expect(reloadVerdict(parseText(''), parseText('').config)).toEqual({ ok: true });
  });

  it('lists the diagnostics as -t prints them', () => {
    const lines = diagnosticLines(parseText(`${instance}no_such_keyword\n`));
    expect(lines.some((l) => l.includes("Unknown keyword 'no_such_keyword'"))).toBe(true);
  });
});
