/**
 * The configuration reader: turns keepalived.conf and everything it includes into a stream of
 * statements (one keyword line, or a lone `{` / `}`), each with the file and line it came from.
 *
 * It applies keepalived's line rules in keepalived's order (lib/parser.c `read_line()`):
 * comments, multi-line `$NAME=` definitions, `@id` / `@^id` conditional lines, `$NAME=value`
 * definitions, `~SEQ` / `~LST` repetition, `$NAME` / `${NAME}` substitution, `include`, and
 * finally the split of a line at its first brace. Expansion is bounded (include depth,
 * substitutions per line, lines generated) so that no input can make it hang.
 */
import { Grade, type DiagnosticSink, type SourceLocation } from './diagnostics.js';
import type { ConfigFs } from './fs-port.js';
import { glob } from './glob.js';
import { MaxLineLength, decomment, splitAtBrace, tokenize } from './text.js';

export interface Statement {
  /** Words as keepalived's default tokeniser splits them. */
  readonly words: readonly string[];
  /** The processed line the words came from (script keywords re-tokenise it). */
  readonly text: string;
  readonly location: SourceLocation;
}

export interface ReaderOptions {
  readonly fs: ConfigFs;
  /** `-i/--config-id`; keepalived's default is the host name up to its first dot. */
  readonly configId: string;
  /** Directory relative main-file paths are resolved against. */
  readonly cwd: string;
  /** Source of `${_RANDOM}`: returns an integer in [min, max]. */
  readonly random?: (min: number, max: number) => number;
  /** Environment for `${_ENV NAME}` (keepalived 2.4). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly limits?: Partial<ReaderLimits>;
}

export interface ReaderLimits {
  readonly includeDepth: number;
  readonly substitutionsPerLine: number;
  readonly generatedLines: number;
}

const DefaultLimits: ReaderLimits = { includeDepth: 32, substitutionsPerLine: 256, generatedLines: 1_000_000 };

/** Include checks (`includer`, `includem`, ...; global `include_check`). */
export const IncludeCheck = { Readable: 1, Match: 2, WildcardMatch: 4, BraceMatch: 8 } as const;
const AllIncludeChecks = 15;

interface FileSource {
  readonly kind: 'file';
  readonly path: string;
  readonly dir: string;
  readonly lines: string[];
  index: number;
  lineNo: number;
  readonly includeType: number;
  readonly savedIncludeCheck: number;
}

interface GeneratedSource {
  readonly kind: 'generated';
  readonly location: SourceLocation;
  /** Yields the next line (after updating definitions), or null when exhausted. */
  readonly next: () => string | null;
}

type Source = FileSource | GeneratedSource;

interface Definition {
  /** Single-line value, or the lines of a multi-line definition. */
  value: string;
  lines?: string[];
  readonly compute?: (params: string[]) => string;
  readonly maxParams?: number;
}

export class ConfigReader {
  readonly #opts: ReaderOptions;
  readonly #sink: DiagnosticSink;
  readonly #limits: ReaderLimits;
  readonly #sources: Source[] = [];
  readonly #definitions = new Map<string, Definition>();
  #residue: { text: string; location: SourceLocation } | null = null;
  #multilineDef: Definition | null = null;
  #blockDepth = 0;
  #generated = 0;
  #includeCheck = 0;
  #lastLocation: SourceLocation = { file: '', line: 0 };
  #finished = false;
  #aborted = false;
  #fileError = false;

  constructor(mainFile: string, opts: ReaderOptions, sink: DiagnosticSink) {
    this.#opts = opts;
    this.#sink = sink;
    this.#limits = { ...DefaultLimits, ...opts.limits };
    this.#defineStandard();
    this.#openMain(mainFile);
  }

  /** Location of the statement most recently returned: keepalived reports errors there. */
  get location(): SourceLocation {
    return this.#lastLocation;
  }

  /**
   * An include failed one of its checks. keepalived then stops after its first (global) pass and
   * exits with KEEPALIVED_EXIT_NO_CONFIG, even under `-t`.
   */
  get fileError(): boolean {
    return this.#fileError;
  }

  /** `include_check` in global_defs changes the checks of later includes. */
  setIncludeCheck(flags: number): void {
    this.#includeCheck = flags & AllIncludeChecks;
  }

  report(grade: Grade, message: string, location: SourceLocation | undefined = this.#lastLocation): void {
    this.#sink.report(location && location.line > 0 ? { grade, message, location } : { grade, message });
  }

  /** The next statement, or null at the end of the configuration. */
  next(): Statement | null {
    while (!this.#aborted) {
      const raw = this.#nextLine();
      if (raw === null) break;
      const { location } = raw;
      this.#lastLocation = location;
      let text: string | null = raw.text;

      if (this.#multilineDef) {
        this.#continueDefinition(text);
        continue;
      }
      text = this.#expand(text, location);
      if (text === null || text === '') continue;
      if (this.#checkInclude(text)) continue;

      const { head, rest } = splitAtBrace(text);
      if (rest) this.#residue = { text: rest, location };
      if (head === '{') this.#blockDepth++;
      else if (head === '}') {
        if (this.#blockDepth-- < 1) {
          this.report(Grade.UnexpectedBlockEnd, "Extra '}' found");
          this.#blockDepth = 0;
        }
      }
      const { words, unmatchedQuote } = tokenize(head);
      if (unmatchedQuote) this.report(Grade.UnmatchedQuote, `Unmatched quote: '${head}'`);
      if (words.length === 0) continue;
      return { words, text: head, location };
    }
    this.#finish();
    return null;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#blockDepth > 0) {
      this.#sink.report({
        grade: Grade.MissingBlockEnd,
        message: `There are ${this.#blockDepth} missing '}'s or extra '{'s`,
      });
    }
  }

  // ---- physical and generated lines ------------------------------------------------------

  #nextLine(): { text: string; location: SourceLocation } | null {
    if (this.#residue) {
      const r = this.#residue;
      this.#residue = null;
      return r;
    }
    while (this.#sources.length > 0) {
      const src = this.#sources[this.#sources.length - 1]!;
      if (src.kind === 'generated') {
        const line = src.next();
        if (line === null) {
          this.#sources.pop();
          continue;
        }
        if (++this.#generated > this.#limits.generatedLines) {
          this.report(Grade.Fatal, `configuration expands to more than ${this.#limits.generatedLines} lines - stopping`, src.location);
          this.#aborted = true;
          return null;
        }
        return { text: line, location: src.location };
      }
      if (src.index >= src.lines.length) {
        this.#sources.pop();
        this.#includeCheck = src.savedIncludeCheck;
        continue;
      }
      let line = src.lines[src.index++]!;
      src.lineNo++;
      const location = { file: src.path, line: src.lineNo };
      line = line.replace(/[\r\n]+$/, '');
      if (line === '') {
        if (this.#multilineDef) this.#endDefinition();
        continue;
      }
      if (Buffer.byteLength(line) >= MaxLineLength) {
        this.report(Grade.GeneralError, `line too long (${Buffer.byteLength(line)} bytes, the limit is ${MaxLineLength - 1}) - ignoring`, location);
        continue;
      }
      if (line.includes('\0')) {
        this.report(Grade.GeneralError, 'line contains a NUL byte - ignoring', location);
        continue;
      }
      const d = decomment(line);
      if (d.unterminatedQuote) this.report(Grade.GeneralError, `Unterminated quote '${d.text}'`, location);
      if (d.text === '') continue;
      return { text: d.text, location };
    }
    return null;
  }

  // ---- definitions -----------------------------------------------------------------------

  #defineStandard(): void {
    const random = this.#opts.random ?? ((min, max) => min + Math.floor(Math.random() * (max - min + 1)));
    this.#definitions.set('_PWD', { value: '', compute: () => this.#currentDir() });
    this.#definitions.set('_INSTANCE', { value: '', compute: () => this.#opts.configId });
    this.#definitions.set('_RANDOM', {
      value: '',
      maxParams: 2,
      compute: (params) => {
        const min = params[0] !== undefined ? Number(params[0]) : 0;
        const max = params[1] !== undefined ? Number(params[1]) : 32767;
        return String(max >= min ? random(min, max) : min);
      },
    });
    this.#definitions.set('_HASH', { value: '#' });
    this.#definitions.set('_BANG', { value: '!' });
    this.#definitions.set('_ENV', {
      value: '',
      maxParams: 1,
      compute: (params) => (params[0] !== undefined ? (this.#opts.env?.[params[0]] ?? '') : ''),
    });
  }

  #currentDir(): string {
    for (let i = this.#sources.length - 1; i >= 0; i--) {
      const s = this.#sources[i]!;
      if (s.kind === 'file') return s.dir;
    }
    return this.#opts.cwd;
  }

  /** `$NAME=value`; returns false if the line is not a definition. */
  #checkDefinition(text: string): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(text);
    if (!m) return false;
    const name = m[1]!;
    const value = m[2]!;
    if (value.endsWith('\\')) {
      const first = value.slice(0, -1).replace(/[ \t]+$/, '');
      const def: Definition = { value: '', lines: first ? [first] : [] };
      this.#definitions.set(name, def);
      this.#multilineDef = def;
    } else {
      this.#definitions.set(name, { value });
    }
    return true;
  }

  #continueDefinition(text: string): void {
    const def = this.#multilineDef!;
    if (text.endsWith('\\')) {
      const line = text.slice(0, -1).replace(/[ \t]+$/, '');
      if (line) def.lines!.push(line);
      return;
    }
    if (text) def.lines!.push(text);
    this.#endDefinition();
  }

  #endDefinition(): void {
    const def = this.#multilineDef!;
    if (def.lines!.length === 0) delete def.lines;
    this.#multilineDef = null;
  }

  // ---- line expansion ----------------------------------------------------------------------

  /** Applies conditionals, definitions, repetition and substitution; null if the line is used up. */
  #expand(text: string, location: SourceLocation): string | null {
    for (let round = 0; ; round++) {
      if (round > this.#limits.substitutionsPerLine) {
        this.report(Grade.GeneralError, `too many nested substitutions - recursive definition? '${text}'`, location);
        return null;
      }
      if (text.startsWith('@')) {
        const stripped = this.#conditional(text);
        if (stripped === null) return null;
        text = stripped;
      }
      if (text.startsWith('$') && this.#checkDefinition(text)) return null;
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        const added = text[1] === 'S' ? this.#addSeq(text, location) : this.#addList(text, location);
        // keepalived's add_seq() says what was wrong first, then its caller the generic line
        if (typeof added === 'string') this.report(Grade.GeneralError, `${added} '${text}'`, location);
        if (added !== true) this.report(Grade.GeneralError, `Invalid ~${text[1] === 'S' ? 'SEQ' : 'LST'} specification '${text}'`, location);
        return null;
      }
      if (text.startsWith('~')) return text;
      if (!text.includes('$')) return text;
      const replaced = this.#replaceParams(text, location);
      // a runaway (recursive) definition: the one report is all; the half-expanded line is dropped
      if (replaced === false) return null;
      if (replaced === null) return text;
      text = decomment(replaced).text;
      if (!(text.startsWith('@') || text.includes('$'))) return text;
    }
  }

  #conditional(text: string): string | null {
    const reverse = text[1] === '^';
    const start = reverse ? 2 : 1;
    const m = /[ \t]/.exec(text.slice(start));
    if (!m) return null;
    const id = text.slice(start, start + m.index);
    const matches = id === this.#opts.configId;
    if (matches === reverse) return null;
    return text.slice(start + m.index).replace(/^[ \t]+/, '');
  }

  /**
   * One substitution pass over the line: `$NAME` (ended by blank, `,`, `)` or end of line) and
   * `${NAME}` / `${NAME params}`. Replacement text is rescanned, so definitions nest. A
   * multi-line definition is only expanded as the last thing on the line; its further lines are
   * read next. Returns null when nothing was replaced, false when it gave up on a recursive
   * definition (reported).
   */
  #replaceParams(text: string, location: SourceLocation): string | null | false {
    let pos = 0;
    let found = false;
    let substitutions = 0;
    while (true) {
      const dollar = text.indexOf('$', pos);
      if (dollar < 0 || dollar + 1 >= text.length) break;
      const ref = this.#findReference(text, dollar);
      if (!ref) {
        pos = dollar + 1;
        continue;
      }
      if (++substitutions > this.#limits.substitutionsPerLine) {
        this.report(Grade.GeneralError, `too many substitutions on one line - recursive definition? '${text.slice(0, 80)}'`, location);
        return false;
      }
      found = true;
      const { def, end, params } = ref;
      let value: string;
      if (def.lines) {
        value = def.lines[0] ?? '';
        const rest = def.lines.slice(1);
        if (rest.length > 0) this.#pushLines(rest, location);
      } else {
        value = def.compute ? def.compute(params) : def.value;
      }
      text = text.slice(0, dollar) + value + text.slice(end);
      if (Buffer.byteLength(text) >= MaxLineLength) {
        this.report(Grade.GeneralError, `Parameter substitution on line '${text.slice(0, 80)}' would exceed maximum line length`, location);
        return null;
      }
      if (/^[ \t]*~/.test(value)) break;
      pos = dollar;
    }
    return found ? text : null;
  }

  #findReference(text: string, dollar: number): { def: Definition; end: number; params: string[] } | null {
    let i = dollar + 1;
    const braces = text[i] === '{';
    if (braces) i++;
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) return null;
    const name = nameMatch[0];
    i += name.length;
    let params: string[] = [];
    if (braces && name === '_ENV') {
      // keepalived 2.4: ${_ENV NAME}; the parameter is a name, not digits.
      const em = /^[ \t]+([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (!em) return null;
      return { def: this.#definitions.get('_ENV')!, end: i + em[0].length, params: [em[1]!] };
    }
    if (braces) {
      const pm = /^([ 0-9]*)\}/.exec(text.slice(i));
      if (!pm) return null;
      const raw = pm[1]!;
      if (raw.trim() !== '' && raw.endsWith(' ')) return null;
      params = raw.trim() === '' ? [] : raw.trim().split(/ +/);
      i += pm[0].length;
    } else {
      const after = text[i];
      if (after !== undefined && after !== ' ' && after !== '\t' && after !== ',' && after !== ')') return null;
    }
    if (name === '_ENV') return null;
    const def = this.#definitions.get(name);
    if (!def) return null;
    const lastOnLine = i === text.length;
    if (def.lines && !lastOnLine) return null;
    if (params.length > 0 && !def.maxParams) return null;
    return { def, end: i, params: params.slice(0, def.maxParams ?? 0) };
  }

  #pushLines(lines: string[], location: SourceLocation): void {
    let index = 0;
    this.#sources.push({ kind: 'generated', location, next: () => (index < lines.length ? lines[index++]! : null) });
  }

  /**
   * `~SEQ(var, end)`, `~SEQ(var, start, end)`, `~SEQ(var, start, step, end)`; `~SEQx` gives hex.
   * True when added, else keepalived's add_seq() message for what was wrong.
   */
  #addSeq(text: string, location: SourceLocation): true | string {
    const definition = 'Invalid ~SEQ definition';
    const m = /^~SEQ(x?)[ \t]*\(([^)]*)\)[ \t]*(.*)$/.exec(text);
    if (!m) return definition;
    const hex = m[1] === 'x';
    let inner = m[2]!;
    const rest = m[3]!;
    const [varPart, ...numParts] = inner.split(',');
    const variable = (varPart ?? '').trim();
    if (!variable || /[ \t]/.test(variable) || numParts.length === 0 || numParts.length > 3) return definition;
    inner = numParts.join(',');
    if (inner.includes('$')) {
      const replaced = this.#replaceParams(inner, location);
      if (replaced === false) return true; // reported already: the line is used up
      inner = replaced ?? inner;
    }
    const nums = inner.split(',').map((s) => parseCLong(s.trim()));
    if (nums.some((n) => n === null)) return definition;
    let start: number;
    let step: number;
    let end: number;
    if (nums.length === 1) {
      end = nums[0]!;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else if (nums.length === 2) {
      start = nums[0]!;
      end = nums[1]!;
      step = start <= end ? 1 : -1;
    } else {
      [start, step, end] = nums as [number, number, number];
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return 'Invalid ~SEQ values';
    }
    if (hex && (start < 0 || end < 0)) return '~SEQx is only valid for positive numbers';
    let current = start;
    this.#sources.push({
      kind: 'generated',
      location,
      next: () => {
        if ((step > 0 && current > end) || (step < 0 && current < end)) return null;
        this.#definitions.set(variable, { value: hex ? current.toString(16) : String(current) });
        current += step;
        return rest;
      },
    });
    return true;
  }

  /** `~LST(var, v1, v2, ...) REST` or `~LST({a, b}, {1, 2}, {3, 4}) REST`. */
  #addList(text: string, location: SourceLocation): boolean {
    const m = /^~LST[ \t]*\((.*)$/.exec(text);
    if (!m) return false;
    let s = m[1]!;
    let vars: string[];
    const braced = /^[ \t]*\{([^}]*)\}[ \t]*,(.*)$/.exec(s);
    if (braced) {
      vars = braced[1]!.split(',').map((v) => v.trim());
      s = braced[2]!;
    } else {
      const plain = /^[ \t]*([^ \t,})]+)[ \t]*,(.*)$/.exec(s);
      if (!plain) return false;
      vars = [plain[1]!];
      s = plain[2]!;
    }
    if (vars.some((v) => v === '')) return false;
    const sets: string[][] = [];
    while (true) {
      s = s.replace(/^[ \t]+/, '');
      let values: string[];
      const group = /^\{([^}]*)\}[ \t]*(.*)$/.exec(s);
      if (group) {
        values = group[1]!.split(',').map((v) => v.trim());
        s = group[2]!;
      } else {
        const single = /^([^ \t,})]*)[ \t]*(.*)$/.exec(s)!;
        values = [single[1]!];
        s = single[2]!;
      }
      if (values.length > vars.length) {
        this.report(Grade.GeneralError, `~LST specification has too many values '${text}'`, location);
        return false;
      }
      while (values.length < vars.length) values.push('');
      sets.push(values);
      if (s.startsWith(')')) {
        s = s.slice(1).replace(/^[ \t]+/, '');
        break;
      }
      if (!s.startsWith(',')) return false;
      s = s.slice(1);
    }
    const rest = s;
    let index = 0;
    this.#sources.push({
      kind: 'generated',
      location,
      next: () => {
        const set = sets[index++];
        if (!set) return null;
        vars.forEach((v, i) => this.#definitions.set(v, { value: set[i]! }));
        return rest;
      },
    });
    return true;
  }

  // ---- files and includes ------------------------------------------------------------------

  #openMain(path: string): void {
    const full = path.startsWith('/') ? path : joinDir(this.#opts.cwd, path);
    const st = this.#opts.fs.stat(full);
    if (st === null) {
      this.report(Grade.FileNotFound, `Unable to find configuration file ${path}`, undefined);
      return;
    }
    if (st.isDirectory || !st.isFile) {
      this.report(Grade.FileNotFound, `Configuration file '${path}' is not a regular non-executable file`, undefined);
      return;
    }
    this.#pushFile(path, full, AllIncludeChecks & ~IncludeCheck.BraceMatch, undefined);
  }

  #pushFile(displayPath: string, fullPath: string, includeType: number, location: SourceLocation | undefined): boolean {
    let bytes: Uint8Array;
    try {
      bytes = this.#opts.fs.readFile(fullPath);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'error';
      this.report(Grade.FileNotFound, `Configuration file '${displayPath}' open problem (${code}) - skipping`, location);
      return false;
    }
    const text = Buffer.from(bytes).toString('utf8');
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    this.#sources.push({
      kind: 'file',
      path: displayPath,
      dir: dirName(fullPath),
      lines,
      index: 0,
      lineNo: 0,
      includeType,
      savedIncludeCheck: this.#includeCheck,
    });
    return true;
  }

  #checkInclude(text: string): boolean {
    const m = /^include([rmwba]?)[ \t\n\r\f\v]+(.*)$/.exec(text);
    if (!m) return false;
    const variant = m[1]!;
    const pattern = m[2]!.trim();
    const location = this.#lastLocation;
    const includeType =
      variant === 'r'
        ? IncludeCheck.Readable
        : variant === 'a'
          ? AllIncludeChecks
          : variant === 'w'
            ? IncludeCheck.Readable | IncludeCheck.Match | IncludeCheck.WildcardMatch
            : variant === 'm'
              ? IncludeCheck.Readable | IncludeCheck.Match
              : variant === 'b'
                ? IncludeCheck.Readable | IncludeCheck.BraceMatch
                : 0;
    const fileDepth = this.#sources.filter((s) => s.kind === 'file').length;
    if (fileDepth >= this.#limits.includeDepth) {
      this.report(Grade.Fatal, `include '${pattern}' exceeds the maximum include depth of ${this.#limits.includeDepth} - recursive include?`, location);
      return true;
    }
    const grade = (check: number): Grade => {
      if (!((this.#includeCheck | includeType) & check)) return Grade.Info;
      this.#fileError = true;
      return Grade.FileNotFound;
    };
    const baseDir = this.#currentDir();
    const result = glob(this.#opts.fs, pattern, baseDir);
    if (result.paths.length === 0) {
      if (result.missing > 0) {
        this.report(grade(/\{/.test(pattern) ? IncludeCheck.BraceMatch : IncludeCheck.Match), `Config files missing '${pattern}'.`, location);
      } else if (result.hadWildcards) {
        this.report(grade(IncludeCheck.WildcardMatch), `No config files matched '${pattern}'.`, location);
      }
      return true;
    }
    if (result.missing > 0) {
      this.report(grade(IncludeCheck.BraceMatch), `Some config files missing: "${pattern}".`, location);
      if ((this.#includeCheck | includeType) & IncludeCheck.BraceMatch) return true;
    }
    const open = this.#sources
      .filter((s): s is FileSource => s.kind === 'file')
      .map((s) => (s.path.startsWith('/') ? s.path : joinDir(this.#opts.cwd, s.path)));
    const toRead: { display: string; full: string }[] = [];
    for (const path of result.paths) {
      if (path.endsWith('/')) {
        this.report(grade(IncludeCheck.Readable), `Configuration file '${path}' is a directory - skipping`, location);
        continue;
      }
      const st = this.#opts.fs.stat(path);
      if (!st || !st.isFile || (st.mode & 0o111) !== 0) {
        this.report(grade(IncludeCheck.Readable), `Configuration file '${path}' is not a regular non-executable file - skipping`, location);
        continue;
      }
      if (open.includes(path)) {
        this.report(Grade.Fatal, `Configuration file '${path}' includes itself - skipping`, location);
        continue;
      }
      toRead.push({ display: path, full: path });
    }
    // Read them one after another: pushing all at once would make the last one first.
    this.#sources.push(this.#includeSequence(toRead, includeType, location));
    return true;
  }

  /** A source that opens the matched files of one include, in order, as the previous one ends. */
  #includeSequence(files: { display: string; full: string }[], includeType: number, location: SourceLocation): GeneratedSource {
    const pending = [...files];
    const marker: GeneratedSource = {
      kind: 'generated',
      location,
      next: () => {
        const f = pending.shift();
        if (!f) return null;
        // Open the file above this marker; when it ends we come back here for the next one.
        if (this.#pushFile(f.display, f.full, includeType, location)) return '';
        return marker.next();
      },
    };
    return marker;
  }
}

function parseCLong(s: string): number | null {
  // strtol(s, 0): optional sign, 0x hex, leading 0 octal.
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  const value = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return sign * value;
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}

function joinDir(dir: string, path: string): string {
  return dir.endsWith('/') ? dir + path : `${dir}/${path}`;
}
