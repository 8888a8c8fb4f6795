/** SCENARIO arguments shared by run and compare: a file or built-in name, `--cityflow ROADNET FLOW`, or `--sumo CFG.sumocfg`. */
import { importCityFlow } from '../interop/cityflow/import.js';
import { importSumoConfig } from '../interop/sumo/index.js';
import { loadScenario, type ScenarioSource } from '../scenarios/index.js';
import { checkDurationFlag, UsageError } from './args.js';

export function scenarioFromArgs(command: string, positionals: string[], cityflow: boolean, durationS: number | undefined, sumo?: string): ScenarioSource {
  checkDurationFlag(command, durationS); // before any file is read (durationOption checks it already; serve reads --duration itself)
  if (sumo !== undefined) {
    if (cityflow) throw new UsageError(command, '--sumo and --cityflow cannot be combined');
    if (positionals.length) throw new UsageError(command, `--sumo CFG.sumocfg takes no SCENARIO, got ${positionals.length}; see greenwave ${command} --help`);
    const imp = importSumoConfig(sumo, durationS !== undefined ? { durationS } : {});
    for (const w of imp.warnings) process.stderr.write(`warning: ${w}\n`);
    return { scenario: imp.scenario, file: sumo };
  }
  if (cityflow) {
    if (positionals.length !== 2)
      throw new UsageError(command, `--cityflow expects ROADNET.json FLOW.json, got ${positionals.length} file(s); see greenwave ${command} --help`);
    const [roadnet, flow] = positionals as [string, string];
    const imp = importCityFlow(roadnet, flow, durationS !== undefined ? { durationS } : {});
    for (const w of imp.warnings) process.stderr.write(`warning: ${w}\n`);
    return { scenario: imp.scenario, file: roadnet };
  }
  if (positionals.length !== 1) throw new UsageError(command, `expects one SCENARIO, got ${positionals.length}; see greenwave ${command} --help`);
  return loadScenario(positionals[0]!);
}
