/**
 * Typed settings described once: each field has its default, a one-line doc (meaning, unit or
 * range), a validity check and a parser for command-line text. The A3C config (lib/config.ts)
 * and every CLI command's options (lib/cli/) are schemas, so a setting's default, its help text,
 * its flag and its validation come from one definition (CleanRL derives its CLI from `Args` the
 * same way).
 */

/** One setting: its default, its doc, how to check a value and how to read one from text. */
export interface Field<T> {
  readonly default: T;
  /** One line: what it is, its unit or range. Printed by `--help`. */
  readonly doc: string;
  /** What the command line takes, e.g. `N`, `X`, `a|b`, `N,N` (empty for a switch). */
  readonly metavar: string;
  /** The flag name when it differs from the kebab-case key (e.g. `workers` for numWorkers). */
  readonly flag?: string;
  /** A problem with `value` (what was wrong and what is allowed), or null when it is valid. */
  check(value: unknown): string | null;
  /** Command-line text to a value; throws an Error saying what is allowed. */
  parse(text: string): T;
  /** Whether Infinity is a valid value (JSON stores it as null). */
  readonly allowsInfinity?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: a schema holds fields of different value types.
export type Schema = Record<string, Field<any>>;
/** The values a schema describes: `{ key: T }` for each `Field<T>`. */
export type ValuesOf<S extends Schema> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** "1e6", "1_000_000", "Infinity" or "inf" as a number; NaN when it is not one. */
export function parseNumber(text: string): number {
  const clean = text.trim().replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(clean)) return clean.startsWith('-') ? -Infinity : Infinity;
  return clean === '' ? Number.NaN : Number(clean);
}

function numberFrom(text: string, what: string): number {
  const value = parseNumber(text);
  if (Number.isNaN(value)) throw new Error(`must be ${what}, got "${text}"`);
  return value;
}

interface Common<T> {
  default: T;
  doc: string;
  flag?: string;
}

interface Bounds {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  exclusiveMin?: boolean;
}

function rangeText({ min, max, exclusiveMin }: Bounds): string {
  const low = min === undefined ? '' : `${exclusiveMin ? '>' : '>='} ${min}`;
  const high = max === undefined ? '' : `<= ${max}`;
  return [low, high].filter((s) => s !== '').join(' and ');
}

function inBounds(value: number, { min, max, exclusiveMin }: Bounds): boolean {
  if (min !== undefined && (exclusiveMin ? !(value > min) : !(value >= min))) return false;
  return max === undefined || value <= max;
}

/** An integer within bounds. */
function int(options: Common<number> & Bounds): Field<number> {
  const allowed = `an integer ${rangeText(options)}`.trim();
  return {
    ...options,
    metavar: 'N',
    check: (v) =>
      typeof v === 'number' && Number.isInteger(v) && inBounds(v, options)
        ? null
        : `must be ${allowed}, got ${show(v)}`,
    parse: (text) => numberFrom(text, allowed),
  };
}

/** A finite number within bounds, or Infinity where `allowInfinity` (e.g. "no clipping"). */
function number(options: Common<number> & Bounds & { allowInfinity?: boolean }): Field<number> {
  const allowed = `a number ${rangeText(options)}${options.allowInfinity ? ' (Infinity disables)' : ''}`.trim();
  return {
    ...options,
    metavar: 'X',
    allowsInfinity: options.allowInfinity ?? false,
    check: (v) => {
      if (typeof v !== 'number' || Number.isNaN(v)) return `must be ${allowed}, got ${show(v)}`;
      if (v === Infinity && options.allowInfinity) return null;
      return Number.isFinite(v) && inBounds(v, options) ? null : `must be ${allowed}, got ${show(v)}`;
    },
    parse: (text) => numberFrom(text, allowed),
  };
}

function bool(options: Common<boolean>): Field<boolean> {
  return {
    ...options,
    metavar: '',
    check: (v) => (typeof v === 'boolean' ? null : `must be true or false, got ${show(v)}`),
    parse: (text) => {
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new Error(`must be true or false, got "${text}"`);
    },
  };
}

function oneOf<T extends string>(values: readonly T[], options: Common<T>): Field<T> {
  const allowed = `one of ${values.join(', ')}`;
  return {
    ...options,
    metavar: values.join('|'),
    check: (v) => (values.includes(v as T) ? null : `must be ${allowed}, got ${show(v)}`),
    parse: (text) => {
      if (!values.includes(text as T)) throw new Error(`must be ${allowed}, got "${text}"`);
      return text as T;
    },
  };
}

/** A comma-separated list of numbers, each checked by `item`, with a length range. */
function list(
  item: Field<number>,
  options: Common<number[]> & { minLength: number; maxLength: number },
): Field<number[]> {
  const lengths =
    options.minLength === options.maxLength ? `${options.minLength}` : `${options.minLength} to ${options.maxLength}`;
  return {
    ...options,
    metavar: item.metavar === 'N' ? 'N,N' : 'X,X',
    check: (v) => {
      if (!Array.isArray(v) || v.length < options.minLength || v.length > options.maxLength)
        return `must be a list of ${lengths} values, got ${show(v)}`;
      const problem = v.map((x) => item.check(x)).find((p) => p !== null);
      return problem ? `each value ${problem}` : null;
    },
    parse: (text) => text.split(',').map((part) => item.parse(part)),
  };
}

/** Free text (a path, an id); `check` adds what is allowed. */
function text<T extends string | undefined>(
  options: Common<T> & { metavar?: string; check?: (value: string) => string | null },
): Field<T> {
  return {
    ...options,
    metavar: options.metavar ?? 'TEXT',
    check: (v) => {
      if (v === undefined && options.default === undefined) return null;
      if (typeof v !== 'string' || v.trim() === '') return `must be a non-empty text, got ${show(v)}`;
      return options.check ? options.check(v) : null;
    },
    parse: (value) => value as T,
  };
}

/** Builders of schema fields. */
export const field = { int, number, bool, oneOf, list, text };

function show(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? JSON.stringify(value)
      : String(value);
}

/** Every problem of `values` against `schema`: unknown keys (a typo never falls back to a default) and invalid values. */
export function validate(schema: Schema, values: Record<string, unknown>, label = 'option'): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(values)) {
    if (!(key in schema)) problems.push(`unknown ${label} "${key}"; known: ${Object.keys(schema).join(', ')}`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (!(key in values)) continue;
    const problem = spec.check(values[key]);
    if (problem !== null) problems.push(`${key} ${problem}`);
  }
  return problems;
}

/** The defaults of a schema, as fresh values (lists copied). */
export function defaultsOf<S extends Schema>(schema: S): ValuesOf<S> {
  return Object.fromEntries(
    Object.entries(schema).map(([key, spec]) => [key, Array.isArray(spec.default) ? [...spec.default] : spec.default]),
  ) as ValuesOf<S>;
}

/** `numWorkers` -> `num-workers`: the flag of a key unless its field names another. */
export function flagOf(key: string, spec: Field<unknown>): string {
  return spec.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
