/**
 * Reading a keepalived configuration: `parseConfig()` runs the reader, the keyword tables and the
 * checks keepalived makes once the whole file is read, and returns the model with every
 * diagnostic. It never throws on bad input.
 */
import { DiagnosticSink, inReportOrder, PhaseOrder, type Diagnostic, type Phase } from './diagnostics.js';
import type { ParseOptions } from './environment.js';
import { newConfig, type KeepalivedConfig } from './model.js';
import { ConfigAbort, Parser, type KeywordTable } from './parser.js';
import { ConfigReader } from './reader.js';
import { globalRootKeywords } from './keywords/global.js';
import { staticRootKeywords } from './keywords/static.js';
import { vrrpRootKeywords } from './keywords/vrrp.js';
import { bfdRootKeywords } from './keywords/bfd.js';
import { lvsRootKeywords } from './keywords/lvs.js';
import { completeVrrp } from './validate/vrrp.js';
import { completeLvs } from './validate/lvs.js';
import { checkScriptSecurity } from './validate/script-security.js';
import { bindScriptUsers } from './validate/script-user.js';

export interface ParseResult {
  readonly config: KeepalivedConfig;
  readonly diagnostics: readonly Diagnostic[];
  /** An include failed its checks: keepalived refuses the configuration outright (exit 6). */
  readonly includeFailed: boolean;
  /**
   * Reading stopped at a keyword missing its value, in this pass (keepalived exits 2 there; the
   * passes after it never run, so their diagnostics are dropped).
   */
  readonly abortedIn?: Phase;
}

export const rootKeywords: KeywordTable<KeepalivedConfig> = {
  ...globalRootKeywords,
  ...staticRootKeywords,
  ...vrrpRootKeywords,
  ...bfdRootKeywords,
  ...lvsRootKeywords,
};

const checkerKeywords = new Set(Object.keys(lvsRootKeywords));
const bfdKeywords = new Set(Object.keys(bfdRootKeywords));
const globalKeywords = new Set(Object.keys(globalRootKeywords));

/** Which `keepalived -t` pass reports the problems of a top-level block. */
export function phaseOfRootKeyword(keyword: string): Phase {
  if (globalKeywords.has(keyword)) return 'global';
  if (checkerKeywords.has(keyword)) return 'check';
  if (bfdKeywords.has(keyword)) return 'bfd';
  return 'vrrp';
}

export function defaultConfigId(hostname: string): string {
  const dot = hostname.indexOf('.');
  return dot >= 0 ? hostname.slice(0, dot) : hostname;
}

export function parseConfig(mainFile: string, options: ParseOptions): ParseResult {
  const sink = new DiagnosticSink();
  const reader = new ConfigReader(
    mainFile,
    {
      fs: options.fs,
      configId: options.configId ?? defaultConfigId(options.host.hostname),
      cwd: options.cwd,
      ...(options.random ? { random: options.random } : {}),
      ...(options.env ? { env: options.env } : {}),
    },
    sink,
  );
  const parser = new Parser(reader, sink, options.host);
  const config = newConfig(options.host.hostname);
  bindScriptUsers(parser, config);
  try {
    parser.processTop(rootKeywords, config, phaseOfRootKeyword);
    parser.phase = 'check';
    completeLvs(config, parser);
    parser.phase = 'vrrp';
    completeVrrp(config, parser);
    checkScriptSecurity(config, parser);
  } catch (e) {
    if (!(e instanceof ConfigAbort)) throw e;
    const last = PhaseOrder.indexOf(e.phase);
    const shown = sink.diagnostics.filter((d) => PhaseOrder.indexOf(d.phase ?? 'global') <= last);
    return { config, diagnostics: inReportOrder(shown), includeFailed: reader.fileError, abortedIn: e.phase };
  }
  return { config, diagnostics: inReportOrder(sink.diagnostics), includeFailed: reader.fileError };
}

export type { KeepalivedConfig } from './model.js';
export type { Diagnostic } from './diagnostics.js';
