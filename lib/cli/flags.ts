/**
 * Command-line flags generated from schemas (lib/common/schema.ts): each field `fooBar` is the
 * flag `--foo-bar VALUE` (booleans: `--foo-bar` and `--no-foo-bar`), its help line is the field's
 * doc and default, and the value is checked by the field. A new config field is therefore a new
 * `a3c train` flag (and `scripts/sweep.ts` flag) with no other edit.
 */
import { flagOf, type Field, type Schema, type ValuesOf } from '../common/schema.js';

/** A mistake on the command line: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The flags of a command: the schemas it reads, in the order `--help` lists them. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Named groups of options, e.g. `{ 'train options': TRAIN_SCHEMA, 'A3C configuration': CONFIG_SCHEMA }`. */
  groups: Record<string, Schema>;
}

/** The parsed flags: only those given on the command line, per group. */
export type Parsed<G extends Record<string, Schema>> = { [K in keyof G]: Partial<ValuesOf<G[K]>> };

/** Thrown by `parseFlags` for `--help` / `-h`: the caller prints `helpText(spec)` and exits 0. */
export class HelpRequested extends Error {}

/** Parse `args` against every group of `spec`; unknown, repeated or malformed flags are UsageErrors. */
export function parseFlags<G extends Record<string, Schema>>(
  spec: CommandSpec & { groups: G },
  args: string[],
): Parsed<G> {
  const byFlag = new Map<string, { group: string; key: string; field: Field<unknown> }>();
  for (const [group, schema] of Object.entries(spec.groups)) {
    for (const [key, field] of Object.entries(schema)) byFlag.set(flagOf(key, field), { group, key, field });
  }
  const parsed = Object.fromEntries(Object.keys(spec.groups).map((g) => [g, {}])) as Record<
    string,
    Record<string, unknown>
  >;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') throw new HelpRequested();
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const negated = name.startsWith('no-') && !byFlag.has(name);
    const entry = byFlag.get(negated ? name.slice(3) : name);
    if (!entry || (negated && entry.field.metavar !== '')) {
      throw new UsageError(`unknown option --${name} for "a3c ${spec.name}"; see "a3c ${spec.name} --help"`);
    }
    const target = parsed[entry.group];
    if (entry.key in target) throw new UsageError(`--${name} is given twice`);
    let value: unknown;
    if (entry.field.metavar === '') {
      if (eq >= 0) throw new UsageError(`--${name} is a switch and takes no value`);
      value = !negated;
    } else {
      const text = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (text === undefined || (eq < 0 && text.startsWith('--'))) {
        throw new UsageError(`--${name} needs a value (${entry.field.metavar})`);
      }
      try {
        value = entry.field.parse(text);
      } catch (error) {
        throw new UsageError(`--${name} ${(error as Error).message}`);
      }
    }
    const problem = entry.field.check(value);
    if (problem !== null) throw new UsageError(`--${name} ${problem}`);
    target[entry.key] = value;
  }
  return parsed as Parsed<G>;
}

/** `a3c <command> --help`: every flag of the command with its doc and default, generated from the schemas. */
export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: a3c ${spec.name} [options]`, '', spec.summary];
  for (const [group, schema] of Object.entries(spec.groups)) {
    lines.push('', `${group}:`);
    for (const [key, field] of Object.entries(schema)) {
      const flag = flagOf(key, field);
      const left = field.metavar === '' ? `--${flag}` : `--${flag} ${field.metavar}`;
      const shown = defaultText(field, flag);
      lines.push(`  ${left.padEnd(32)} ${field.doc}${shown}`);
    }
  }
  lines.push('', '  --help, -h                       this text');
  return lines.join('\n');
}

/** ' (default ...)' after a flag's doc, unless the doc says its default in words (a value of 0 for "the task's own"). */
function defaultText(field: Field<unknown>, flag: string): string {
  const value = field.default;
  if (value === undefined || field.doc.includes('(default')) return '';
  if (field.metavar === '') return value ? ` (default on; --no-${flag} turns it off)` : '';
  return ` (default ${Array.isArray(value) ? value.join(',') : String(value)})`;
}
