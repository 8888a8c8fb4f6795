#!/usr/bin/env node
/**
 * The greenwave command. Exit codes: 0 ok, 1 runtime failure, 2 bad input or
 * usage. Input errors print one line naming the file, JSON path and reason;
 * no stack trace unless GREENWAVE_DEBUG=1.
 */
import { InputError } from '../scenarios/errors.js';
import { UsageError } from './args.js';

// Each command's module is loaded only when it is run: a command does not pay
// for the others' dependencies (NATS clients, the bench, the SUMO importer)
// at start-up, which is most of a short run's time.

const HELP = `greenwave — adaptive traffic signal control engine and microsimulation

Usage: greenwave <command> [options]

Commands:
  run SCENARIO        simulate a scenario under one controller
  compare SCENARIO    several controllers on the same demand and seed
  sweep SCENARIO[,…]  many runs in parallel: scenarios × controllers × seeds,
                      with means, 95 % intervals and paired differences
  import cityflow ROADNET FLOW -o OUT
                      convert CityFlow files into a greenwave scenario
  import sumo NET [ROUTES...] | CFG -o OUT
                      convert SUMO files into a greenwave scenario
  sumo CFG            drive SUMO itself with greenwave's engine (TraCI)
  serve [SCENARIO]    the live WebSocket service and dashboard
  partition SCENARIO --regions N
                      split the signals into N connected regions, cutting
                      the least flow (for running the city over NATS)
  region SCENARIO --nats URL --regions N --index K
                      the engine of one region, over NATS JetStream
  field SCENARIO --nats URL --regions N
                      the built-in simulator as the city of those regions
  bench               the benchmark suite

Run "greenwave <command> --help" for the options of a command.
SCENARIO is a scenario JSON file or a built-in name: default, single,
arterial-N, grid-RxC; or, with --cityflow, a CityFlow ROADNET and FLOW file;
or, with --sumo CFG, a SUMO configuration.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return (await import('./commands/run.js')).runCommand(rest);
    case 'compare':
      return (await import('./commands/compare.js')).compareCommand(rest);
    case 'sweep':
      return (await import('./commands/sweep.js')).sweepCommand(rest);
    case 'bench':
      return (await import('./commands/bench.js')).benchCommand(rest);
    case 'import':
      return (await import('./commands/import.js')).importCommand(rest);
    case 'sumo':
      return (await import('./commands/sumo.js')).sumoCommand(rest);
    case 'serve':
      return (await import('./commands/serve.js')).serveCommand(rest);
    case 'partition':
      return (await import('./commands/partition.js')).partitionCommand(rest);
    case 'region':
      return (await import('./commands/distributed.js')).regionCommand(rest);
    case 'field':
      return (await import('./commands/distributed.js')).fieldCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError('', `unknown command "${cmd}"; the commands are run, compare, sweep, import, sumo, serve, partition, region, field and bench; see greenwave --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof InputError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const e = err as Error;
    process.stderr.write(`greenwave: ${e?.message ?? String(err)}\n`);
    if (process.env.GREENWAVE_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    process.exitCode = 1;
  },
);
