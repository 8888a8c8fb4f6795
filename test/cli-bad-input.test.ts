/**
 * Bad input, end to end through the built CLI: non-JSON, wrong types, unknown
 * ids, a phase with conflicting movements, negative lengths, an unknown
 * built-in name, bad usage. Every one exits with code 2 and prints exactly one
 * line on stderr naming the file (or built-in name, or command), the JSON path
 * where there is one, and the reason, with no stack trace and nothing on stdout.
 *
 * Needs dist/ (`npm test` builds it first).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { cli, requireBuiltCli, type CliResult } from './cli-helpers.js';
import { singleScenario, type ScenarioJson } from '../scenarios/index.js';

let dir = '';

/** A small valid scenario: one signalised four-leg intersection, 60 s. */
function base(): ScenarioJson {
  return structuredClone(singleScenario({ durationS: 60 }));
}

/** Writes a scenario (or raw text) to the temp dir; returns its path. */
function fixture(name: string, content: ScenarioJson | unknown[] | string): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  return file;
}

/** A mutated copy of the base scenario, written to the temp dir. */
function scenarioWith(name: string, mutate: (sc: ScenarioJson) => void): string {
  const sc = base();
  mutate(sc);
  return fixture(name, sc);
}

/**
 * The bad-input contract: exit 2, nothing on stdout, exactly one line on
 * stderr (plus its newline) that names `where` (file, built-in name or
 * command) and `path` (JSON path, followed by its reason), no stack trace.
 * Returns that line for further checks.
 */
function expectBadInput(expect: ExpectStatic, r: CliResult, where: string, path?: string): string {
  expect(r.status, `exit status (stderr: ${r.stderr})`).toBe(2);
  expect(r.stderr, 'stderr').toMatch(/\n$/);
  const lines = r.stderr.split('\n');
  expect(lines, `stderr should be exactly one line:\n${r.stderr}`).toHaveLength(2);
  const line = lines[0]!;
  expect(r.stdout, 'stdout').toBe('');
  expect(line).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/\n\s+at .*[:(]/);
  expect(line).not.toMatch(/\b(TypeError|RangeError|SyntaxError|ReferenceError)\b/);
  expect(line).toContain(where);
  if (path !== undefined) expect(line).toContain(`${where}: ${path}: `);
  return line;
}

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'greenwave-bad-input-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('a valid scenario (positive control)', () => {
  it('runs with exit 0 and --json prints exactly one JSON object with the SPEC §4 keys', async ({ expect }) => {
    const file = fixture('valid.json', base());
    const r = await cli('run', file, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const m = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(typeof m).toBe('object');
    expect(Object.keys(m)).toEqual(
      expect.arrayContaining(['scenario', 'controller', 'seed', 'duration', 'vehicles', 'travelTime', 'delay', 'stops', 'throughput', 'emergency', 'safety', 'sim']),
    );
    expect(Object.keys(m.vehicles as object)).toEqual(expect.arrayContaining(['scheduled', 'entered', 'completed', 'inNetwork', 'waitingToEnter']));
    expect(m.controller).toBe('fixed');
    expect(m.duration).toBe(60);
  });
});

describe.concurrent('files that are not scenario JSON', () => {
  it('a file that is not JSON names the file, says "not valid JSON" and gives the line and column', async ({ expect }) => {
    const file = fixture('not-json.json', '{\n  "format": "greenwave-scenario",\n  "version": 1,\n  oops\n}\n');
    const line = expectBadInput(expect, await cli('run', file), file);
    expect(line).toContain('is not valid JSON');
    expect(line).toContain('line 4, column 3');
  });

  it('a syntax error that V8 reports with a quoted excerpt (newlines included) still gives one line with line and column', async ({ expect }) => {
    // V8 says `Unexpected token 'g', "{\n  "format": g..." is not valid JSON`, with no position.
    const file = fixture('bare-word.json', '{\n  "format": greenwave\n}\n');
    const line = expectBadInput(expect, await cli('run', file), file);
    expect(line).toContain('is not valid JSON at line 2, column 13');
  });

  it('an empty file is not valid JSON at line 1, column 1', async ({ expect }) => {
    const file = fixture('empty.json', '');
    const line = expectBadInput(expect, await cli('run', file), file);
    expect(line).toMatch(/is not valid JSON at line 1, column 1/);
  });

  it('a missing file: "file not found"', async ({ expect }) => {
    const file = join(dir, 'does-not-exist.json');
    const line = expectBadInput(expect, await cli('run', file), file);
    expect(line).toContain('file not found');
  });

  it('a directory instead of a file', async ({ expect }) => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    const line = expectBadInput(expect, await cli('run', sub), sub);
    expect(line).toContain('is a directory');
  });

});

describe.concurrent('schema errors name the JSON path', () => {
  it('wrong type: roads[0].lanes as a string', async ({ expect }) => {
    const file = scenarioWith('lanes-string.json', (sc) => {
      (sc.roads[0] as { lanes: unknown }).lanes = 'three';
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[0].lanes');
    expect(line).toContain('must be integer');
  });

  it('a negative road length: roads[2].lengthM: must be ≥ 1', async ({ expect }) => {
    const file = scenarioWith('negative-length.json', (sc) => {
      sc.roads[2]!.lengthM = -5;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[2].lengthM');
    expect(line).toContain('roads[2].lengthM: must be ≥ 1');
  });

  it('zero lanes: roads[5].lanes: must be ≥ 1', async ({ expect }) => {
    const file = scenarioWith('zero-lanes.json', (sc) => {
      sc.roads[5]!.lanes = 0;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[5].lanes');
    expect(line).toContain('roads[5].lanes: must be ≥ 1');
  });

  it('an unknown field names the field', async ({ expect }) => {
    const file = scenarioWith('unknown-field.json', (sc) => {
      (sc.roads[1] as unknown as Record<string, unknown>).colour = 'red';
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[1].colour');
    expect(line).toContain('is not a known field');
  });

  it('coordinates beyond 10,000 km (y: 1e300 made a road of 1e300 m) and a road over 100 km from its geometry', async ({ expect }) => {
    let file = scenarioWith('huge-y.json', (sc) => {
      sc.intersections[1]!.y = 1e300;
    });
    let line = expectBadInput(expect, await cli('run', file), file, 'intersections[1].y');
    expect(line).toContain('must be ≤ 10000000');
    file = scenarioWith('far-apart.json', (sc) => {
      // the centre 200 km east of where it was: its roads have no lengthM, so their length is their geometry
      for (const r of sc.roads) delete r.lengthM;
      const c = sc.intersections.find((j) => sc.roads.filter((r) => r.from === j.id || r.to === j.id).length > 2)!;
      c.x += 200_000;
    });
    line = expectBadInput(expect, await cli('run', file), file);
    expect(line).toMatch(/roads\[\d+\]: is 20\d\.\d km long from its geometry; a road is at most 100 km/);
  });

  it('a missing required field names the field', async ({ expect }) => {
    const file = scenarioWith('missing-to.json', (sc) => {
      delete (sc.roads[1] as Partial<ScenarioJson['roads'][number]>).to;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[1].to');
    expect(line).toContain('is required');
  });
});

describe.concurrent('network errors name the JSON path', () => {
  it('an unknown intersection in roads[3].from', async ({ expect }) => {
    const file = scenarioWith('unknown-intersection.json', (sc) => {
      sc.roads[3]!.from = 'Nowhere';
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[3].from');
    expect(line).toContain('unknown intersection "Nowhere"');
  });

  it('a duplicate road id', async ({ expect }) => {
    const file = scenarioWith('duplicate-road.json', (sc) => {
      sc.roads[4]!.id = sc.roads[0]!.id;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[4].id');
    expect(line).toContain('duplicate id "N-C"');
  });

  it('a duplicate intersection id', async ({ expect }) => {
    const file = scenarioWith('duplicate-intersection.json', (sc) => {
      sc.intersections[2]!.id = sc.intersections[1]!.id;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'intersections[2].id');
    expect(line).toContain('duplicate id');
  });

  it('a phase with conflicting movements (north–south through and east–west through)', async ({ expect }) => {
    const file = scenarioWith('conflicting-phase.json', (sc) => {
      sc.intersections[0]!.phases = [{ movements: ['N-C>C-S', 'E-C>C-W'] }];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'intersections[0].phases[0].movements');
    expect(line).toContain('"N-C>C-S"');
    expect(line).toContain('"E-C>C-W"');
    expect(line).toContain('conflict');
  });

  it('a movement left out of every explicit phase', async ({ expect }) => {
    const file = scenarioWith('movement-in-no-phase.json', (sc) => {
      // The two opposing throughs can share a green; every turn is left out.
      sc.intersections[0]!.phases = [{ movements: ['N-C>C-S', 'S-C>C-N'] }];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'intersections[0].phases');
    expect(line).toContain('is in no phase');
  });

  it('an id with a newline in it is quoted on the same line', async ({ expect }) => {
    const file = scenarioWith('newline-id.json', (sc) => {
      sc.roads[0]!.from = 'bad\nid';
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'roads[0].from');
    expect(line).toContain('"bad\\nid"');
  });
});

describe.concurrent('demand errors name the JSON path', () => {
  it('an unknown road id in a flow route', async ({ expect }) => {
    const file = scenarioWith('unknown-road-in-route.json', (sc) => {
      sc.demand.flows![3]!.route = ['S-C', 'C-Nowhere'];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'demand.flows[3].route[1]');
    expect(line).toContain('unknown road "C-Nowhere"');
  });

  it('a route whose roads do not connect', async ({ expect }) => {
    const file = scenarioWith('route-gap.json', (sc) => {
      // N-C ends at C; E-C starts at E.
      sc.demand.flows![0]!.route = ['N-C', 'E-C'];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'demand.flows[0].route[1]');
    expect(line).toContain('"E-C"');
    expect(line).toContain('cannot be reached from road "N-C"');
  });

  it('a flow with neither a route nor from/to', async ({ expect }) => {
    const file = scenarioWith('flow-without-route.json', (sc) => {
      delete sc.demand.flows![2]!.route;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'demand.flows[2]');
    expect(line).toContain('needs either "route" or both "from" and "to"');
  });

  it('a duplicate flow id', async ({ expect }) => {
    const file = scenarioWith('duplicate-flow.json', (sc) => {
      sc.demand.flows![2]!.id = sc.demand.flows![0]!.id;
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'demand.flows[2].id');
    expect(line).toContain('duplicate flow id "N_through"');
  });

  it('an emergency vehicle with an unknown destination', async ({ expect }) => {
    const file = scenarioWith('ev-unknown-to.json', (sc) => {
      sc.emergencyVehicles = [{ id: 'amb', from: 'N', to: 'Hospital', departS: 5 }];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'emergencyVehicles[0].to');
    expect(line).toContain('unknown intersection or road "Hospital"');
  });

  it('an emergency vehicle whose destination cannot be reached', async ({ expect }) => {
    const file = scenarioWith('ev-unreachable.json', (sc) => {
      sc.emergencyVehicles = [{ id: 'amb', route: ['C-N', 'S-C'], departS: 5 }];
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'emergencyVehicles[0].route[1]');
    expect(line).toContain('cannot be reached from road "C-N"');
  });

  it('an unknown vehicleType', async ({ expect }) => {
    const file = scenarioWith('unknown-vehicle-type.json', (sc) => {
      sc.demand.flows![1]!.vehicleType = 'hovercraft';
    });
    const line = expectBadInput(expect, await cli('run', file), file, 'demand.flows[1].vehicleType');
    expect(line).toContain('unknown vehicle type "hovercraft"');
  });

  it('compare reports bad input the same way', async ({ expect }) => {
    const file = scenarioWith('compare-bad.json', (sc) => {
      sc.roads[0]!.lanes = 0;
    });
    expectBadInput(expect, await cli('compare', file, '--controllers', 'fixed'), file, 'roads[0].lanes');
  });
});

describe.concurrent('built-in names and usage', () => {
  it('an unknown built-in name: greenwave run grid-foo', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run', 'grid-foo'), 'grid-foo');
    expect(line).toContain('not a built-in name');
  });

  it('--seed abc', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run', 'single', '--seed', 'abc'), 'greenwave run');
    expect(line).toContain('--seed');
    expect(line).toContain('"abc"');
  });

  it('--duration -5 (a negative number as the value, not an option)', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run', 'single', '--duration', '-5'), 'greenwave run');
    expect(line).toContain('--duration must be a number > 0, got "-5"');
  });

  it('an unknown option', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run', 'single', '--frobnicate'), 'greenwave run');
    expect(line).toContain('--frobnicate');
  });

  it('an unknown controller', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run', 'single', '--controller', 'telepathic'), '--controller');
    expect(line).toContain('"telepathic"');
  });

  it('a missing SCENARIO', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('run'), 'greenwave run');
    expect(line).toContain('SCENARIO');
  });

  it('an unknown command', async ({ expect }) => {
    const line = expectBadInput(expect, await cli('frobnicate'), 'greenwave');
    expect(line).toContain('unknown command "frobnicate"');
  });
});

describe.concurrent('work that cannot fit is refused from an estimate, in seconds, before anything big is built (issue 16 item 7)', () => {
  /** The CLI's answer and how long it took (ms): each of these crashed after a minute or more, or took gigabytes. */
  const timed = async (...args: string[]): Promise<CliResult & { ms: number }> => {
    const t0 = performance.now();
    const r = await cli(...args);
    return { ...r, ms: performance.now() - t0 };
  };
  const QUICK_MS = 30_000; // about a second each when alone; room for a loaded machine

  it('intervalS: 1e-6 (V8 "invalid size", exit 133): intervalS must be ≥ 0.18 (20,000 veh/h, as vph)', async ({ expect }) => {
    const file = scenarioWith('interval-1e-6.json', (sc) => {
      sc.demand.flows![0] = { id: 'f', route: ['N-C', 'C-S'], intervalS: 1e-6 };
    });
    const r = await timed('run', file);
    const line = expectBadInput(expect, r, file, 'demand.flows[0].intervalS');
    expect(line).toContain('must be ≥ 0.18');
    expect(r.ms).toBeLessThan(QUICK_MS);
  });

  it('a profile rate of 1e9 veh/h (heap exhausted, exit 134): profile rates are capped like vph', async ({ expect }) => {
    const file = scenarioWith('profile-1e9.json', (sc) => {
      sc.demand.flows![0] = { id: 'f', route: ['N-C', 'C-S'], profile: [[0, 100], [30, 1e9]] };
    });
    const r = await timed('run', file);
    const line = expectBadInput(expect, r, file, 'demand.flows[0].profile[1][1]');
    expect(line).toContain('must be ≤ 20000');
    expect(r.ms).toBeLessThan(QUICK_MS);
  });

  it('a CityFlow flow with interval 1e-9 (imported, then exit 133 at run): refused at import, naming the flow file', async ({ expect }) => {
    const data = 'scenarios/data/cityflow/hangzhou_4x4';
    const flows = JSON.parse(readFileSync(`${data}/anon_4_4_hangzhou_real.json`, 'utf8')) as Array<{ interval: number; endTime?: number }>;
    flows[3]!.interval = 1e-9;
    flows[3]!.endTime = -1;
    const flowFile = fixture('cityflow-interval-1e-9.json', flows as unknown[]);
    for (const args of [
      ['run', '--cityflow', `${data}/roadnet_4_4.json`, flowFile],
      ['import', 'cityflow', `${data}/roadnet_4_4.json`, flowFile, '-o', join(dir, 'cityflow-out.json')],
    ]) {
      const r = await timed(...args);
      const line = expectBadInput(expect, r, flowFile, '[3].interval');
      expect(line).toContain('must be ≥ 0.18');
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
  });

  it('--duration 99999999 (heap exhausted after 100 s, exit 134): every command caps it at the schema\'s 604800 s', async ({ expect }) => {
    for (const args of [
      ['run', 'default'],
      ['compare', 'default'],
      ['sweep', 'default', '--seeds', '1'],
      ['import', 'cityflow', 'a.json', 'b.json', '-o', join(dir, 'never.json')],
      ['sumo', 'never.sumocfg'],
      ['serve', 'default', '--port', '0'],
    ]) {
      const r = await timed(...args, '--duration', '99999999');
      const line = expectBadInput(expect, r, `greenwave ${args[0]}`);
      expect(line).toContain('--duration must be ≤ 604800 s (one week), got 99999999');
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
    // the limit itself is allowed
    const data = 'scenarios/data/cityflow/hangzhou_4x4';
    const week = join(dir, 'cityflow-week.json');
    const ok = await cli('import', 'cityflow', `${data}/roadnet_4_4.json`, `${data}/anon_4_4_hangzhou_real.json`, '-o', week, '--duration', '604800');
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(readFileSync(week, 'utf8')) as ScenarioJson).durationS).toBe(604800);
  });

  it('grid-200x200 (4 GB, two minutes): refused from its lane count before the grid is made', async ({ expect }) => {
    const r = await timed('run', 'grid-200x200', '--duration', '60');
    const line = expectBadInput(expect, r, 'grid-200x200');
    expect(line).toContain('402,000 for 200x200; a scenario has at most 150,000 lanes');
    expect(r.ms).toBeLessThan(QUICK_MS);
  });

  it('a scenario file of more than 150,000 lanes: roads, before the network is built', async ({ expect }) => {
    const n = 6300;
    const sc = base();
    sc.intersections = Array.from({ length: n + 1 }, (_, k) => ({ id: `J${k}`, x: 300 * k, y: 0 }));
    sc.roads = Array.from({ length: n }, (_, k) => [
      { id: `E${k}`, from: `J${k}`, to: `J${k + 1}`, lanes: 12 },
      { id: `W${k}`, from: `J${k + 1}`, to: `J${k}`, lanes: 12 },
    ]).flat();
    sc.demand = { flows: [{ id: 'f', from: 'J0', to: `J${n}`, vph: 100 }] };
    const r = await timed('run', fixture('many-lanes.json', sc));
    const line = expectBadInput(expect, r, join(dir, 'many-lanes.json'), 'roads');
    expect(line).toContain('151,200 lanes in all; a scenario has at most 150,000 lanes');
    expect(r.ms).toBeLessThan(QUICK_MS);
  });

  it('flows that add up to more than 4,000,000 trips, and trips whose routes need more room than 100,000,000 roads', async ({ expect }) => {
    const file = scenarioWith('week-at-capacity.json', (sc) => {
      sc.durationS = 604800;
      for (const f of sc.demand.flows!) f.vph = 20000;
    });
    let r = await timed('run', file);
    let line = expectBadInput(expect, r, file, 'demand');
    expect(line).toContain('the flows, vehicles and emergency vehicles make about 40,320,000 trips in 604800 s');
    expect(line).toContain('(the most, demand.flows[0] "N_through": about 3,360,000); a run has at most 4,000,000 trips');
    expect(r.ms).toBeLessThan(QUICK_MS);
    // grid-100x100's 1.9 million trips in 20,000 s cross the grid: about 100 roads each
    r = await timed('run', 'grid-100x100', '--duration', '20000');
    line = expectBadInput(expect, r, 'builtin:grid-100x100', 'demand');
    expect(line).toMatch(/need room for about [\d,]+ route roads \(trips × roads per route\); a run has at most 100,000,000/);
    expect(r.ms).toBeLessThan(QUICK_MS);
  });
});

describe.concurrent('where the output goes (--out, import -o), checked before any work', () => {
  it('--out onto a file, under a file, under /proc: exit 2 with one line, no spin', async ({ expect }) => {
    const file = fixture('not-a-folder.txt', 'x');
    let line = expectBadInput(expect, await cli('run', 'single', '--duration', '10', '--out', file), 'greenwave run');
    expect(line).toContain(`--out ${file}: "${file}" is a file, not a folder`);
    line = expectBadInput(expect, await cli('run', 'single', '--duration', '10', '--out', join(file, 'x')), 'greenwave run');
    expect(line).toContain(`"${file}" is not a folder`);
    line = expectBadInput(expect, await cli('sweep', 'single', '--seeds', '1', '--controllers', 'fixed', '--out', '/dev/null/x'), 'greenwave sweep');
    expect(line).toContain('"/dev/null" is not a folder');
    // Node's recursive mkdir spun at 100 % CPU for ever here (Linux); now it is one level at a time
    line = expectBadInput(expect, await cli('run', 'single', '--duration', '10', '--out', '/proc/greenwave-out'), 'greenwave run');
    expect(line).toContain('cannot make the folder "/proc');
  });

  it('makes the folders that are missing, and import -o refuses one of its own inputs or a folder', async ({ expect }) => {
    const deep = join(dir, 'out-a', 'b', 'c');
    const ok = await cli('run', 'single', '--duration', '10', '--out', deep);
    expect(ok.status, ok.stderr).toBe(0);
    const net = join(dir, 'own.net.xml');
    writeFileSync(net, '<net/>\n');
    let line = expectBadInput(expect, await cli('import', 'sumo', net, '-o', net), 'greenwave import');
    expect(line).toContain('is one of the input files');
    line = expectBadInput(expect, await cli('import', 'sumo', net, '-o', dir), 'greenwave import');
    expect(line).toContain('is a folder, not a file');
  });
});
