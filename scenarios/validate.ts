import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InputError, jsonPath } from './errors.js';
import type { ScenarioJson } from './types.js';
import schemaJson from './scenario.schema.json' with { type: 'json' };

/** The scenario JSON Schema shipped with greenwave (scenarios/scenario.schema.json). */
export const scenarioSchema: object = schemaJson;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    compiled = ajv.compile(scenarioSchema);
  }
  return compiled;
}

/** JSON pointer `/roads/12/lanes` → `roads[12].lanes`. */
function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  const parts = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return jsonPath(parts);
}

function describe(err: ErrorObject): { path: string; reason: string } {
  let path = pointerToPath(err.instancePath);
  const p = err.params as Record<string, unknown>;
  let reason = err.message ?? 'is invalid';
  switch (err.keyword) {
    case 'required':
      path = path ? `${path}.${String(p.missingProperty)}` : String(p.missingProperty);
      reason = 'is required';
      break;
    case 'additionalProperties':
      path = path ? `${path}.${String(p.additionalProperty)}` : String(p.additionalProperty);
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
    default:
      break;
  }
  return { path: path || '(top level)', reason };
}

/** Ranks errors so the most specific one is reported first. */
function rank(err: ErrorObject): number {
  // Deeper paths are more specific; 'required' and type errors beat generic ones.
  const depth = err.instancePath.split('/').length;
  return depth * 10 + (err.keyword === 'type' ? 2 : 0) + (err.keyword === 'required' ? 1 : 0);
}

/**
 * Validates a parsed scenario against the JSON Schema. Throws an InputError
 * naming the file, the JSON path (`roads[12].lanes`) and the reason.
 */
export function validateScenario(data: unknown, file: string): ScenarioJson {
  const v = validator();
  if (!v(data)) {
    const errors = [...(v.errors ?? [])].sort((a, b) => rank(b) - rank(a));
    const first = errors[0];
    if (!first) throw new InputError(file, '', 'does not match the scenario schema');
    const { path, reason } = describe(first);
    throw new InputError(file, path, reason);
  }
  return data as ScenarioJson;
}

/** Parses JSON text, turning syntax errors into an InputError with line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${col}`;
    }
    throw new InputError(file, '', `is not valid JSON${where} (${msg.replace(/^.*?: /, '')})`);
  }
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
