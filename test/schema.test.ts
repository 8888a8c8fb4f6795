/**
 * Scenario validation and network building report bad input as
 * `FILE: path: reason`, with the JSON path written `roads[12].lanes`
 * style; every built-in scenario is valid.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../engine/network/build.js';
import { BUILTIN_NAMES, builtinScenario } from '../scenarios/builtin.js';
import { InputError, jsonPath, oneLine } from '../scenarios/errors.js';
import { loadScenario, loadScenarioFile } from '../scenarios/load.js';
import type { ScenarioJson } from '../scenarios/types.js';
import { singleScenario } from '../scenarios/index.js';
import { parseJson, readText, validateScenario } from '../scenarios/validate.js';
import { prepare } from '../sim/run.js';

const FILE = 'my/scenario.json';

/** A small valid scenario: one signalised four-leg intersection, 60 s. */
function base(): ScenarioJson {
  return structuredClone(singleScenario({ durationS: 60 }));
}

/** The InputError that `fn` throws (fails the test if it throws nothing or something else). */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, but nothing was thrown');
}

/** Validates a mutated copy of the base scenario (typed loosely, to write wrong types) and returns the error. */
function schemaError(mutate: (sc: Record<string, any>) => unknown): InputError {
  const sc = base() as unknown as Record<string, any>;
  mutate(sc);
  return inputError(() => validateScenario(sc, FILE));
}

/** Validates, then builds the network of, a mutated copy of the base scenario and returns the error. */
function networkError(mutate: (sc: ScenarioJson) => void): InputError {
  const sc = base();
  mutate(sc);
  const valid = validateScenario(sc, FILE);
  return inputError(() => buildNetwork(valid, FILE));
}

/** Runs the whole preparation (network and demand) of a mutated copy and returns the error. */
function prepareError(mutate: (sc: ScenarioJson) => void): InputError {
  const sc = base();
  mutate(sc);
  return inputError(() => prepare({ scenario: validateScenario(sc, FILE), file: FILE }));
}

describe('InputError and jsonPath', () => {
  it('formats the message as FILE: path: reason, and FILE: reason without a path', () => {
    const e = new InputError('a.json', 'roads[12].lanes', 'must be ≥ 1');
    expect(e.message).toBe('a.json: roads[12].lanes: must be ≥ 1');
    expect([e.file, e.path, e.reason]).toEqual(['a.json', 'roads[12].lanes', 'must be ≥ 1']);
    expect(new InputError('a.json', '', 'file not found').message).toBe('a.json: file not found');
  });

  it('keeps the message on one line when the reason quotes an id with a newline', () => {
    const e = new InputError('a.json', 'roads[0].from', 'unknown intersection "x\ny"');
    expect(e.message).toBe('a.json: roads[0].from: unknown intersection "x\\ny"');
    expect(e.reason).toBe('unknown intersection "x\ny"');
    expect(oneLine('a\tb\r\nc')).toBe('a\\tb\\r\\nc');
  });

  it('writes paths with dots for names and brackets for indices and odd keys', () => {
    expect(jsonPath(['roads', 12, 'lanes'])).toBe('roads[12].lanes');
    expect(jsonPath(['demand', 'flows', 0, 'profile', 1])).toBe('demand.flows[0].profile[1]');
    expect(jsonPath(['vehicleTypes', 'big truck', 'lengthM'])).toBe('vehicleTypes["big truck"].lengthM');
    expect(jsonPath([3])).toBe('[3]');
    expect(jsonPath([])).toBe('');
  });
});

describe('validateScenario', () => {
  it('returns a valid scenario unchanged', () => {
    const sc = base();
    expect(validateScenario(sc, FILE)).toBe(sc);
  });

  it('roads[12].lanes: must be ≥ 1 (the example in the spec)', () => {
    const sc = builtinScenario('grid-2x3')!;
    expect(sc.roads.length).toBeGreaterThan(12);
    sc.roads[12]!.lanes = 0;
    const e = inputError(() => validateScenario(sc, FILE));
    expect(e.message).toBe(`${FILE}: roads[12].lanes: must be ≥ 1`);
    expect(e.file).toBe(FILE);
    expect(e.path).toBe('roads[12].lanes');
  });

  it('a wrong type names the path and the expected type', () => {
    expect(schemaError((sc) => (sc.roads[0].lanes = '3')).message).toBe(`${FILE}: roads[0].lanes: must be integer`);
    expect(schemaError((sc) => (sc.durationS = '60')).message).toBe(`${FILE}: durationS: must be number`);
    expect(schemaError((sc) => (sc.roads = {})).message).toBe(`${FILE}: roads: must be array`);
    expect(schemaError((sc) => (sc.roads[0] = null)).message).toBe(`${FILE}: roads[0]: must be object`);
  });

  it('a non-object at the top level is reported at "(top level)"', () => {
    expect(inputError(() => validateScenario([], FILE)).message).toBe(`${FILE}: (top level): must be object`);
    expect(inputError(() => validateScenario('scenario', FILE)).message).toBe(`${FILE}: (top level): must be object`);
    expect(inputError(() => validateScenario(null, FILE)).message).toBe(`${FILE}: (top level): must be object`);
  });

  it('nested paths: demand.flows[0].profile[1] and deeper', () => {
    const short = schemaError((sc) => {
      delete sc.demand.flows[0].vph;
      sc.demand.flows[0].profile = [[0, 100], [10]];
    });
    expect(short.path).toBe('demand.flows[0].profile[1]');
    expect(short.message).toBe(`${FILE}: demand.flows[0].profile[1]: must have at least 2 items`);
    const negative = schemaError((sc) => {
      sc.demand.flows[0].profile = [
        [0, 100],
        [10, -1],
      ];
    });
    expect(negative.message).toBe(`${FILE}: demand.flows[0].profile[1][1]: must be ≥ 0`);
  });

  it('numeric bounds: negative length, zero duration, bad seed', () => {
    expect(schemaError((sc) => (sc.roads[2].lengthM = -5)).message).toBe(`${FILE}: roads[2].lengthM: must be ≥ 1`);
    expect(schemaError((sc) => (sc.durationS = 0)).message).toBe(`${FILE}: durationS: must be > 0`);
    expect(schemaError((sc) => (sc.seed = -1)).message).toBe(`${FILE}: seed: must be ≥ 0`);
    expect(schemaError((sc) => (sc.seed = 1.5)).message).toBe(`${FILE}: seed: must be integer`);
  });

  it('additionalProperties: names the unknown field, at the top level and nested', () => {
    expect(schemaError((sc) => (sc.colour = 'green')).message).toBe(`${FILE}: colour: is not a known field`);
    expect(schemaError((sc) => (sc.roads[1].colour = 'red')).message).toBe(`${FILE}: roads[1].colour: is not a known field`);
    const phase = schemaError((sc) => (sc.intersections[0].phases = [{ movements: ['N-C>C-S'], greenS: 30 }]));
    expect(phase.message).toBe(`${FILE}: intersections[0].phases[0].greenS: is not a known field`);
    // A key that is not an identifier is bracketed.
    expect(schemaError((sc) => (sc.roads[0]['my key'] = 1)).path).toBe('roads[0]["my key"]');
  });

  it('required: names the missing field, at the top level and nested', () => {
    expect(schemaError((sc) => delete sc.demand).message).toBe(`${FILE}: demand: is required`);
    expect(schemaError((sc) => delete sc.roads[1].to).message).toBe(`${FILE}: roads[1].to: is required`);
    expect(schemaError((sc) => delete sc.demand.flows[4].id).message).toBe(`${FILE}: demand.flows[4].id: is required`);
  });

  it('const and enum: says what is allowed', () => {
    expect(schemaError((sc) => (sc.format = 'cityflow')).message).toBe(`${FILE}: format: must be "greenwave-scenario"`);
    expect(schemaError((sc) => (sc.version = 2)).message).toBe(`${FILE}: version: must be 1`);
    const e = schemaError((sc) => (sc.intersections[0].type = 'roundabout'));
    expect(e.path).toBe('intersections[0].type');
    expect(e.reason).toBe('must be one of "signal", "boundary", "uncontrolled"');
  });

  it('sizes and patterns read as sentences', () => {
    expect(schemaError((sc) => (sc.roads[0].id = '')).message).toBe(`${FILE}: roads[0].id: must not be empty`);
    expect(schemaError((sc) => (sc.roads[0].points = [[0, 1, 2], [0, 0]])).message).toBe(
      `${FILE}: roads[0].points[0]: must have at most 2 items`,
    );
    expect(schemaError((sc) => (sc.intersections = [])).message).toBe(`${FILE}: intersections: must have at least 1 item`);
    expect(schemaError((sc) => (sc.roads[0].laneUse = ['L', 'T', 'X'])).message).toBe(`${FILE}: roads[0].laneUse[2]: must match ^[LTRU]+$`);
  });

  it('an unknown vehicle type field is reported under vehicleTypes', () => {
    const e = schemaError((sc) => (sc.vehicleTypes = { truck: { lengthM: 0 } }));
    expect(e.message).toBe(`${FILE}: vehicleTypes.truck.lengthM: must be ≥ 1`);
  });
});

describe('every built-in scenario validates and builds', () => {
  it.each(['default', 'single', 'arterial-3', 'grid-2x3'])('%s', (name) => {
    const sc = builtinScenario(name);
    expect(sc).toBeDefined();
    const file = `builtin:${name}`;
    expect(() => validateScenario(sc, file)).not.toThrow();
    const net = buildNetwork(validateScenario(sc, file), file);
    expect(net.intersections.length).toBe(sc!.intersections.length);
    expect(net.roads.length).toBe(sc!.roads.length);
    expect(net.phases.length).toBeGreaterThan(0);
  });

  it('loadScenario finds them by name', () => {
    expect(loadScenario('grid-2x3').file).toBe('builtin:grid-2x3');
  });

  it('an unknown built-in name names itself and the known names', () => {
    const e = inputError(() => loadScenario('grid-foo'));
    expect(e.file).toBe('grid-foo');
    expect(e.message).toContain('not a built-in name');
    for (const n of BUILTIN_NAMES) expect(e.message).toContain(n);
  });

  it('a built-in size out of range names the name and the range', () => {
    expect(inputError(() => loadScenario('grid-0x3')).message).toMatch(/^grid-0x3: grid-RxC needs/);
    expect(inputError(() => loadScenario('arterial-0')).message).toMatch(/^arterial-0: arterial-N needs 1 ≤ N ≤ 200/);
  });
});

describe('parseJson and readText', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenwave-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a syntax error gives the line and column (1-based) and a reason', () => {
    const e = inputError(() => parseJson('{\n  "a": 1,\n  oops\n}', FILE));
    expect(e.message).toBe(`${FILE}: is not valid JSON at line 3, column 3: unexpected 'oops', expected a double-quoted property name`);
  });

  it('errors for which V8 gives no position still get one, on one line', () => {
    // V8: `Unexpected token 'x', "{\n"a": x}" is not valid JSON` – no position, a raw newline.
    const bare = inputError(() => parseJson('{\n"a": x}', FILE));
    expect(bare.message).toMatch(/^my\/scenario\.json: is not valid JSON at line 2, column 6: unexpected 'x'/);
    expect(bare.message).not.toContain('\n');
    expect(inputError(() => parseJson('', FILE)).message).toBe(`${FILE}: is not valid JSON at line 1, column 1: unexpected end of input, expected a value`);
    expect(inputError(() => parseJson('{"a": [1, 2', FILE)).message).toContain('line 1, column 12: unexpected end of input');
  });

  it('names trailing commas, single quotes, bad numbers, raw control characters and trailing text', () => {
    expect(inputError(() => parseJson('{"a": [1, 2,]}', FILE)).reason).toBe("is not valid JSON at line 1, column 13: trailing comma before ']'");
    expect(inputError(() => parseJson('{"a": 1,\n}', FILE)).reason).toBe("is not valid JSON at line 2, column 1: trailing comma before '}'");
    expect(inputError(() => parseJson("{'a': 1}", FILE)).reason).toContain('unexpected');
    expect(inputError(() => parseJson('{"a": 01}', FILE)).reason).toBe('is not valid JSON at line 1, column 7: invalid number');
    expect(inputError(() => parseJson('{"a": "x\ny"}', FILE)).reason).toContain('character U+000A inside a string');
    expect(inputError(() => parseJson('{"a": 1} {}', FILE)).reason).toBe("is not valid JSON at line 1, column 10: unexpected '{' after the end of the JSON value");
  });

  it('accepts a leading byte-order mark', () => {
    expect(parseJson('\ufeff{"a": 1}', FILE)).toEqual({ a: 1 });
  });

  it('a missing file is "file not found"; a directory is not a file', () => {
    const missing = join(dir, 'nope.json');
    expect(inputError(() => readText(missing)).message).toBe(`${missing}: file not found`);
    expect(inputError(() => readText(dir)).message).toBe(`${dir}: is a directory, not a file`);
  });

  it('loadScenarioFile: a file that is valid JSON but not a scenario names the file and the path', () => {
    const file = join(dir, 'bad.json');
    const sc = base();
    sc.roads[5]!.lanes = 0;
    writeFileSync(file, JSON.stringify(sc, null, 2));
    expect(inputError(() => loadScenarioFile(file)).message).toBe(`${file}: roads[5].lanes: must be ≥ 1`);
  });
});

describe('buildNetwork', () => {
  it('an unknown intersection in a road', () => {
    const e = networkError((sc) => (sc.roads[3]!.from = 'Nowhere'));
    expect(e.message).toBe(`${FILE}: roads[3].from: unknown intersection "Nowhere"`);
  });

  it('duplicate intersection and road ids', () => {
    expect(networkError((sc) => (sc.intersections[2]!.id = 'N')).message).toBe(`${FILE}: intersections[2].id: duplicate id "N"`);
    expect(networkError((sc) => (sc.roads[4]!.id = 'N-C')).message).toBe(`${FILE}: roads[4].id: duplicate id "N-C"`);
  });

  it('a road that starts and ends at the same intersection', () => {
    const e = networkError((sc) => (sc.roads[0]!.to = sc.roads[0]!.from));
    expect(e.path).toBe('roads[0].to');
    expect(e.reason).toContain('starts and ends at the same intersection');
  });

  it('laneUse with the wrong number of entries', () => {
    expect(networkError((sc) => (sc.roads[0]!.laneUse = ['L'])).message).toBe(`${FILE}: roads[0].laneUse: has 1 entries for 3 lanes`);
  });

  it('maxGreenS below minGreenS', () => {
    expect(networkError((sc) => (sc.signalDefaults = { minGreenS: 30, maxGreenS: 10 })).message).toBe(
      `${FILE}: signalDefaults.maxGreenS: must be ≥ minGreenS (30)`,
    );
  });

  it('a phase with conflicting movements names both and the phase', () => {
    const e = networkError((sc) => (sc.intersections[0]!.phases = [{ movements: ['N-C>C-S', 'E-C>C-W'] }]));
    expect(e.path).toBe('intersections[0].phases[0].movements');
    expect(e.reason).toBe('movements "N-C>C-S" and "E-C>C-W" conflict (their paths cross) and cannot be green together; make one of them permitted');
  });

  it('a movement left out of every explicit phase', () => {
    const e = networkError((sc) => (sc.intersections[0]!.phases = [{ movements: ['N-C>C-S', 'S-C>C-N'] }]));
    expect(e.path).toBe('intersections[0].phases');
    expect(e.reason).toMatch(/^movement "[^"]+" is in no phase, so it would never get green$/);
  });

  it('an unknown movement in a phase', () => {
    const e = networkError((sc) => (sc.intersections[0]!.phases = [{ movements: ['N-C>C-S'] }, { movements: ['N-C>Nowhere'] }]));
    expect(e.message).toBe(`${FILE}: intersections[0].phases[1].movements[0]: unknown movement "N-C>Nowhere"`);
  });

  it('phases on a boundary node', () => {
    const e = networkError((sc) => (sc.intersections[1]!.phases = [{ movements: ['N-C>C-S'] }]));
    expect(e.message).toBe(`${FILE}: intersections[1].phases: a boundary node has no signal phases`);
  });

  it('explicit movements: an unknown road and a lane that does not exist', () => {
    expect(networkError((sc) => (sc.movements = [{ from: 'N-C', to: 'C-Nowhere' }])).message).toBe(
      `${FILE}: movements[0].to: unknown road "C-Nowhere"`,
    );
    expect(networkError((sc) => (sc.movements = [{ from: 'N-C', to: 'C-S', laneLinks: [{ fromLane: 5, toLane: 0 }] }])).message).toBe(
      `${FILE}: movements[0].laneLinks[0].fromLane: road "N-C" has only 3 lanes`,
    );
  });

  it('a detector on an unknown road', () => {
    const e = networkError((sc) => (sc.detectors = { list: [{ id: 'd1', road: 'Nowhere', lane: 0, kind: 'stopLine' }] }));
    expect(e.message).toBe(`${FILE}: detectors.list[0].road: unknown road "Nowhere"`);
  });
});

describe('demand errors (prepare)', () => {
  it('an unknown road in a route', () => {
    const e = prepareError((sc) => (sc.demand.flows![3]!.route = ['S-C', 'C-Nowhere']));
    expect(e.message).toBe(`${FILE}: demand.flows[3].route[1]: unknown road "C-Nowhere"`);
  });

  it('a route whose roads do not connect', () => {
    const e = prepareError((sc) => (sc.demand.flows![0]!.route = ['N-C', 'E-C']));
    expect(e.message).toBe(`${FILE}: demand.flows[0].route[1]: road "E-C" cannot be reached from road "N-C"`);
  });

  it('a flow with neither route nor from/to, and one to an unknown place', () => {
    expect(prepareError((sc) => delete sc.demand.flows![2]!.route).message).toBe(
      `${FILE}: demand.flows[2]: needs either "route" or both "from" and "to"`,
    );
    expect(prepareError((sc) => (sc.demand.flows![0] = { id: 'od', from: 'N', to: 'Atlantis', vph: 100 })).message).toBe(
      `${FILE}: demand.flows[0].to: unknown intersection or road "Atlantis"`,
    );
  });

  it('duplicate flow ids and duplicate vehicle ids', () => {
    expect(prepareError((sc) => (sc.demand.flows![2]!.id = 'N_through')).message).toBe(`${FILE}: demand.flows[2].id: duplicate flow id "N_through"`);
    const v = prepareError(
      (sc) =>
        (sc.demand.vehicles = [
          { id: 'v1', departS: 1, route: ['N-C', 'C-S'] },
          { id: 'v1', departS: 2, route: ['N-C', 'C-S'] },
        ]),
    );
    expect(v.message).toBe(`${FILE}: demand.vehicles[1].id: duplicate vehicle id "v1"`);
  });

  it('an unknown vehicle type', () => {
    const e = prepareError((sc) => (sc.demand.flows![1]!.vehicleType = 'hovercraft'));
    expect(e.path).toBe('demand.flows[1].vehicleType');
    expect(e.reason).toMatch(/^unknown vehicle type "hovercraft"; known: car, emergency/);
  });
});
