/** Scenarios: the format (types + JSON Schema), loading and validation, built-in generators. */
export type * from './types.js';
export { InputError, jsonPath } from './errors.js';
export { validateScenario, parseJson, readText, scenarioSchema } from './validate.js';
export { loadScenario, loadScenarioFile } from './load.js';
export { builtinScenario, BUILTIN_NAMES } from './builtin.js';
export { singleScenario, type SingleOptions } from './generators/single.js';
export { gridScenario, gridNode, type GridOptions } from './generators/grid.js';
export { arterialScenario, arterialNode, type ArterialOptions } from './generators/arterial.js';
export { defaultScenario } from './generators/default.js';
export { ScenarioBuilder } from './generators/builder.js';
