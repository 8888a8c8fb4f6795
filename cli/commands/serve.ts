import { readFileSync } from 'node:fs';
import { CONTROLLER_NAMES } from '../../engine/controllers/index.js';
import { GreenwaveServer, type ServiceMode } from '../../engine/server/index.js';
import { liveCharts } from '../../report/index.js';
import { InputError } from '../../scenarios/errors.js';
import { createService, prepare } from '../../sim/index.js';
import { controllerName, durationOption, intOption, parse, positiveOption, UsageError } from '../args.js';
import { scenarioFromArgs } from '../scenarioArgs.js';
import { cityService } from './distributed.js';

export const SERVE_HELP = `Usage: greenwave serve [SCENARIO] [options]

The live service: one WebSocket endpoint (/ws) and the dashboard page (/) on
one port (docs/PROTOCOL.md). Clients subscribe to signal states, timing plans
and decisions, queues, metrics and emergency events; clients with the token
push detector data and emergency requests.

SCENARIO (default: default) gives the network, and in the built-in simulator
also the demand.

Options:
  --port P            TCP port (default 8080; 0 picks a free one)
  --host H            address to listen on (default 127.0.0.1)
  --clock C           realtime (default): the engine runs in wall-clock time,
                      on the built-in simulator or, with --field, on detector
                      data from clients; external: co-simulation, each "step"
                      message brings the observations for time t and is
                      answered with the signals to show from t on
  --field             realtime without the simulator: detector data comes
                      from clients
  --speed X           realtime: simulated seconds per second (default 1)
  --controller NAME   ${CONTROLLER_NAMES.join(', ')} (default: adaptive)
  --token-file F      file holding the bearer token for writes (or set
                      GREENWAVE_TOKEN); without one, writes are refused
  --reads-need-token  subscriptions, the network (also GET /network.json)
                      and the health figures need the token too
  --allowed-origin O  a web page origin (scheme://host[:port]) that may open
                      the WebSocket, besides the dashboard's own; repeatable.
                      Without it, any origin may (reads are open by default)
  --max-per-address N connections at once from one address (default 256)
  --no-preemption     emergency vehicles get no green wave
  --nats URL --regions N [--city NAME]   no simulator and no controller: a
                      read-only view of the city run as N regions over NATS
                      (greenwave region / field, docs/DISTRIBUTED.md); give
                      the scenario, --seed and --duration its processes have
  --seed N, --duration S, --cityflow, --sumo CFG   as for run
  -h, --help          this help

Exit codes: 0 stopped by a signal, 1 runtime failure, 2 bad input or usage.
`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    clock: { type: 'string' },
    field: { type: 'boolean' },
    speed: { type: 'string' },
    controller: { type: 'string' },
    'token-file': { type: 'string' },
    'reads-need-token': { type: 'boolean' },
    'allowed-origin': { type: 'string', multiple: true },
    'max-per-address': { type: 'string' },
    'no-preemption': { type: 'boolean' },
    seed: { type: 'string' },
    duration: { type: 'string' },
    cityflow: { type: 'boolean' },
    sumo: { type: 'string' },
    nats: { type: 'string' },
    regions: { type: 'string' },
    city: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const port = intOption('serve', 'port', values.port) ?? 8080;
  if (port > 65535) throw new UsageError('serve', `--port must be 0 … 65535, got ${port}`);
  const clock = (values.clock as string | undefined) ?? 'realtime';
  if (clock !== 'realtime' && clock !== 'external') throw new UsageError('serve', `--clock must be realtime or external, got "${clock}"`);
  if (values.field && clock === 'external') throw new UsageError('serve', '--field is for --clock realtime (the external clock always takes data from its client)');
  const mode: ServiceMode = clock === 'external' ? 'external' : values.field ? 'field' : 'sim';
  const speed = positiveOption('serve', 'speed', values.speed) ?? 1;
  const controller = (values.controller as string | undefined) ?? 'adaptive';
  controllerName('--controller', controller);
  let token: string | undefined;
  const tf = values['token-file'] as string | undefined;
  if (tf !== undefined) {
    try {
      token = readFileSync(tf, 'utf8').trim();
    } catch (e) {
      throw new InputError(tf, '', `cannot read the token file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (token.length < 16) throw new InputError(tf, '', 'the token must be at least 16 characters');
  } else if (process.env.GREENWAVE_TOKEN) token = process.env.GREENWAVE_TOKEN.trim();
  const readsNeedToken = values['reads-need-token'] === true;
  if (readsNeedToken && !token) throw new UsageError('serve', '--reads-need-token needs a token (--token-file or GREENWAVE_TOKEN)');
  const allowedOrigins = (values['allowed-origin'] as string[] | undefined) ?? [];
  for (const o of allowedOrigins) if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new UsageError('serve', `--allowed-origin must be scheme://host[:port] with no path, got "${o}"`);
  const maxPerAddress = intOption('serve', 'max-per-address', values['max-per-address'], 1);
  const seed = intOption('serve', 'seed', values.seed);
  const durationS = durationOption('serve', values.duration);
  const log = (line: string): void => void process.stderr.write(`greenwave serve: ${line}\n`);
  let service;
  let city: Awaited<ReturnType<typeof cityService>> | undefined;
  if (values.nats !== undefined) {
    if (values.field || values.clock !== undefined) throw new UsageError('serve', '--nats takes no --clock or --field: the regions and the field keep the time');
    city = await cityService(values, positionals, log);
    service = city.service;
  } else {
    const sumo = values.sumo as string | undefined;
    const source = scenarioFromArgs('serve', positionals.length || sumo !== undefined ? positionals : ['default'], values.cityflow === true, durationS, sumo);
    const p = prepare(source, { seed, durationS, spareEmergency: mode === 'sim' ? 16 : 0 });
    service = createService(p, { controller, mode, preemption: values['no-preemption'] !== true });
  }
  // the dashboard's PCD and split monitor, from the simulator's live event log (the last hour)
  const events = service.cabinet.eventLog;
  const charts = mode === 'sim' && !city && events ? liveCharts(service.net, events, service.controllerName) : undefined;
  const limits = maxPerAddress !== undefined ? { maxPerAddress } : {};
  const server = new GreenwaveServer({ service, port, host: (values.host as string | undefined) ?? '127.0.0.1', token, readsNeedToken, allowedOrigins, clock: city ? 'nats' : clock, speed, limits, log, ...(charts ? { charts } : {}) });
  city?.onStep(() => server.broadcast(true));
  const bound = await server.listen();
  log(`http://${(values.host as string | undefined) ?? '127.0.0.1'}:${bound}/ (WebSocket /ws) · ${service.signalIds.length} signals · mode ${service.mode} · controller ${service.controllerName} · writes ${token ? 'need the token' : 'disabled (no token)'} · reads ${readsNeedToken ? 'need the token' : 'open'}${allowedOrigins.length ? ` from ${allowedOrigins.join(', ')}` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await city?.feed.close();
  return 0;
}
