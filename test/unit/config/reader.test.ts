import { describe, expect, it } from 'vitest';
import { ConfigReader, type Statement } from '../../../src/config/reader.js';
import { DiagnosticSink, Grade } from '../../../src/config/diagnostics.js';
import { memoryFs } from '../../helpers/config.js';

function read(files: Record<string, string>, opts: { configId?: string; env?: Record<string, string> } = {}) {
  const sink = new DiagnosticSink();
  const reader = new ConfigReader(
    '/etc/keepalived/keepalived.conf',
    { fs: memoryFs(files), configId: opts.configId ?? 'host1', cwd: '/', random: (min) => min, ...(opts.env ? { env: opts.env } : {}) },
    sink,
  );
  const statements: Statement[] = [];
  for (let st = reader.next(); st; st = reader.next()) statements.push(st);
  return {
    lines: statements.map((s) => s.words.join(' ')),
    at: statements.map((s) => `${s.location.file.split('/').pop()}:${s.location.line} ${s.words.join(' ')}`),
    diagnostics: sink.diagnostics,
  };
}

const main = (text: string, more: Record<string, string> = {}) => read({ '/etc/keepalived/keepalived.conf': text, ...more });

describe('comments and quotes', () => {
  it('strips # and ! comments outside double quotes only', () => {
    const r = main('router_id a # comment\nfoo "b # c" ! x\n! whole line\n# another\nbar \\#baz');
    expect(r.lines).toEqual(['router_id a', 'foo b # c', 'bar #baz']);
  });

  it('splits quoted words, and a quote inside a word ends the word', () => {
    expect(main('a "b c" d_"mid"e').lines).toEqual(['a b c d_ mid e']);
    expect(main('a "b c" d_"mid"e').diagnostics).toEqual([]);
  });

  it('reports an unterminated quote', () => {
    const r = main('a "b c');
    expect(r.diagnostics.map((d) => d.grade)).toContain(Grade.GeneralError);
    expect(r.diagnostics[0]!.location).toEqual({ file: '/etc/keepalived/keepalived.conf', line: 1 });
  });

  it('accepts CRLF line ends', () => {
    expect(main('a 1\r\nb 2\r\n').lines).toEqual(['a 1', 'b 2']);
  });
});

describe('braces', () => {
  it('makes every brace a statement of its own and keeps the line number', () => {
    const r = main('global_defs { router_id test1 }\nvrrp_instance X\n{\n}');
    expect(r.at).toEqual(['keepalived.conf:1 global_defs', 'keepalived.conf:1 {', 'keepalived.conf:1 router_id test1', 'keepalived.conf:1 }', 'keepalived.conf:2 vrrp_instance X', 'keepalived.conf:3 {', 'keepalived.conf:4 }']);
  });

  it('does not split at braces inside double quotes', () => {
    expect(main('script "a {b}"').lines).toEqual(['script a {b}']);
  });

  it('reports an extra closing brace and missing closing braces', () => {
    expect(main('}\n').diagnostics.map((d) => d.message)).toEqual(["Extra '}' found"]);
    expect(main('a {\nb {\n').diagnostics.map((d) => d.message)).toEqual(["There are 2 missing '}'s or extra '{'s"]);
  });
});

describe('definitions', () => {
  it('substitutes $NAME and ${NAME}, recursively and lazily', () => {
    const r = main('$BASE=10.2.${SUB}\n$SUB=3\naddr ${BASE}.4\nx ${SUB}y\n$SUB=9\naddr $BASE');
    expect(r.lines).toEqual(['addr 10.2.3.4', 'x 3y', 'addr 10.2.9']);
  });

  it('leaves undefined and badly terminated references alone', () => {
    expect(main('$A=1\nx $Ab $A, $NOPE').lines).toEqual(['x $Ab 1, $NOPE']);
  });

  it('expands a multi-line definition used as the last thing on a line', () => {
    const r = main('$INST= \\\nvrrp_instance VI_${I} { \\\n  priority ${P} \\\n}\n$I=1\n$P=100\n$INST\n');
    expect(r.lines).toEqual(['vrrp_instance VI_1', '{', 'priority 100', '}']);
  });

  it('provides _HASH, _BANG, _INSTANCE, _RANDOM, _PWD and _ENV', () => {
    const r = read(
      { '/etc/keepalived/keepalived.conf': 'a "${_HASH}${_BANG}"\nb ${_INSTANCE}\nc ${_RANDOM 5 9}\nd ${_PWD}\ne ${_ENV HOME}' },
      { env: { HOME: '/root' } },
    );
    expect(r.lines).toEqual(['a #!', 'b host1', 'c 5', 'd /etc/keepalived', 'e /root']);
  });

  it('a substituted # starts a comment', () => {
    expect(main('x a${_HASH}b').lines).toEqual(['x a']);
  });

  it('stops a recursive definition instead of hanging', () => {
    const r = main('$A=$B\n$B=$A\nx $A\ny 1');
    expect(r.lines).toContain('y 1');
    expect(r.diagnostics.some((d) => /recursive/.test(d.message))).toBe(true);
  });

  it('stops a self-growing definition at the line length limit', () => {
    const r = main('$A=x$A\ny $A\nz 1');
    expect(r.lines).toContain('z 1');
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });
});

describe('conditionals', () => {
  it('keeps @id lines for the matching config id and @^id lines for the others', () => {
    const text = '@host1 a 1\n@host2 b 2\n@^host1 c 3\n@^host2 d 4\n@host1';
    expect(read({ '/etc/keepalived/keepalived.conf': text }).lines).toEqual(['a 1', 'd 4']);
    expect(read({ '/etc/keepalived/keepalived.conf': text }, { configId: 'host2' }).lines).toEqual(['b 2', 'c 3']);
  });

  it('works with definitions', () => {
    expect(main('@host1 $P=240\n@^host1 $P=100\npriority $P').lines).toEqual(['priority 240']);
    expect(main('$IF_MAIN=@host1\n$IF_MAIN priority 240').lines).toEqual(['priority 240']);
  });
});

describe('~SEQ and ~LST', () => {
  it('repeats a line for each value', () => {
    expect(main('~SEQ(i, 3) x $i').lines).toEqual(['x 1', 'x 2', 'x 3']);
    expect(main('~SEQ(i, 5, 3) x $i').lines).toEqual(['x 5', 'x 4', 'x 3']);
    expect(main('~SEQ(i, 0, 5, 12) x $i').lines).toEqual(['x 0', 'x 5', 'x 10']);
    expect(main('~SEQx(i, 10, 2, 14) x $i').lines).toEqual(['x a', 'x c', 'x e']);
  });

  it('nests sequences, leftmost outermost', () => {
    expect(main('~SEQ(a, 2) ~SEQ(b, 2) x ${a}${b}').lines).toEqual(['x 11', 'x 12', 'x 21', 'x 22']);
  });

  it('takes ~LST values, singly and in sets', () => {
    expect(main('~LST(v, a, b) x $v').lines).toEqual(['x a', 'x b']);
    expect(main('~LST({p, q}, {1, 2}, {3}) x ${p}-${q}.').lines).toEqual(['x 1-2.', 'x 3-.']);
  });

  it('reports invalid specifications as keepalived: what was wrong, then the generic line', () => {
    const r = main('~SEQ(i, 1, -1, 5) x\n~SEQ(i) y\n~SEQx(i, -2, 2) z');
    expect(r.lines).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.location?.line} ${d.message}`)).toEqual([
      "1 Invalid ~SEQ values '~SEQ(i, 1, -1, 5) x'",
      "1 Invalid ~SEQ specification '~SEQ(i, 1, -1, 5) x'",
      "2 Invalid ~SEQ definition '~SEQ(i) y'",
      "2 Invalid ~SEQ specification '~SEQ(i) y'",
      "3 ~SEQx is only valid for positive numbers '~SEQx(i, -2, 2) z'",
      "3 Invalid ~SEQ specification '~SEQx(i, -2, 2) z'",
    ]);
  });

  it('bounds the number of generated lines', () => {
    const sink = new DiagnosticSink();
    const reader = new ConfigReader(
      '/k.conf',
      { fs: memoryFs({ '/k.conf': '~SEQ(a, 1000) ~SEQ(b, 1000) ~SEQ(c, 1000) x' }), configId: 'h', cwd: '/', limits: { generatedLines: 10_000 } },
      sink,
    );
    let n = 0;
    while (reader.next()) n++;
    expect(n).toBeLessThanOrEqual(10_000);
    expect(sink.diagnostics.some((d) => d.grade === Grade.Fatal)).toBe(true);
  });
});

describe('include', () => {
  it('includes files relative to the including file, in sorted glob order, keeping their line numbers', () => {
    const r = main('a 1\ninclude conf.d/*.conf\nb 2', {
      '/etc/keepalived/conf.d/20-b.conf': 'in_b 1\nin_b 2',
      '/etc/keepalived/conf.d/10-a.conf': '\nin_a 1',
      '/etc/keepalived/conf.d/ignored.txt': 'no 1',
    });
    expect(r.at).toEqual(['keepalived.conf:1 a 1', '10-a.conf:2 in_a 1', '20-b.conf:1 in_b 1', '20-b.conf:2 in_b 2', 'keepalived.conf:3 b 2']);
  });

  it('expands braces', () => {
    const r = main('include {x,y}.conf', { '/etc/keepalived/x.conf': 'x 1', '/etc/keepalived/y.conf': 'y 1' });
    expect(r.lines).toEqual(['x 1', 'y 1']);
  });

  it('only reports a missing plain include as information, and includem as an error', () => {
    expect(main('include nope.conf').diagnostics.map((d) => d.grade)).toEqual([Grade.Info]);
    expect(main('includem nope.conf').diagnostics.map((d) => d.grade)).toEqual([Grade.FileNotFound]);
  });

  it('stops a file that includes itself', () => {
    const r = main('a 1\ninclude keepalived.conf\nb 2');
    expect(r.lines).toEqual(['a 1', 'b 2']);
    expect(r.diagnostics.some((d) => d.grade === Grade.Fatal)).toBe(true);
  });

  it('stops mutual recursion at the include depth limit', () => {
    const r = main('include a.conf', { '/etc/keepalived/a.conf': 'include b.conf\nx 1', '/etc/keepalived/b.conf': 'include a.conf\ny 1' });
    expect(r.diagnostics.some((d) => d.grade === Grade.Fatal)).toBe(true);
    expect(r.lines.length).toBeLessThan(100);
  });

  it('reports a missing main file', () => {
    const r = read({});
    expect(r.lines).toEqual([]);
    expect(r.diagnostics.map((d) => d.grade)).toEqual([Grade.FileNotFound]);
  });
});

describe('bad input', () => {
  it('ignores over-long lines and lines with NUL bytes, with an error', () => {
    const r = main(`a ${'x'.repeat(2000)}\nb\0c\nd 1`);
    expect(r.lines).toEqual(['d 1']);
    expect(r.diagnostics).toHaveLength(2);
  });
});
