import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InputError, jsonPath } from './errors.js';
import type { ScenarioJson } from './types.js';
import schemaJson from './scenario.schema.json' with { type: 'json' };

/** The scenario JSON Schema shipped with greenwave (scenarios/scenario.schema.json). */
export const scenarioSchema: object = schemaJson;

const compiled = new WeakMap<object, ValidateFunction>();
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** JSON pointer `/roads/12/lanes` → ['roads', 12, 'lanes']. */
function pointerToParts(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(err: ErrorObject): { path: string; reason: string } {
  const parts = pointerToParts(err.instancePath);
  const p = err.params as Record<string, unknown>;
  let reason = err.message ?? 'is invalid';
  const items = (n: unknown, what: string): string => `${String(n)} ${what}${n === 1 ? '' : 's'}`;
  switch (err.keyword) {
    case 'required':
      parts.push(String(p.missingProperty));
      reason = 'is required';
      break;
    case 'additionalProperties':
      parts.push(String(p.additionalProperty));
      reason = 'is not a known field';
      break;
    case 'minimum':
      reason = `must be ≥ ${String(p.limit)}`;
      break;
    case 'maximum':
      reason = `must be ≤ ${String(p.limit)}`;
      break;
    case 'exclusiveMinimum':
      reason = `must be > ${String(p.limit)}`;
      break;
    case 'exclusiveMaximum':
      reason = `must be < ${String(p.limit)}`;
      break;
    case 'const':
      reason = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'enum':
      reason = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'type':
      reason = `must be ${String(p.type)}`;
      break;
    case 'minItems':
      reason = `must have at least ${items(p.limit, 'item')}`;
      break;
    case 'maxItems':
      reason = `must have at most ${items(p.limit, 'item')}`;
      break;
    case 'minLength':
      reason = p.limit === 1 ? 'must not be empty' : `must have at least ${items(p.limit, 'character')}`;
      break;
    case 'maxLength':
      reason = `must have at most ${items(p.limit, 'character')}`;
      break;
    case 'pattern':
      reason = `must match ${String(p.pattern)}`;
      break;
    default:
      break;
  }
  return { path: jsonPath(parts) || '(top level)', reason };
}

/** Ranks errors so the most specific one is reported first. */
function rank(err: ErrorObject): number {
  // Deeper paths are more specific; 'required' and type errors beat generic ones.
  const depth = err.instancePath.split('/').length;
  return depth * 10 + (err.keyword === 'type' ? 2 : 0) + (err.keyword === 'required' ? 1 : 0);
}

/**
 * Validates parsed JSON against a JSON Schema. Throws an InputError naming the
 * file, the JSON path of the most specific error (`roads[12].lanes`) and the
 * reason.
 */
export function validateWithSchema<T>(schema: object, data: unknown, file: string): T {
  const v = validator(schema);
  if (!v(data)) {
    const errors = [...(v.errors ?? [])].sort((a, b) => rank(b) - rank(a));
    const first = errors[0];
    if (!first) throw new InputError(file, '', 'does not match its JSON Schema');
    const { path, reason } = describe(first);
    throw new InputError(file, path, reason);
  }
  return data as T;
}

/** Validates a parsed scenario against the scenario JSON Schema (see validateWithSchema). */
export function validateScenario(data: unknown, file: string): ScenarioJson {
  return validateWithSchema<ScenarioJson>(scenarioSchema, data, file);
}

/**
 * Parses JSON text, turning syntax errors into a one-line InputError with the
 * line and column (1-based) and the reason. A leading byte-order mark is
 * ignored. V8's own messages differ between Node versions, lack a position for
 * some errors and may quote the input (newlines included), so the position and
 * reason come from a small scanner run only after JSON.parse has failed.
 */
export function parseJson(text: string, file: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    let found: JsonSyntaxError | undefined;
    try {
      scanJson(text);
    } catch (se) {
      if (se instanceof JsonSyntaxError) found = se;
    }
    if (found) {
      const before = text.slice(0, found.pos);
      const line = before.split('\n').length;
      const col = found.pos - before.lastIndexOf('\n');
      throw new InputError(file, '', `is not valid JSON at line ${line}, column ${col}: ${found.reason}`);
    }
    // The scanner accepted what JSON.parse rejected (or ran out of stack): fall back on V8's message.
    const msg = (e as Error).message.replace(/\s+/g, ' ');
    const m = /position (\d+)/.exec(msg);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      where = ` at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
    }
    throw new InputError(file, '', `is not valid JSON${where} (${msg})`);
  }
}

class JsonSyntaxError extends Error {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Finds the first syntax error of RFC 8259 JSON; throws JsonSyntaxError there. */
function scanJson(text: string): void {
  let i = 0;
  const n = text.length;
  const show = (k: number): string => {
    if (k >= n) return 'end of input';
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(k, k + 40));
    if (word) return `'${word[0]}'`;
    const c = text.codePointAt(k)!;
    const ch = String.fromCodePoint(c);
    return c < 0x20 || c === 0x7f || c === 0xfeff ? `character U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
  };
  const fail = (reason: string, at = i): never => {
    throw new JsonSyntaxError(at, reason);
  };
  const unexpected = (what: string): never => fail(i >= n ? `unexpected end of input, expected ${what}` : `unexpected ${show(i)}, expected ${what}`);
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const str = (): void => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= n) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail(`${show(i)} inside a string (write it as an escape such as \\n)`);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail('invalid escape sequence in a string');
      } else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail('invalid number');
    const next = text[i + m![0].length];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) fail('invalid number');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 5000) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') {
          if (text[i] === '}') fail("trailing comma before '}'");
          unexpected('a double-quoted property name');
        }
        str();
        ws();
        if (text[i] !== ':') unexpected("':' after a property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        unexpected("',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail("trailing comma before ']'");
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        unexpected("',' or ']' after an array element");
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    if (c === "'") fail('strings must use double quotes');
    if (/^[A-Za-z_$]/.test(c ?? '')) unexpected('a value (strings need double quotes; the literals are true, false and null)');
    unexpected('a value');
  };
  value(0);
  ws();
  if (i < n) fail(`unexpected ${show(i)} after the end of the JSON value`);
}

/** Reads a file as text, turning I/O errors into an InputError. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? (e as Error).message})`;
    throw new InputError(file, '', reason);
  }
}
