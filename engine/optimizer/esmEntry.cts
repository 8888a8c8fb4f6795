/**
 * The CommonJS entry of greenwave's worker pools (piscina). piscina loads a
 * task module with require(), and Node 20's require() of an ES module
 * (require(esm)) once aborted a worker thread on CI with a native assertion
 * (ModuleWrap::CreateRequiredModuleFacade), taking the whole test process
 * with it. This file is plain CommonJS: it loads the ES module named in
 * workerData.esm (a file URL) with import(), once per thread, and hands
 * every task to that module's default export.
 */
import { workerData } from 'node:worker_threads';

type Handler = (task: unknown) => unknown;
let handler: Promise<Handler> | undefined;

function run(task: unknown): Promise<unknown> {
  handler ??= import((workerData as { esm: string }).esm).then((m: { default: Handler }) => m.default);
  return handler.then((h) => h(task));
}

export = run;
