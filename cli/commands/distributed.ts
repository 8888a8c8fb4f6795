import { partitionNetwork } from '../../engine/distributed/partition.js';
import { RegionEngine } from '../../engine/distributed/region.js';
import { applyReadings, scenarioHash } from '../../engine/distributed/wire.js';
import { CityFeed } from '../../engine/distributed/view.js';
import { Service } from '../../engine/server/index.js';
import { CONTROLLER_NAMES } from '../../engine/controllers/index.js';
import { prepare, type Prepared } from '../../sim/index.js';
import { runField } from '../../sim/field.js';
import { controllerName, durationOption, intOption, parse, UsageError, positiveOption } from '../args.js';
import { runSummary } from '../format.js';
import { scenarioFromArgs } from '../scenarioArgs.js';

const COMMON = `  --nats URL          the NATS server(s), comma-separated (nats://host:4222)
  --regions N         the number of regions (greenwave partition)
  --city NAME         the city's name in subjects and streams (default city)
  --replicas N        replicas of the stream and buckets (3 on a three-node
                      JetStream cluster; default 1)
  --seed N, --duration S, --cityflow, --sumo CFG   as for run: every process
                      of a city must be started with the same ones`;

export const REGION_HELP = `Usage: greenwave region SCENARIO --nats URL --regions N --index K [options]

Runs the engine for region K of SCENARIO's signals (0 … N−1, as greenwave
partition makes them): reads the detector readings of its intersections and
their neighbours from JetStream, steps when the field announces a step, and
publishes its signals' decisions and states (docs/DISTRIBUTED.md). Runs until
the field ends the run.

Options:
${COMMON}
  --index K           this region
  --standby           a hot standby for region K: runs in step with the
                      primary and takes over when its lease lapses
  --resume            a cold standby for region K, started after its primary
                      died: begins from the region's last answer in the
                      states bucket (each signal's green or clearance served
                      in full again), then takes the lease
  --lease-ttl S       seconds a region's lease lives without renewal
                      (default 2); a standby takes over within about that
  --controller NAME   ${CONTROLLER_NAMES.join(', ')} (default: max-pressure)
  -h, --help          this help

Exit codes: 0 the run ended, 1 runtime failure, 2 bad input or usage.
`;

export const FIELD_HELP = `Usage: greenwave field SCENARIO --nats URL --regions N [options]

Runs the built-in simulator as the city of N regions over NATS: publishes each
step's detector readings (JetStream), waits for every region's decisions for
that step (lock-step), shows them, and prints the run's metrics at the end
(docs/DISTRIBUTED.md).

Options:
${COMMON}
  --timeout S         seconds to wait for the regions' decisions for one step
                      (default 30)
  --realtime          keep the wall clock instead of lock-step: step t begins
                      at t / speed s, and a region that has not answered by the
                      next step's time is not waited for (its signals keep what
                      they show; the step counts as late). Not reproducible
  --speed X           with --realtime: simulated seconds per second (default 1)
  --json              the metrics as one JSON object on stdout
  -h, --help          this help

Exit codes: 0 ok, 1 runtime failure (a silent region), 2 bad input or usage.
`;

const OPTIONS = {
  nats: { type: 'string' },
  replicas: { type: 'string' },
  regions: { type: 'string' },
  city: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  cityflow: { type: 'boolean' },
  sumo: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function common(cmd: string, values: Record<string, string | boolean | undefined>, positionals: string[]): { p: Prepared; servers: string[]; regions: number; city: string; hash: string; replicas: number } {
  const url = values.nats as string | undefined;
  if (!url) throw new UsageError(cmd, '--nats URL is required');
  const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of servers) if (!/^(nats|tls):\/\/[^\s/]+$|^[^\s/:]+:\d+$/.test(s)) throw new UsageError(cmd, `--nats must be nats://host:port (comma-separated), got "${s}"`);
  const regions = intOption(cmd, 'regions', values.regions, 1);
  if (regions === undefined) throw new UsageError(cmd, '--regions N is required');
  const replicas = intOption(cmd, 'replicas', values.replicas, 1) ?? 1;
  if (replicas > 5) throw new UsageError(cmd, `--replicas must be 1 … 5, got ${replicas}`);
  const city = (values.city as string | undefined) ?? 'city';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(city)) throw new UsageError(cmd, `--city must be 1–64 letters, digits, _ or -, got "${city}"`);
  const seed = intOption(cmd, 'seed', values.seed);
  const durationS = durationOption(cmd, values.duration);
  if (!positionals.length && values.sumo === undefined) throw new UsageError(cmd, `needs a SCENARIO; see greenwave ${cmd} --help`);
  const source = scenarioFromArgs(cmd, positionals, values.cityflow === true, durationS, values.sumo as string | undefined);
  const p = prepare(source, { seed, durationS });
  return { p, servers, regions, city, replicas, hash: scenarioHash(p.net, `${p.seed}|${p.durationS}|${regions}`) };
}

export async function regionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('region', argv, { ...OPTIONS, index: { type: 'string' }, controller: { type: 'string' }, standby: { type: 'boolean' }, resume: { type: 'boolean' }, 'lease-ttl': { type: 'string' } });
  if (values.help) {
    process.stdout.write(REGION_HELP);
    return 0;
  }
  const controller = (values.controller as string | undefined) ?? 'max-pressure';
  controllerName('--controller', controller);
  const c = common('region', values, positionals);
  const index = intOption('region', 'index', values.index, 0);
  if (index === undefined || index >= c.regions) throw new UsageError('region', `--index must be 0 … ${c.regions - 1}`);
  const ttl = values['lease-ttl'] !== undefined ? Number(values['lease-ttl']) : 2;
  if (!(ttl >= 0.2 && ttl <= 600)) throw new UsageError('region', `--lease-ttl must be seconds, 0.2 … 600, got "${String(values['lease-ttl'])}"`);
  if (values.standby && values.resume) throw new UsageError('region', '--standby (hot, started with the primary) and --resume (cold, started after it died) are two kinds of standby: give one');
  const part = partitionNetwork(c.p.net, c.regions);
  const log = (l: string): void => void process.stderr.write(`greenwave region: ${l}\n`);
  const r = new RegionEngine({ net: c.p.net, router: c.p.router, controller, regionOf: part.regionOf, index, servers: c.servers, city: c.city, hash: c.hash, standby: values.standby === true, resume: values.resume === true, leaseTtlMs: ttl * 1000, replicas: c.replicas, steps: Math.ceil((c.p.durationS * 1000) / c.p.net.stepMs), log });
  await r.start();
  await r.wait();
  log(`region ${index}: the run ended after ${r.counts.steps} steps; ${r.counts.readingsApplied} readings applied${r.counts.readFromStream ? ` (${r.counts.readFromStream} read from the stream)` : ''}, ${r.counts.readingsIgnored} not needed, ${r.counts.deadLettered} dead-lettered; ${r.counts.evApplied} emergency-vehicle messages followed; ${r.counts.published} steps published`);
  return 0;
}

export async function fieldCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('field', argv, { ...OPTIONS, timeout: { type: 'string' }, realtime: { type: 'boolean' }, speed: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(FIELD_HELP);
    return 0;
  }
  const c = common('field', values, positionals);
  const timeout = values.timeout !== undefined ? Number(values.timeout) : 30;
  if (!(timeout > 0 && timeout <= 3600)) throw new UsageError('field', `--timeout must be seconds, 0 … 3600, got "${String(values.timeout)}"`);
  if (values.speed !== undefined && values.realtime !== true) throw new UsageError('field', '--speed needs --realtime (in lock-step the field runs as fast as the regions answer)');
  const speed = values.realtime === true ? (positiveOption('field', 'speed', values.speed) ?? 1) : undefined;
  if (speed !== undefined && speed > 1000) throw new UsageError('field', `--speed must be at most 1000, got ${speed}`);
  const r = await runField(c.p, { servers: c.servers, city: c.city, hash: c.hash, regions: c.regions, regionOf: partitionNetwork(c.p.net, c.regions).regionOf, timeoutMs: timeout * 1000, replicas: c.replicas, ...(speed !== undefined ? { realtime: { speed } } : {}) });
  if (values.json === true) process.stdout.write(JSON.stringify({ ...r.metrics, field: r.field }) + '\n');
  else {
    const f = r.field;
    process.stdout.write(`${runSummary(r.metrics).replace(/^greenwave run/, 'greenwave field')}\n${f.steps} steps ${f.realtimeSpeed === null ? 'in lock-step' : `in real time × ${f.realtimeSpeed} (${f.lateSteps} late)`} with ${c.regions} regions: ${f.readingsPublished} readings published (stored), ${f.decisionsReplayed} decisions shown, ${f.decisionsMissing} missing; waited ${(f.waitedMs / 1000).toFixed(1)} s for the regions (longest step ${f.maxStepWaitMs} ms); ${f.stepsPerS} steps/s, a step's readings to its last decision p50 ${f.latencyMsP50} ms, p99 ${f.latencyMsP99} ms\n`);
  }
  return 0;
}

/**
 * `greenwave serve SCENARIO --nats URL --regions N`: the service in city mode,
 * fed by the city's subjects (engine/distributed/view.ts). `broadcast` is
 * called after each step the regions completed (set once the server exists).
 */
export async function cityService(values: Record<string, string | boolean | string[] | undefined>, positionals: string[], log: (line: string) => void): Promise<{ service: Service; feed: CityFeed; onStep: (f: () => void) => void }> {
  const c = common('serve', values as Record<string, string | boolean | undefined>, positionals.length ? positionals : ['default']);
  let broadcast = (): void => {};
  let feed: CityFeed | undefined;
  const service = new Service({ mode: 'city', net: c.p.net, router: c.p.router, controller: 'distributed', extraMetrics: () => ({ city: { name: c.city, ...feed!.status() } }) });
  feed = new CityFeed({
    servers: c.servers,
    city: c.city,
    hash: c.hash,
    regions: c.regions,
    net: c.p.net,
    onStates: (t, states) => service.mirror(t, states),
    onReadings: (r) => void applyReadings(r, service.cabinet.detectors),
    onPlan: (pl) => {
      if (pl.inter >= 0 && pl.inter < c.p.net.nInter) service.cityPlans.set(pl.inter, { cycleMs: pl.cycleMs, offsetMs: pl.offsetMs, phases: pl.phases.map(([phase, startMs, greenMs]) => ({ phase, startMs, greenMs })) });
    },
    onTraffic: (_t, tr) => (service.cityTraffic = tr),
    // the vehicles on the road, on the routes the field's dispatcher gave them (one dispatched before the view started is passed over)
    onEv: (m) => service.preemption.follow(m),
    onEvents: (events) => service.mirrorEvents(events),
    onStep: (_t, late) => {
      service.cityLate = late;
      broadcast();
    },
    log,
  });
  await feed.start();
  return { service, feed, onStep: (f) => (broadcast = f) };
}
