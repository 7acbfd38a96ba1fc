/**
 * glob(3) as keepalived calls it for `include`: GLOB_BRACE (csh `{a,b}` alternatives), GLOB_MARK
 * (directories get a trailing `/`), results of each brace alternative sorted, and a count of the
 * files and directories that were looked for and missing (keepalived's GLOB_ALTDIRFUNC hooks).
 */
import type { ConfigFs } from './fs-port.js';

export interface GlobResult {
  readonly paths: string[];
  /** A directory that had to be read (or a literal path component) did not exist. */
  readonly missing: number;
  /** The pattern contained `*`, `?` or `[` in some component. */
  readonly hadWildcards: boolean;
}

const MaxBraceExpansions = 4096;

/** Expands csh-style braces: `a{b,c}d` -> [`abd`, `acd`]. Backslash escapes a brace. */
export function expandBraces(pattern: string): string[] {
  const open = findBrace(pattern);
  if (!open) return [pattern];
  const { start, end, alternatives } = open;
  const out: string[] = [];
  for (const alt of alternatives) {
    for (const expanded of expandBraces(pattern.slice(0, start) + alt + pattern.slice(end + 1))) {
      out.push(expanded);
      if (out.length >= MaxBraceExpansions) return out;
    }
  }
  return out;
}

function findBrace(p: string): { start: number; end: number; alternatives: string[] } | null {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const alternatives: string[] = [];
    let from = i + 1;
    for (let j = i; j < p.length; j++) {
      const ch = p[j];
      if (ch === '\\') {
        j++;
        continue;
      }
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) {
          alternatives.push(p.slice(from, j));
          // glibc treats `{x}` (no comma) literally only in some versions; we expand it as one alternative.
          return { start: i, end: j, alternatives };
        }
      } else if (ch === ',' && depth === 1) {
        alternatives.push(p.slice(from, j));
        from = j + 1;
      }
    }
    return null; // unbalanced: literal
  }
  return null;
}

function hasMagic(segment: string): boolean {
  return /(^|[^\\])[*?[]/.test(segment);
}

/** fnmatch(3) for one path component; a leading `.` must be matched explicitly. */
export function matchSegment(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return new RegExp(`^${segmentToRegex(pattern)}$`, 's').test(name);
}

function segmentToRegex(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!);
    } else if (ch === '*') {
      re += '.*';
    } else if (ch === '?') {
      re += '.';
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else {
      re += escapeRe(ch);
    }
  }
  return re;
}

function escapeRe(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Expands `pattern` (absolute, or relative to `baseDir`). Returned paths keep the pattern's form:
 * relative patterns give paths relative to `baseDir` joined with it.
 */
export function glob(fs: ConfigFs, pattern: string, baseDir: string): GlobResult {
  const paths: string[] = [];
  let missing = 0;
  let hadWildcards = false;
  for (const alt of expandBraces(pattern)) {
    const absolute = alt.startsWith('/');
    const segments = alt.split('/').filter((s, i) => s !== '' || i === 0);
    if (segments.some(hasMagic)) hadWildcards = true;
    let current: string[] = [absolute ? '/' : ''];
    const startIndex = absolute ? 1 : 0;
    for (let i = startIndex; i < segments.length; i++) {
      const seg = segments[i]!;
      const next: string[] = [];
      for (const dir of current) {
        const realDir = dir.startsWith('/') ? dir : joinPath(baseDir, dir || '.');
        if (hasMagic(seg)) {
          const entries = fs.readdir(realDir);
          if (entries === null) {
            missing++;
            continue;
          }
          for (const name of entries.sort()) if (matchSegment(seg, name)) next.push(joinPath(dir, name));
        } else {
          const candidate = joinPath(dir, unescape(seg));
          const real = candidate.startsWith('/') ? candidate : joinPath(baseDir, candidate);
          if (fs.stat(real) === null) {
            missing++;
            continue;
          }
          next.push(candidate);
        }
      }
      current = next;
    }
    const found: string[] = [];
    for (const p of current) {
      if (p === '' || p === '/') continue;
      const real = p.startsWith('/') ? p : joinPath(baseDir, p);
      const st = fs.stat(real);
      found.push(st?.isDirectory ? `${real}/` : real);
    }
    paths.push(...found.sort());
  }
  return { paths, missing, hadWildcards };
}
