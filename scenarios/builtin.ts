/** Built-in scenarios by name: `single`, `arterial-N`, `grid-RxC`, `default`. */
import { arterialScenario } from './generators/arterial.js';
import { defaultScenario } from './generators/default.js';
import { gridLanes, gridScenario } from './generators/grid.js';
import { MAX_LANES } from './limits.js';
import { singleScenario } from './generators/single.js';
import type { ScenarioJson } from './types.js';

export const BUILTIN_NAMES = ['default', 'single', 'arterial-N', 'grid-RxC'] as const;

/** The built-in scenario of that name, or undefined if the name is not one. Throws RangeError for sizes out of range. */
export function builtinScenario(name: string): ScenarioJson | undefined {
  if (name === 'default') return defaultScenario();
  if (name === 'single') return singleScenario();
  let m = /^arterial-(\d+)$/.exec(name);
  if (m) {
    const n = Number(m[1]);
    if (n < 1 || n > 200) throw new RangeError(`arterial-N needs 1 ≤ N ≤ 200, got ${n}`);
    return arterialScenario({ n });
  }
  m = /^grid-(\d+)x(\d+)$/.exec(name);
  if (m) {
    const r = Number(m[1]);
    const c = Number(m[2]);
    // checked before the grid is made: grid-200x200 took 4 GB and two minutes to build
    if (r < 1 || c < 1) throw new RangeError(`grid-RxC needs R, C ≥ 1, got ${r}x${c}`);
    const lanes = gridLanes(r, c);
    if (lanes > MAX_LANES) throw new RangeError(`grid-RxC makes 6·R·(C+1) + 4·C·(R+1) lanes, ${lanes.toLocaleString('en-US')} for ${r}x${c}; a scenario has at most ${MAX_LANES.toLocaleString('en-US')} lanes (grid-121x121 is the largest square grid)`);
    return gridScenario({ rows: r, cols: c });
  }
  return undefined;
}
