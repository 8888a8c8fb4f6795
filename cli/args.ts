/** Command-line parsing helpers: usage errors are InputErrors (exit code 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../scenarios/errors.js';
import { MAX_DURATION_S } from '../scenarios/limits.js';
import { CONTROLLER_NAMES } from '../engine/controllers/index.js';

export class UsageError extends InputError {
  constructor(command: string, reason: string) {
    super(command ? `greenwave ${command}` : 'greenwave', '', reason);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * A string option followed by a negative number (`--duration -5`) takes it as
 * its value, as users expect; parseArgs alone would call it ambiguous, and the
 * range check then gives the useful message.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    let name: string | undefined;
    if (/^--[^=]+$/.test(a)) name = a.slice(2);
    else if (/^-[^-]$/.test(a)) name = Object.keys(options).find((k) => options[k]!.short === a[1]);
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs with friendly one-line errors naming the command. */
export function parse(command: string, argv: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const msg = (e as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\.$/, '');
    throw new UsageError(command, `${msg}; see greenwave ${command} --help`);
  }
}

/** An optional integer option ≥ min. */
export function intOption(command: string, name: string, v: string | boolean | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(command, `--${name} must be an integer ≥ ${min}, got "${String(v)}"`);
  return n;
}

/** An optional number option > 0. */
export function positiveOption(command: string, name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(command, `--${name} must be a number > 0, got "${String(v)}"`);
  return n;
}

/** The --duration option: seconds > 0, at most MAX_DURATION_S (one week), the schema's limit on durationS. */
export function durationOption(command: string, v: string | boolean | undefined): number | undefined {
  const n = positiveOption(command, 'duration', v);
  checkDurationFlag(command, n);
  return n;
}

/** Refuses a --duration over MAX_DURATION_S (for commands that read it with positiveOption). */
export function checkDurationFlag(command: string, durationS: number | undefined): void {
  if (durationS !== undefined && durationS > MAX_DURATION_S) throw new UsageError(command, `--duration must be ≤ ${MAX_DURATION_S} s (one week), got ${durationS}`);
}

/** The --workers option: 0 (the default) up to 256 worker threads. */
export function workersOption(command: string, v: string | boolean | undefined): number | undefined {
  const n = intOption(command, 'workers', v, 0);
  if (n !== undefined && n > 256) throw new UsageError(command, `--workers must be at most 256, got ${n}`);
  return n;
}

/** A controller name given on the command line: one of CONTROLLER_NAMES, else an InputError naming the flag. */
export function controllerName(flag: string, name: string): string {
  if (!CONTROLLER_NAMES.includes(name)) throw new InputError(flag, '', `unknown controller "${name}"; known: ${CONTROLLER_NAMES.join(', ')}`);
  return name;
}
