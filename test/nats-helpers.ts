/**
 * Real nats-server processes for the distributed tests: one server with
 * JetStream, or a three-node JetStream cluster, on loopback ports, each with
 * its own store in a temporary folder, stopped (SIGKILL if need be) by
 * `stop()`. Suites use `describeWithNats`: without nats-server on PATH they
 * skip with one line naming the package, except in CI (CI=true), where that
 * is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeNeeding, onPath } from './sumo-helpers.js';

const MISSING = "nats-server not found: install Debian's nats-server (apt-get install nats-server)";

/** `describe` for a suite that needs nats-server (describeNeeding). */
export function describeWithNats(name: string, fn: () => void): void {
  describeNeeding(name, 'nats-server', onPath('nats-server') ? undefined : MISSING, fn);
}

/** A free loopback TCP port (closed again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsNode {
  url: string;
  proc: ChildProcess;
  kill(): void;
}

function startNode(args: string[], dir: string): Promise<ChildProcess> {
  const proc = spawn('nats-server', [...args, '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 15_000);
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${c}): ${log}`));
    });
  });
}

/** One nats-server with JetStream; or, with nodes = 3, a JetStream cluster. */
export async function startNats(nodes = 1): Promise<{ urls: string[]; nodes: NatsNode[]; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'greenwave-nats-'));
  const ports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
  const cports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
  const list: NatsNode[] = [];
  const routes = cports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  try {
    for (let k = 0; k < nodes; k++) list.push({ url: `nats://127.0.0.1:${ports[k]}`, proc: undefined as unknown as ChildProcess, kill() {} });
    const procs = await Promise.all(list.map((_, k) => {
      const args = ['-js', '-a', '127.0.0.1', '-p', String(ports[k])];
      if (nodes > 1) args.push('-n', `n${k}`, '--cluster_name', 'greenwave', '--cluster', `nats://127.0.0.1:${cports[k]}`, '--routes', routes);
      return startNode(args, join(dir, `n${k}`));
    }));
    procs.forEach((p, k) => {
      list[k]!.proc = p;
      list[k]!.kill = () => void p.kill('SIGKILL');
    });
  } catch (e) {
    for (const n of list) n.proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    urls: list.map((n) => n.url),
    nodes: list,
    stop() {
      for (const n of list) n.proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
