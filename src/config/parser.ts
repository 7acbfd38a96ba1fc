/**
 * The block engine: walks the reader's statements through declarative keyword tables, as
 * keepalived's `process_stream()` does (lib/parser.c), with the same diagnostics for braces and
 * unknown keywords. Keyword tables are data: a map from keyword to a handler that writes into
 * the object of the enclosing block.
 */
import { Grade, type DiagnosticSink, type Phase, type SourceLocation } from './diagnostics.js';
import type { HostEnvironment } from './environment.js';
import type { ConfigReader, Statement } from './reader.js';
import { splitQuotedEscaped } from './text.js';
import { blockUserScriptKeywords, notifyScriptKept } from './validate/script-user.js';

export type Handler<T> = (target: T, st: Statement, p: Parser) => void;
export type KeywordTable<T> = Readonly<Record<string, Handler<T>>>;

/**
 * A keyword that opens a `{ }` block of its own keywords. `open` builds the child object (or
 * returns null to skip the block, having reported why); `close` runs after the closing brace,
 * where keepalived's close handlers run, so its diagnostics carry the `}` line.
 */
export function block<T, C>(
  open: (target: T, st: Statement, p: Parser) => C | null,
  table: KeywordTable<C> | (() => KeywordTable<C>),
  close?: (child: C, target: T, p: Parser) => void,
): Handler<T> {
  return (target, st, p) => {
    const child = open(target, st, p);
    if (child === null) {
      p.skipBlock();
      return;
    }
    const skipped = p.processBlock(typeof table === 'function' ? table() : table, child);
    if (!skipped && close) close(child, target, p);
  };
}

/**
 * keepalived's general rule for a missing value: a handler that takes a word with
 * `strvec_slot()` when the line has none stops the whole reading (`null_strvec()`, exit 2);
 * handlers that first check how many words there are report their own message instead. Most of
 * our handlers stop through `missingParameter()` (the value readers do); these are the keywords,
 * by enclosing block ('' at the top level), whose keepalived handler takes its first word
 * unconditionally although ours checks for it.
 */
const RequiresFirstWord: Readonly<Record<string, ReadonlySet<string>>> = (() => {
  const connection = ['connect_ip', 'bindto', 'bind_if'];
  const table: Record<string, string[]> = {
    '': ['vrrp_script', 'vrrp_track_process', 'track_file', 'vrrp_track_file', 'virtual_server_group', 'virtual_server'],
    vrrp_instance: ['vrf', 'mcast_src_ip', 'unicast_src_ip', 'mcast_dst_ip', 'lvs_sync_daemon_interface'],
    vrrp_script: ['user'],
    vrrp_track_process: ['process'],
    virtual_server: [
      'ip_family', 'lb_algo', 'lvs_sched', 'lb_kind', 'lvs_method', 'persistence_engine', 'persistence_granularity',
      'protocol', 'sorry_server', 'real_server',
    ],
    real_server: ['lvs_method'],
    url: ['path', 'digest'],
    HTTP_GET: connection,
    SSL_GET: connection,
    TCP_CHECK: connection,
    SMTP_CHECK: connection,
    UDP_CHECK: connection,
    PING_CHECK: connection,
    DNS_CHECK: [...connection, 'type', 'name'],
    FILE_CHECK: ['track_file'],
  };
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, new Set(v)]));
})();

export class Parser {
  readonly reader: ConfigReader;
  readonly sink: DiagnosticSink;
  readonly host: HostEnvironment;
  /** Every script read so far, for the script-security pass after parsing. */
  readonly scripts: RegisteredScript[] = [];
  readonly #keywords: string[] = [];
  #level = 0;
  /** The keepalived pass that owns what is being read (see `Phase`). */
  phase: Phase = 'global';
  /** global_defs `dynamic_interfaces`: interfaces named before they exist are expected to appear. */
  dynamicInterfaces = false;
  /** Some keyword named an interface the host lacks (keepalived's `non_existent_interface_specified`). */
  missingInterface = false;

  constructor(reader: ConfigReader, sink: DiagnosticSink, host: HostEnvironment) {
    this.reader = reader;
    this.sink = sink;
    this.host = host;
  }

  /** Drops a script from the security pass (its owner was discarded). */
  /**
   * True when `name` is not an interface of this host and will not be created on demand; the
   * caller reports it. Unknown interface lists (no host information) accept every name.
   */
  interfaceMissing(name: string): boolean {
    if (this.host.interfaces === null || this.host.interfaces.has(name) || this.dynamicInterfaces) return false;
    this.missingInterface = true;
    return true;
  }

  forgetScript(spec: ScriptSpec): void {
    const i = this.scripts.findIndex((s) => s.spec === spec);
    if (i >= 0) this.scripts.splice(i, 1);
  }

  #entryLocation: SourceLocation | null = null;
  #currentWords: readonly string[] = [];

  /** The location of the statement being processed (keepalived's current line). */
  get location(): SourceLocation {
    return this.#entryLocation ?? this.reader.location;
  }

  /**
   * Each entry of a value block (see `readValueBlock`), with diagnostics located at the entry's
   * own line, as keepalived reports them while it reads the block.
   */
  eachValue(st: Statement, handle: (entry: Statement) => void): void {
    for (const entry of this.readValueBlock(st)) {
      this.#entryLocation = entry.location;
      try {
        handle(entry);
      } finally {
        this.#entryLocation = null;
      }
    }
  }

  /** The keyword being processed: `priority` inside `vrrp_instance`, for example. */
  get keyword(): string | undefined {
    return this.#keywords[this.#keywords.length - 1];
  }

  /** Reports at the current line, at `location`, or with no line when `location` is null. */
  report(grade: Grade, message: string, location: SourceLocation | null = this.location): void {
    const keyword = this.keyword;
    const loc = location && location.line > 0 ? location : undefined;
    this.sink.report({
      grade,
      message,
      phase: this.phase,
      ...(loc ? { location: loc } : {}),
      ...(keyword ? { keyword } : {}),
    });
  }

  /**
   * A keyword's required value is missing. keepalived reports it and stops reading at once
   * (lib/parser.c `null_strvec()`, exit 2); `parseConfig()` catches the abort.
   */
  missingParameter(index = 1): never {
    const words = this.#currentWords;
    const first = words[0] ?? '***MISSING ***';
    const after = words[index - 1];
    this.report(
      Grade.MissingParameter,
      after !== undefined && index > 0
        ? `*** Configuration line starting \`${first}\` is missing a parameter after keyword \`${after}\` at word position ${index + 1}`
        : `*** Configuration line starting \`${first}\` is missing a parameter at word position ${index + 1}`,
    );
    throw new ConfigAbort(this.phase);
  }

  error(message: string): void {
    this.report(Grade.GeneralError, message);
  }

  warn(message: string): void {
    this.report(Grade.Warning, message);
  }

  /**
   * Top level: statements until the end of input. `phaseOf` names the pass that owns each
   * top-level keyword; unknown top-level keywords belong to the global pass, unless only the
   * pass of the block before them meets them at the top level (see `#othersSkipping`).
   */
  processTop<T>(table: KeywordTable<T>, target: T, phaseOf: (keyword: string) => Phase = () => 'global'): void {
    this.#rootTable = table;
    try {
      for (let st = this.#next(); st; st = this.#next()) {
        const word = st.words[0]!;
        const known = Object.hasOwn(table, word);
        if (this.#othersSkipped !== null) {
          // The other passes are still skipping the previous block by counting braces: only
          // its own pass sees this statement at the top level, and reports it there.
          this.phase = known ? phaseOf(word) : this.#othersSkipped;
        } else {
          this.phase = known ? phaseOf(word) : 'global';
          // In every other pass this keyword is inactive: they skip its block (if one follows)
          // by counting braces, whatever its keywords (lib/parser.c process_stream()).
          if (known) this.#othersSkipping = { owner: this.phase, depth: -1 };
        }
        this.#inRoot = known;
        try {
          this.#dispatch(table, target, st);
        } finally {
          this.#inRoot = false;
        }
      }
    } finally {
      this.phase = 'global';
      this.#rootTable = null;
      this.#othersSkipping = null;
    }
  }

  /**
   * keepalived reads the file once per pass (global, checker, VRRP, BFD) and only the pass that
   * owns a top-level block reads its keywords; the others skip it by counting every `{` and `}`
   * (`skip_sublevel` in process_stream()). When the owner's reading of the block ends elsewhere
   * than that count (an unknown keyword's `{`, a value block without its braces), the
   * statements in between sit at the top level of one side only. This tracks the others' count:
   * the owner and the depth of their skip (-1: the block's `{` is still to come).
   */
  #othersSkipping: { owner: Phase; depth: number } | null = null;
  /** The owner of the block whose skip consumed the statement just read, in the other passes. */
  #othersSkipped: Phase | null = null;
  /** A top-level keyword of the root table is being processed (its own pass reads its block). */
  #inRoot = false;
  #rootTable: Readonly<Record<string, unknown>> | null = null;

  /** The next statement, keeping the other passes' view of it (see `#othersSkipping`). */
  #next(): Statement | null {
    const st = this.reader.next();
    this.#othersSkipped = null;
    if (!st) return null;
    const skip = this.#othersSkipping;
    if (skip) {
      if (skip.depth === -1) {
        if (st.words[0] === '{') {
          skip.depth = 1;
          this.#othersSkipped = skip.owner;
          return st;
        }
        // No block after the keyword: the others stop skipping and read this statement.
        this.#othersSkipping = null;
      } else {
        this.#othersSkipped = skip.owner;
        for (const w of st.words) {
          if (w === '{') skip.depth++;
          else if (w === '}' && --skip.depth === 0) {
            this.#othersSkipping = null;
            break;
          }
        }
        return st;
      }
    }
    if (this.#inRoot) this.#seenAtTopByOthers(st, skip?.owner ?? this.phase);
    return st;
  }

  /**
   * The owner of a top-level block reads `st` inside it while the other passes, their skip
   * over, read it at the top level: the first of them to run reports what it finds there.
   */
  #seenAtTopByOthers(st: Statement, owner: Phase): void {
    const word = st.words[0]!;
    if (this.#rootTable && Object.hasOwn(this.#rootTable, word)) return;
    const phase: Phase = owner === 'global' ? 'check' : 'global';
    const [grade, message] =
      word === '{'
        ? [Grade.UnexpectedBlockStart, "Unexpected '{' - ignoring"]
        : [Grade.UnknownKeyword, `Unknown keyword '${word}'`];
    this.sink.report({ grade, message, phase, ...(st.location.line > 0 ? { location: st.location } : {}) });
  }

  /**
   * A keyword's `{ }` block. Returns true if the input ended before the block did (keepalived
   * then skips the close handler).
   */
  processBlock<T>(table: KeywordTable<T>, target: T): boolean {
    this.#level++;
    try {
      let needOpen = true;
      for (let st = this.#next(); st; st = this.#next()) {
        const word = st.words[0]!;
        if (needOpen) {
          needOpen = false;
          if (word === '{') continue;
          this.report(Grade.MissingBlockStart, "Missing '{' at beginning of configuration block");
        } else if (word === '{') {
          this.report(Grade.UnexpectedBlockStart, "Unexpected '{' - ignoring");
          continue;
        }
        if (word === '}') return false;
        this.#dispatch(table, target, st);
      }
      return true;
    } finally {
      this.#level--;
    }
  }

  #dispatch<T>(table: KeywordTable<T>, target: T, st: Statement): void {
    const word = st.words[0]!;
    const handler = Object.hasOwn(table, word) ? table[word] : undefined;
    if (!handler) {
      if (word === '{' && this.#level === 0) {
        this.report(Grade.UnexpectedBlockStart, "Unexpected '{' - ignoring");
        return;
      }
      this.report(Grade.UnknownKeyword, `Unknown keyword '${word}'`);
      return;
    }
    const parent = this.#keywords[this.#keywords.length - 1] ?? '';
    this.#keywords.push(word);
    const savedWords = this.#currentWords;
    this.#currentWords = st.words;
    try {
      if (st.words.length < 2 && RequiresFirstWord[parent]?.has(word)) this.missingParameter();
      handler(target, st, this);
    } finally {
      this.#keywords.pop();
      this.#currentWords = savedWords;
    }
  }

  /** Skips a `{ ... }` block that follows (if the next statement opens one). */
  skipBlock(): void {
    let depth = 0;
    let first = true;
    for (let st = this.#next(); st; st = this.#next()) {
      const word = st.words[0]!;
      if (first) {
        first = false;
        if (word !== '{') {
          // No block after all: this statement belongs to the enclosing level. keepalived
          // drops it too (skip_sublevel), so we do the same.
          return;
        }
        depth = 1;
        continue;
      }
      for (const w of st.words) {
        if (w === '{') depth++;
        else if (w === '}') depth--;
      }
      if (depth <= 0) return;
    }
  }

  /**
   * A value block such as `virtual_ipaddress { ... }`: the lines up to the closing brace, each as
   * its list of words (keepalived `alloc_value_block()`). Text after `{` on the keyword's own
   * line counts as the first entry.
   */
  readValueBlock(st: Statement): Statement[] {
    const entries: Statement[] = [];
    let needOpen = true;
    if (st.words.length > 1) {
      this.error(`Block ${st.words[0]} has extra parameters ${st.words[1]} ...`);
    }
    for (let line = this.#next(); line; line = this.#next()) {
      let words = [...line.words];
      if (needOpen) {
        needOpen = false;
        if (words[0] === '{') {
          if (words.length === 1) continue;
          words = words.slice(1);
        } else {
          this.report(Grade.Info, `'{' missing from beginning of block ${st.words[0]}`);
        }
      }
      let closed = false;
      if (words[words.length - 1] === '}') {
        if (words.length === 1) break;
        closed = true;
        words = words.slice(0, -1);
      }
      if (words.length > 0) entries.push({ ...line, words });
      if (closed) break;
    }
    return entries;
  }

  /** Words of a value block, flattened (for lists such as `notification_email`). */
  readValueWords(st: Statement): string[] {
    return this.readValueBlock(st).flatMap((e) => e.words);
  }

  /**
   * A script keyword (`script`, `notify_master`, `misc_path`, ...): keepalived re-reads the raw
   * line allowing `'` and `"` quotes and escapes, then splits the command again the same way.
   */
  readScript(st: Statement): ScriptSpec | null {
    const line = splitQuotedEscaped(st.text);
    if (!line.ok) {
      this.report(Grade.UnmatchedQuote, line.reason);
      return null;
    }
    const command = line.words[1];
    if (command === undefined) {
      // bare, those say nothing; notify_script_init() (the others) stops reading
      if (blockUserScriptKeywords.has(st.words[0]!)) return null;
      // notify_script_init() names the missing word while saying it cannot parse the script
      this.missingParameter();
    }
    const argv = splitQuotedEscaped(command);
    if (!argv.ok || argv.words.length === 0) {
      this.report(Grade.Info, `Unable to parse script '${command}' - ignoring`);
      return null;
    }
    const spec: ScriptSpec = { command, args: argv.words };
    if (line.words[2] !== undefined) spec.user = line.words[2];
    if (line.words[3] !== undefined) spec.group = line.words[3];
    if (!notifyScriptKept(this, st.words[0]!, spec)) return null;
    this.scripts.push({ spec, keyword: st.words[0]!, location: st.location });
    return spec;
  }
}

/** Thrown when keepalived would stop reading the configuration (a missing parameter). */
export class ConfigAbort extends Error {
  constructor(readonly phase: Phase) {
    super('configuration reading aborted');
  }
}

/** A script as keepalived stores it: the command string, its argv, and the user to run it as. */
export interface ScriptSpec {
  command: string;
  args: string[];
  user?: string;
  group?: string;
  /** With enable_script_security: the script is in a path others could write, so it is never run. */
  insecure?: boolean;
}

export interface RegisteredScript {
  readonly spec: ScriptSpec;
  readonly keyword: string;
  readonly location: SourceLocation;
}
