/**
 * Prometheus' text exposition format (0.0.4), written directly: the daemon builds its series at
 * scrape time from the state it already keeps, so there is no registry of metric objects to
 * keep in step (prom-client's model) and a scrape of 10,000 real servers is one pass of string
 * building. Each family is declared once (HELP, TYPE) and its samples follow it.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string | number>>;

const needsEscape = /[\\\n"]/;
const escapeLabel = (v: string): string => (needsEscape.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v);
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(String(labels[k]))}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

export class Exposition {
  readonly #lines: string[] = [];
  readonly #declared = new Set<string>();

  /** Declare a family; its samples must follow before the next family. */
  family(name: string, type: MetricType, help: string): this {
    if (this.#declared.has(name)) throw new Error(`metric family ${name} declared twice`);
    this.#declared.add(name);
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels?: Labels): this {
    this.#lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  /** A whole histogram family's samples: cumulative counts per bound (+Inf last), sum, count. */
  histogram(name: string, bounds: readonly number[], cumulative: readonly number[], sum: number, count: number, labels?: Labels): this {
    for (let i = 0; i <= bounds.length; i++) {
      const le = i < bounds.length ? formatValue(bounds[i]!) : '+Inf';
      this.sample(`${name}_bucket`, cumulative[i] ?? count, { ...labels, le });
    }
    this.sample(`${name}_sum`, sum, labels);
    return this.sample(`${name}_count`, count, labels);
  }

  text(): string {
    return this.#lines.length > 0 ? `${this.#lines.join('\n')}\n` : '';
  }
}
