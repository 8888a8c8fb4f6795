/** Scenario loading: a file path, or a built-in name. */
import { existsSync } from 'node:fs';
import { BUILTIN_NAMES, builtinScenario } from './builtin.js';
import { InputError } from './errors.js';
import type { ScenarioJson, ScenarioSource } from './types.js';
import { parseJson, readText, validateScenario } from './validate.js';

/** Reads, parses and validates a scenario file. */
export function loadScenarioFile(file: string): ScenarioSource {
  const data = parseJson(readText(file), file);
  return { scenario: validateScenario(data, file), file };
}

/** A scenario from a path or a built-in name (`default`, `single`, `arterial-N`, `grid-RxC`). */
export function loadScenario(spec: string): ScenarioSource {
  if (existsSync(spec) || /[/\\]|\.json$/i.test(spec)) return loadScenarioFile(spec);
  let sc: ScenarioJson | undefined;
  try {
    sc = builtinScenario(spec);
  } catch (e) {
    throw new InputError(spec, '', (e as Error).message);
  }
  if (!sc) throw new InputError(spec, '', `unknown scenario: not a file, and not a built-in name (${BUILTIN_NAMES.join(', ')})`);
  const file = `builtin:${spec}`;
  return { scenario: validateScenario(sc, file), file };
}
