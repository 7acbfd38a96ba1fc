/**
 * Configuration diagnostics.
 *
 * keepalived grades every configuration message (lib/parser.h `config_err_t`) and `keepalived -t`
 * derives its exit code from the grade with the highest enum value seen, not the most severe one:
 * a later warning therefore turns a "cannot run" verdict (4) into "errors" (5), and a script
 * security problem (6) wins over everything. We keep the same grades so that `keepalived-ts -t`
 * exits exactly as keepalived does.
 */

export const Grade = {
  /** Messages keepalived only logs; they do not change the exit code. */
  Info: 0,
  /* keepalived cannot run the configuration */
  FileNotFound: 1,
  BadInterface: 2,
  Fatal: 3,
  /* configuration errors keepalived still runs with */
  MultipleFiles: 4,
  UnknownKeyword: 5,
  UnexpectedBlockStart: 6,
  MissingBlockStart: 7,
  UnexpectedBlockEnd: 8,
  MissingBlockEnd: 9,
  UnmatchedQuote: 10,
  MissingParameter: 11,
  InvalidNumber: 12,
  GeneralError: 13,
  Warning: 14,
  Deprecated: 15,
  /** Scripts configured without script security. */
  Security: 16,
} as const;
export type Grade = (typeof Grade)[keyof typeof Grade];

export type Severity = 'info' | 'fatal' | 'error' | 'warning' | 'security';

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

/**
 * `keepalived -t` reads the file once per subsystem (global, checker, VRRP, BFD, in that order)
 * and each pass reports the problems of its own blocks; we read it once and tag each diagnostic
 * with the pass that would report it, so the order matches.
 */
export type Phase = 'global' | 'check' | 'vrrp' | 'bfd';
export const PhaseOrder: readonly Phase[] = ['global', 'check', 'vrrp', 'bfd'];

export interface Diagnostic {
  /** Defaults to 'global' (reader diagnostics). */
  readonly phase?: Phase;
  readonly grade: Grade;
  readonly message: string;
  /** Absent for checks made after the whole file was read and that concern no single line. */
  readonly location?: SourceLocation;
  /** The keyword being processed, e.g. `priority` inside `vrrp_instance`. */
  readonly keyword?: string;
}

export function severityOf(grade: Grade): Severity {
  if (grade === Grade.Info) return 'info';
  if (grade <= Grade.Fatal) return 'fatal';
  if (grade === Grade.Security) return 'security';
  if (grade === Grade.UnknownKeyword || grade === Grade.Warning || grade === Grade.Deprecated || grade === Grade.MultipleFiles) {
    return 'warning';
  }
  return 'error';
}

/** `keepalived --config-test` exit codes (lib/scheduler.h `chk_exit_code`). */
export const ConfigTestExit = { Ok: 0, CannotRun: 4, Errors: 5, ScriptSecurity: 6 } as const;
export type ConfigTestExit = (typeof ConfigTestExit)[keyof typeof ConfigTestExit];

/** The grade keepalived ends up with: the highest enum value reported (see the file comment). */
export function overallGrade(diagnostics: readonly Diagnostic[]): Grade {
  let worst: Grade = Grade.Info;
  for (const d of diagnostics) if (d.grade > worst) worst = d.grade;
  return worst;
}

export function configTestExitCode(diagnostics: readonly Diagnostic[]): ConfigTestExit {
  const grade = overallGrade(diagnostics);
  if (grade === Grade.Info) return ConfigTestExit.Ok;
  if (grade <= Grade.Fatal) return ConfigTestExit.CannotRun;
  if (grade === Grade.Security) return ConfigTestExit.ScriptSecurity;
  return ConfigTestExit.Errors;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}: ` : '';
  const keyword = d.keyword ? `'${d.keyword}': ` : '';
  return `${where}${severityOf(d.grade)}: ${keyword}${d.message}`;
}

/** Diagnostics in the order `keepalived -t` prints them: by pass, then as reported. */
export function inReportOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic): number => PhaseOrder.indexOf(d.phase ?? 'global');
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map(({ d }) => d);
}

/** Collects diagnostics; the reader and the keyword handlers share one. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  /** Hard cap so that a hostile file cannot make us build an unbounded list. */
  static readonly MaxDiagnostics = 10_000;
  #dropped = 0;

  report(d: Diagnostic): void {
    if (this.diagnostics.length >= DiagnosticSink.MaxDiagnostics) {
      this.#dropped++;
      return;
    }
    this.diagnostics.push(d);
  }

  get dropped(): number {
    return this.#dropped;
  }
}
