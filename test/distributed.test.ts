/**
 * A city as regions over NATS JetStream (issue 17), with real nats-server
 * processes on loopback: `greenwave region` × 4 and `greenwave field` as
 * separate processes, against the single-process run.
 */
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, expect, it } from 'vitest';
import { CLI, cli, requireBuiltCli, ROOT } from './cli-helpers.js';
import { describeWithNats, startNats } from './nats-helpers.js';
import { partitionNetwork } from '../engine/distributed/partition.js';
import { TestClient, TOKEN, type Frame } from './server-helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../scenarios/index.js';
import { createSimulation, prepare } from '../sim/index.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

/** Starts `greenwave region …` and returns its exit and stderr once it ends. */
function region(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'region', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  stops.push(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

/** Waits until every region has said it is waiting for the field (at most 60 s: a bound for a loaded machine, not a measurement). */
async function ready(logs: Array<() => string>, n: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (logs.filter((l) => /waiting for the field/.test(l())).length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the regions did not start within 60 s; their logs:\n${logs.map((l, k) => `[${k}] ${l().slice(-400)}`).join('\n')}`);
}

/** Region processes for `indices` (a region given twice: the second is its --standby). */
function startRegions(url: string, n: number, extra: string[], indices: number[] = Array.from({ length: n }, (_, k) => k), allStandby = false, scenario = 'grid-8x8') {
  const logs: string[] = indices.map(() => '');
  const kills: Array<() => void> = [];
  const signals: Array<(s: NodeJS.Signals) => void> = [];
  const done = indices.map((k, j) => {
    const standby = allStandby || indices.indexOf(k) !== j;
    const child = spawn(process.execPath, [CLI, 'region', scenario, '--nats', url, '--regions', String(n), '--index', String(k), ...(standby ? ['--standby'] : []), ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    stops.push(() => child.kill('SIGKILL'));
    kills.push(() => child.kill('SIGKILL'));
    signals.push((sig) => child.kill(sig));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (logs[j] += d));
    return new Promise<{ status: number | null }>((resolve) => child.on('close', (status) => resolve({ status })));
  });
  return { logs, done, kills, signals, ready: () => ready(logs.map((_, j) => () => logs[j]!), indices.length) };
}

type FieldJson = Record<string, unknown> & { safety: Record<string, number>; field: { steps: number; decisionsMissing: number; maxStepWaitMs: number; publishRetries: number } };

/** Resolves once region `k` has answered a step at or after simulated second `tS` (watched on its decisions subject). */
async function regionReached(url: string, k: number, tS: number, withinMs = 150_000): Promise<boolean> {
  const nc = await connect({ servers: url.split(',') });
  const got = await new Promise<boolean>((resolve) => {
    setTimeout(() => resolve(false), withinMs);
    nc.subscribe(`greenwave.city.decisions.${k}`, {
      callback: (_e, m) => {
        if ((m.json<{ t: number }>().t ?? 0) >= tS * 1000) resolve(true);
      },
    });
  });
  await nc.close();
  return got;
}

/** `greenwave serve grid-8x8 --nats URL --regions 4 --duration 120` in its own process; resolves once it says its port. */
async function startView(url: string, extra: string[] = [], scenario = 'grid-8x8'): Promise<{ port: string | undefined; log: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', scenario, '--nats', url, '--regions', '4', '--duration', '120', '--port', '0', ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  stops.push(() => child.kill('SIGKILL'));
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const port = (): string | undefined => /127\.0\.0\.1:(\d+)\//.exec(log)?.[1];
  for (let i = 0; i < 300 && !port(); i++) await new Promise((r) => setTimeout(r, 50));
  return { port: port(), log: () => log };
}

/** grid-8x8 with an ambulance west to east along row 3 (regions 1, 3 and 2) and a fire engine north to south down column 2, as a scenario file. */
function gridWithEmergencies(): string {
  const sc = loadScenario('grid-8x8').scenario;
  sc.emergencyVehicles = [{ id: 'ambulance-1', from: 'W3', to: 'E4', departS: 30, priority: 1 }, { id: 'fire-1', from: 'N2', to: 'S5', departS: 45, priority: 2 }];
  const file = join(mkdtempSync(join(tmpdir(), 'gw-dist-')), 'grid-8x8-ev.json');
  writeFileSync(file, JSON.stringify(sc));
  return file;
}

/** 'reached' once region k answered a step at or after tS, or why not: the field ended first (its status and error) or it took too long. */
function reachedBeforeFieldEnds(url: string, k: number, tS: number, fieldRun: Promise<{ status: number | null; stderr: string }>): Promise<string> {
  return Promise.race([regionReached(url, k, tS).then((ok) => (ok ? 'reached' : `region ${k} did not reach t = ${tS} s`)), fieldRun.then((f) => `the field ended first (${f.status}): ${f.stderr}`)]);
}

const strip = (m: Record<string, unknown>): Record<string, unknown> => {
  const { sim: _s, controller: _c, field: _f, ...rest } = m;
  return rest;
};

describeWithNats('a city as 4 regions over NATS JetStream', () => {
  it('grid-8x8 with two emergency vehicles crossing regions, under max-pressure: 4 region processes + the field give byte-identical metrics to the single-process run, pre-emption included; a malformed reading or vehicle message is dead-lettered, never applied', async () => {
    requireBuiltCli();
    const nats = await startNats();
    stops.push(() => nats.stop());
    const url = nats.urls[0]!;
    const file = gridWithEmergencies();
    const args = ['--duration', '300', '--controller', 'max-pressure'];
    const rs = startRegions(url, 4, args, undefined, false, file);
    await rs.ready();
    // garbage on a detector subject before the run (intersection 9's, under its region): counted and terminated
    // by every region that reads that region's readings (its own, its neighbours)
    const g9 = partitionNetwork(prepare(loadScenario('grid-8x8'), { durationS: 300 }).net, 4).regionOf[9]!;
    const nc = await connect({ servers: url });
    const js = jetstream(nc);
    await js.publish(`greenwave.city.det.${g9}.9`, 'not json {');
    await js.publish(`greenwave.city.det.${g9}.9`, JSON.stringify({ hash: 'another-scenario', t: 0, inter: 9, d: [] }));
    // and on the emergency vehicles' subject, which every region reads: a message naming a road the network lacks
    await js.publish('greenwave.city.ev', JSON.stringify({ hash: 'any', t: 0, seq: 0, m: { kind: 'report', rep: { ev: 0, timeMs: 0, road: 1e9, onLink: false, posM: 0, speedMps: 0 }, route: null } }));
    await nc.drain();
    const field = await cli('field', file, '--nats', url, '--regions', '4', '--duration', '300', '--json');
    expect(field.stderr).toBe('');
    expect(field.status).toBe(0);
    const got = JSON.parse(field.stdout) as Record<string, unknown> & { field: { steps: number; decisionsMissing: number; decisionsReplayed: number; readingsPublished: number } };
    const single = await cli('run', file, '--controller', 'max-pressure', '--duration', '300', '--json');
    expect(JSON.stringify(strip(got))).toBe(JSON.stringify(strip(JSON.parse(single.stdout) as Record<string, unknown>)));
    // the regions did pre-empt: without pre-emption both vehicles are slower
    type Ev = { id: string; travelTime: number; delay: number };
    const without = JSON.parse((await cli('run', file, '--controller', 'max-pressure', '--duration', '300', '--json', '--no-preemption')).stdout) as { emergency: Ev[] };
    const evs = (got as unknown as { emergency: Ev[] }).emergency;
    expect(evs.map((e) => e.id)).toEqual(['ambulance-1', 'fire-1']);
    for (const [k, e] of evs.entries()) expect(e.delay, e.id).toBeLessThan(without.emergency[k]!.delay - 30);
    expect((got.field as unknown as { evPublished: number }).evPublished).toBeGreaterThan(200); // a report a second each
    expect(got.field.steps).toBe(300);
    expect(got.field.decisionsMissing).toBe(0);
    expect(got.field.decisionsReplayed).toBeGreaterThan(1000);
    // the scale figures: a step's readings to its last decision, and steps per second of wall clock
    const f = got.field as unknown as Record<string, number>;
    expect(f.latencyMsP50).toBeGreaterThan(0);
    expect(f.latencyMsP99).toBeGreaterThanOrEqual(f.latencyMsP50!);
    expect(f.stepsPerS).toBeCloseTo(300 / f.wallS!, 0);
    for (const d of rs.done) expect((await d).status).toBe(0);
    // every region applied the readings it needs and no other; the two bad messages were dead-lettered by the
    // regions that read region g9's readings (g9 itself among them), and never seen by the others
    let applied = 0;
    const dead: number[] = [];
    let notNeeded = 0;
    for (const l of rs.logs) {
      // (the readings applied count those read from the stream, when the consumer was slow to bring them)
      const m = /the run ended after 300 steps; (\d+) readings applied(?: \(\d+ read from the stream\))?, (\d+) not needed, (\d+) dead-lettered; (\d+) emergency-vehicle messages followed/.exec(l);
      expect(m, l).not.toBeNull();
      applied += Number(m![1]);
      notNeeded += Number(m![2]);
      dead.push(Number(m![3]));
      // every region followed every vehicle message the field stored
      expect(Number(m![4])).toBe((got.field as unknown as { evPublished: number }).evPublished);
    }
    // the bad vehicle message by every region, the two bad readings by those that read region g9's
    expect(dead[g9]).toBe(3);
    expect(dead.every((d) => d === 1 || d === 3), JSON.stringify(dead)).toBe(true);
    // each region read only its own and its neighbours' readings: fewer than the whole city's, region by region
    expect(applied + notNeeded).toBeLessThan(4 * got.field.readingsPublished);
    // each reading the field published (and the stream acknowledged) was applied by every region that needs it
    expect(applied).toBeGreaterThanOrEqual(got.field.readingsPublished);
  }, 240_000);

  it('failover on a three-node R3 cluster: the primary of a region is killed mid-run; its hot standby answers within 2 × TTL and the run, emergency vehicles and their pre-emption included, is the same as without the kill', async () => {
    const file = gridWithEmergencies();
    requireBuiltCli();
    const nats = await startNats(3);
    stops.push(() => nats.stop());
    const url = nats.urls.join(',');
    const args = ['--duration', '200', '--controller', 'max-pressure', '--lease-ttl', '3', '--replicas', '3'];
    const rs = startRegions(url, 4, args, undefined, false, file);
    await rs.ready();
    // the standby starts once region 1's primary holds the lease (on a loaded machine the cluster may take seconds to elect)
    for (let i = 0; i < 600 && !/holds the lease/.test(rs.logs[1]!); i++) await new Promise((r) => setTimeout(r, 50));
    expect(rs.logs[1]).toMatch(/primary-\d+ holds the lease/);
    const sb = startRegions(url, 4, args, [1], true, file);
    await sb.ready();
    await new Promise((r) => setTimeout(r, 3500)); // past its first look at the lease
    const fieldRun = cli('field', file, '--nats', url, '--regions', '4', '--duration', '200', '--replicas', '3', '--timeout', '20', '--json');
    const logs = (): string => [...rs.logs, ...sb.logs].join('\n');
    // region 1 reaches t = 60 s, unless the field ended before (then its error says why)
    const first = await reachedBeforeFieldEnds(url, 1, 60, fieldRun);
    expect(first, `${first}\n${logs()}`).toBe('reached');
    rs.kills[1]!(); // region 1's primary, a third of the way in
    const field = await fieldRun;
    expect(field.status, `${field.stderr}\n${logs()}`).toBe(0);
    const got = JSON.parse(field.stdout) as FieldJson;
    expect(got.field.steps).toBe(200);
    expect(got.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    expect(got.field.maxStepWaitMs, `the longest step waited ${got.field.maxStepWaitMs} ms (bound 2 × TTL)\n${logs()}`).toBeLessThan(6000); // the standby answered within 2 × TTL
    // the standby ends with the field's end, or by itself shortly after its last step
    const ended = await Promise.race([sb.done[0]!.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
    expect(ended, `the standby did not end within 30 s of the field\n${logs()}`).toBe(true);
    const standby = sb.logs[0]!;
    expect(standby).toMatch(/standby-\d+ holds the lease/);
    const published = Number(/(\d+) steps published/.exec(standby)?.[1] ?? 0);
    expect(published, `the standby published ${published} steps: it never took over\n${logs()}`).toBeGreaterThan(0); // it took over …
    expect(published, `the standby published ${published} steps: it was primary from the start\n${logs()}`).toBeLessThan(200); // … during the run
    // the standby ran in step: every reading it needed was applied, and the result is the run without the kill
    expect(standby).toMatch(/the run ended after 200 steps; \d+ readings applied/);
    const single = await cli('run', file, '--controller', 'max-pressure', '--duration', '200', '--json');
    expect(JSON.stringify(strip(got))).toBe(JSON.stringify(strip(JSON.parse(single.stdout) as Record<string, unknown>)));
    expect((got as unknown as { emergency: unknown[] }).emergency).toHaveLength(2);
  }, 240_000);

  it('losing a NATS node: on a three-node R3 cluster the node that leads the readings stream is killed mid-run; the run completes, safely, the same as without the loss', async () => {
    requireBuiltCli();
    const nats = await startNats(3);
    stops.push(() => nats.stop());
    const url = nats.urls.join(',');
    const args = ['--duration', '200', '--controller', 'max-pressure', '--replicas', '3'];
    const rs = startRegions(url, 4, args);
    await rs.ready();
    const fieldRun = cli('field', 'grid-8x8', '--nats', url, '--regions', '4', '--duration', '200', '--replicas', '3', '--timeout', '30', '--json');
    const logs = (): string => rs.logs.join('\n');
    const first = await reachedBeforeFieldEnds(url, 1, 60, fieldRun);
    expect(first, `${first}\n${logs()}`).toBe('reached');
    // the node that leads the readings stream (the most to recover: a new stream leader, consumers' leaders, every client on it)
    const nc = await connect({ servers: nats.urls });
    const leader = (await (await jetstreamManager(nc)).streams.info('GREENWAVE_city_DET')).cluster?.leader;
    await nc.close();
    const k = Math.max(0, ['n0', 'n1', 'n2'].indexOf(leader ?? 'n0'));
    nats.nodes[k]!.kill();
    const field = await fieldRun;
    expect(field.status, `${field.stderr}\n${logs()}`).toBe(0);
    const got = JSON.parse(field.stdout) as FieldJson;
    expect(got.field.steps).toBe(200);
    expect(got.field.decisionsMissing).toBe(0);
    expect(got.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    // every region applied every reading it needed (none lost with the node) and ended with the field
    const ends = await Promise.all(rs.done);
    expect(ends.map((e) => e.status), logs()).toEqual([0, 0, 0, 0]);
    for (const l of rs.logs) expect(l).toMatch(/the run ended after 200 steps/);
    const single = await cli('run', 'grid-8x8', '--controller', 'max-pressure', '--duration', '200', '--json');
    expect(JSON.stringify(strip(got)), logs()).toBe(JSON.stringify(strip(JSON.parse(single.stdout) as Record<string, unknown>)));
  }, 240_000);

  it('serve --nats: one read-only view of the whole city, showing at every step what the regions show (the single-process run\'s states, pre-emption included), with their detector readings, timing plans, pre-emption events, emergency vehicles and traffic figures and which regions it hears', async () => {
    requireBuiltCli();
    const nats = await startNats();
    stops.push(() => nats.stop());
    const url = nats.urls[0]!;
    const file = gridWithEmergencies();
    // fixed: every signal runs on a timing plan, which the regions put in the plans bucket
    const args = ['--duration', '120', '--controller', 'fixed'];
    const rs = startRegions(url, 4, args, undefined, false, file);
    await rs.ready();
    const dir = mkdtempSync(join(tmpdir(), 'greenwave-view-'));
    writeFileSync(join(dir, 'token'), TOKEN);
    const v = await startView(url, ['--token-file', join(dir, 'token')], file);
    const vlog = v.log();
    expect(v.port, vlog).toBeDefined();
    expect(vlog).toMatch(/mode city/);
    const c = new TestClient(`ws://127.0.0.1:${v.port}/ws`);
    stops.push(() => c.close());
    await c.open();
    c.send({ type: 'subscribe', id: 's', topics: ['states', 'queues', 'metrics', 'plans', 'emergency'] });
    await c.next((f) => f.type === 'subscribed');
    const fieldRun = cli('field', file, '--nats', url, '--regions', '4', '--duration', '120', '--json');
    // region 1 stopped for 2.5 s mid-run: the view passes its step on after a second, naming it late
    expect(await reachedBeforeFieldEnds(url, 1, 40, fieldRun)).toBe('reached');
    rs.signals[1]!('SIGSTOP');
    await new Promise((r) => setTimeout(r, 2500));
    rs.signals[1]!('SIGCONT');
    const field = await fieldRun;
    expect(field.status, field.stderr).toBe(0);
    const seen = (): string => `${v.log()}\n${JSON.stringify(c.frames.map((f) => [f.type, f.t]).slice(-20))}`;
    // (a step the view passed on without a slow region's answer names it in `late`, and is sent again when that answer comes)
    const last = await c.next((f) => f.type === 'state' && f.t === 119 && f.late === undefined, 10_000).catch((e: Error) => expect.fail(`${e.message}: ${seen()}`));
    // the single-process run's signals after the same 120 steps
    const p = prepare(loadScenario(file), { durationS: 120 });
    const sim = createSimulation(p, 'fixed', { eventLog: false });
    const preempted: string[] = [];
    sim.cabinet.preemption.listener = (e) => preempted.push(`${e.tMs / 1000} ${e.code} ${p.net.intersectionIds[e.inter]} ${e.vehicle}`);
    const states = new Map<number, { phases: number[]; stages: number[] }>();
    const traffic = new Map<number, string>();
    const sig: number[] = [];
    for (let i = 0; i < p.net.nInter; i++) if (sim.signals.phaseCount(i) > 0) sig.push(i);
    while (!sim.done) {
      const t = sim.nowMs;
      traffic.set(t / 1000, JSON.stringify(sim.traffic()));
      sim.step();
      states.set(t / 1000, { phases: sig.map((i) => sim.signals.phaseOf(i)), stages: sig.map((i) => sim.signals.stageOf(i)) });
    }
    expect({ phases: last.phases, stages: last.stages }).toEqual(states.get(119));
    // every complete state frame the view sent is the single-process state of its step; one passed on early names the regions it lacks
    const frames = c.frames.filter((f): f is Frame & { t: number; phases: number[]; stages: number[]; recvAt: number; late?: number[] } => f.type === 'state');
    const complete = frames.filter((f) => f.late === undefined);
    expect(complete.length, `${frames.length - complete.length} frames passed on early`).toBeGreaterThan(60);
    for (const f of complete) expect({ phases: f.phases, stages: f.stages }, `t = ${f.t}`).toEqual(states.get(f.t));
    const early = frames.filter((f) => f.late);
    expect(early.some((f) => f.late!.includes(1)), `${seen()}`).toBe(true);
    for (const f of early) expect(f.late!.length > 0 && f.late!.every((k) => k >= 0 && k < 4), `t = ${f.t}`).toBe(true);
    // and the step is sent again, complete, once the region answers it
    const stalled = early.find((f) => f.late!.includes(1))!;
    expect(complete.some((f) => f.t === stalled.t && f.recvAt > stalled.recvAt), `t = ${stalled.t}`).toBe(true);
    // the pre-emption events the regions' signals had, each once: those of the single-process run (the order within a step aside)
    const evFrames = c.frames.filter((f) => f.type === 'emergency');
    const shown = evFrames.flatMap((f) => (f.events as Array<{ t: number; code: number; inter: string; vehicle: string }>).map((e) => `${e.t} ${e.code} ${e.inter} ${e.vehicle}`));
    expect(preempted.some((e) => / 105 i_3_\d ambulance-1$/.test(e)), preempted.join('\n')).toBe(true);
    expect(shown.sort()).toEqual([...preempted].sort());
    // and the vehicles on the road, on the routes the field's dispatcher gave them
    const onRoad = evFrames[evFrames.length - 1]!.vehicles as Array<{ id: string; route: string[] }>;
    expect(onRoad.map((x) => x.id).sort()).toEqual(['ambulance-1', 'fire-1']);
    const traces = sim.cabinet.preemption.activeVehicles();
    for (const x of onRoad) expect(x.route).toEqual(traces.find((y) => y.id === x.id)!.roads.map((r) => p.net.roadIds[r]));
    // queues from the readings the field published: vehicles stood at some time
    expect(c.frames.some((f) => f.type === 'queues' && (f.halting as number[]).some((q) => q > 0))).toBe(true);
    const m = await c.next((f) => f.type === 'metrics' && (f.t as number) >= 100 && (f.city as { regions: Array<{ t: number }> }).regions.every((r) => r.t === f.t), 10_000).catch((e: Error) => expect.fail(`${e.message}: ${seen()}`));
    expect((m.city as { readings: number }).readings).toBeGreaterThan(1000);
    expect(m.mode).toBe('city');
    // the field's traffic figures, as the single-process run had them at the start of that step or the next
    const tr = JSON.stringify(m.traffic);
    expect([traffic.get(m.t as number), traffic.get((m.t as number) + 1)], tr).toContain(tr);
    // every signal's timing plan, as the single-process controller has it
    const set = sim.controller.timingPlans!()!;
    const want = sig.map((i) => {
      const pl = set.plan(i)!;
      return { inter: p.net.intersectionIds[i], cycleS: pl.cycleMs / 1000, offsetS: pl.offsetMs / 1000, phases: pl.phases.map((x) => ({ phase: x.phase, startS: x.startMs / 1000, greenS: x.greenMs / 1000 })) };
    });
    const plans = [...c.frames].reverse().find((f) => f.type === 'plans' && (f.plans as unknown[]).length === sig.length);
    expect(plans?.plans, `${seen()} plans frames: ${JSON.stringify(c.frames.filter((f) => f.type === "plans").map((f) => [f.t, (f.plans as unknown[]).length]))}`).toEqual(want);
    // read-only: even with the token, writes are refused with a reason
    c.send({ type: 'auth', token: TOKEN, id: 'a' });
    await c.next((f) => f.type === 'auth-ok');
    c.send({ type: 'override', id: 'o', intersection: 'i_1_1', phase: 1, durationS: 30 });
    const err = await c.next((f) => f.type === 'error' && f.ref === 'o');
    expect(err.code).toBe('not-accepted');
    expect(String(err.message)).toMatch(/read-only view of a city/);
    // a view started after the run begins from the regions' last answers in the states bucket
    const late = await startView(url, [], file);
    const c2 = new TestClient(`ws://127.0.0.1:${late.port}/ws`);
    stops.push(() => c2.close());
    await c2.open();
    c2.send({ type: 'subscribe', topics: ['states', 'plans'] });
    const first = await c2.next((f) => f.type === 'state');
    expect(first.t, late.log()).toBe(119);
    expect({ phases: first.phases, stages: first.stages }).toEqual(states.get(119));
    // and its plans from the plans bucket
    expect((await c2.next((f) => f.type === 'plans')).plans).toEqual(want);
  }, 180_000);

  it('a cold standby (--resume) started after a region\'s primary died takes over from the states bucket: the run completes, safely, within ±3 % of the single-process run, and goes on pre-empting for the emergency vehicles already on the road', async () => {
    const file = gridWithEmergencies();
    requireBuiltCli();
    const nats = await startNats();
    stops.push(() => nats.stop());
    const url = nats.urls[0]!;
    const args = ['--duration', '200', '--controller', 'max-pressure'];
    const rs = startRegions(url, 4, args, undefined, false, file);
    await rs.ready();
    const fieldRun = cli('field', file, '--nats', url, '--regions', '4', '--duration', '200', '--timeout', '20', '--json');
    const first = await reachedBeforeFieldEnds(url, 1, 60, fieldRun);
    expect(first, rs.logs.join('\n')).toBe('reached');
    rs.kills[1]!();
    const cold = startRegions(url, 4, [...args, '--resume'], [1], false, file);
    const field = await fieldRun;
    const logs = (): string => [...rs.logs, ...cold.logs].join('\n');
    expect(field.status, `${field.stderr}\n${logs()}`).toBe(0);
    const got = JSON.parse(field.stdout) as FieldJson & { travelTime: { mean: number } };
    expect(got.field.steps).toBe(200);
    // the field's own signal layer and conflict monitor: nothing conflicting, no green or clearance cut short at the takeover
    expect(got.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    const ended = await Promise.race([cold.done[0]!.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
    expect(ended, logs()).toBe(true);
    const resumedAt = Number(/resuming after t = (\d+) s from the states bucket/.exec(cold.logs[0]!)?.[1]);
    expect(resumedAt, logs()).toBeGreaterThanOrEqual(60);
    expect(cold.logs[0]).toMatch(/resumed-\d+ holds the lease/);
    // it ran every step after the answer it resumed from (the first ones possibly before it held the lease)
    expect(Number(/the run ended after (\d+) steps/.exec(cold.logs[0]!)?.[1] ?? 0), logs()).toBe(200 - 1 - resumedAt);
    expect(Number(/(\d+) steps published/.exec(cold.logs[0]!)?.[1] ?? 0)).toBeGreaterThan(200 - 10 - resumedAt);
    const single = JSON.parse((await cli('run', file, '--controller', 'max-pressure', '--duration', '200', '--json')).stdout) as { travelTime: { mean: number }; emergency: Array<{ delay: number }> };
    expect(Math.abs(got.travelTime.mean / single.travelTime.mean - 1)).toBeLessThanOrEqual(0.03);
    // it followed every vehicle message stored before it started as well as after (the ambulance drove through region 1 from about t = 30 s)
    expect(Number(/(\d+) emergency-vehicle messages followed/.exec(cold.logs[0]!)?.[1] ?? 0), logs()).toBe((got.field as unknown as { evPublished: number }).evPublished);
    const evs = (got as unknown as { emergency: Array<{ id: string; delay: number }> }).emergency;
    expect(evs.map((e) => e.id)).toEqual(['ambulance-1', 'fire-1']);
    for (const [k, e] of evs.entries()) expect(e.delay, e.id).toBeLessThanOrEqual(single.emergency[k]!.delay + 10);
  }, 240_000);

  it('a region started on another scenario is refused with a clear message, and the field stops with it', async () => {
    requireBuiltCli();
    const nats = await startNats();
    stops.push(() => nats.stop());
    const url = nats.urls[0]!;
    const other = region(['grid-8x8', '--nats', url, '--regions', '1', '--index', '0', '--duration', '300', '--seed', '7']);
    await new Promise((r) => setTimeout(r, 1500));
    const field = await cli('field', 'grid-8x8', '--nats', url, '--regions', '1', '--duration', '300', '--timeout', '5');
    const r = await other;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the field runs another scenario .*start every process with the same scenario, seed and duration/);
    expect(field.status).toBe(1);
    expect(field.stderr.trim().split('\n')).toHaveLength(1);
    expect(field.stderr).toMatch(/no decisions for t = 0 s from 1 of 1 regions within 5 s/);
  }, 120_000);

  it('--realtime keeps the wall clock: with one of four regions silent the field goes on at each step\'s time, its signals keeping what they show, and counts the late steps', async () => {
    requireBuiltCli();
    const nats = await startNats();
    stops.push(() => nats.stop());
    const url = nats.urls[0]!;
    const rs = startRegions(url, 4, ['--duration', '60'], [0, 1, 2]); // region 3 never starts
    await rs.ready();
    const t0 = Date.now();
    const field = await cli('field', 'grid-8x8', '--nats', url, '--regions', '4', '--duration', '60', '--realtime', '--speed', '10', '--json');
    const wallS = (Date.now() - t0) / 1000;
    expect(field.stderr).toBe('');
    expect(field.status).toBe(0);
    const got = JSON.parse(field.stdout) as FieldJson & { field: { realtimeSpeed: number; lateSteps: number; decisionsReplayed: number; wallS: number } };
    expect(got.field.steps).toBe(60);
    expect(got.field.realtimeSpeed).toBe(10);
    // 60 simulated s at 10 × real time: about 6 s of wall clock, not faster
    expect(got.field.wallS).toBeGreaterThanOrEqual(5.9);
    expect(wallS).toBeLessThan(30);
    // every step waited for region 3 only until the next step's time, then went on without it
    expect(got.field.lateSteps).toBeGreaterThanOrEqual(55);
    expect(got.field.decisionsMissing).toBeGreaterThan(0);
    expect(got.field.decisionsReplayed).toBeGreaterThan(0);
    expect(got.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    // without --realtime, --speed is bad usage
    const bad = await cli('field', 'grid-8x8', '--nats', url, '--regions', '4', '--speed', '10');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--speed needs --realtime/);
  }, 120_000);
});
