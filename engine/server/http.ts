/**
 * The server's plain HTTP side: the dashboard page and its script, the
 * network (GET /network.json, encoded once) and a health check (GET
 * /health). With reads behind the token, /network.json needs the
 * Authorization header and /health tells only that the server is up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Where the dashboard's files are: next to this module in the sources, or in the sources from dist/. */
function dashboardDir(): string {
  for (const rel of ['./dashboard/', '../../../engine/server/dashboard/']) {
    const d = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(d + 'index.html')) return d;
  }
  throw new Error('dashboard assets not found');
}

/** The page's own files, and the charting library it uses (uPlot, from the package's dependencies: nothing is fetched from outside). */
const PAGE_FILES: ReadonlyArray<[string, string]> = [
  ['index.html', 'text/html; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['map.js', 'text/javascript; charset=utf-8'],
  ['panel.js', 'text/javascript; charset=utf-8'],
  ['ops.js', 'text/javascript; charset=utf-8'],
  ['format.js', 'text/javascript; charset=utf-8'],
  ['style.css', 'text/css; charset=utf-8'],
];

function pageAssets(): Map<string, { type: string; body: Buffer }> {
  const dir = dashboardDir();
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [f, type] of PAGE_FILES) assets.set(f === 'index.html' ? '/' : `/${f}`, { type, body: readFileSync(dir + f) });
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  assets.set('/vendor/uPlot.esm.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(join(uplot, 'uPlot.esm.js')) });
  assets.set('/vendor/uPlot.min.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(uplot, 'uPlot.min.css')) });
  return assets;
}

/**
 * ATSPM charts of one signal from a live event log (report/live.ts's
 * liveCharts is one): an SVG; or, for a valid request, why there is none
 * (200, text/plain); or, for an unknown signal or phase, the error (404).
 */
export type ChartAnswer = { svg: string } | { none: string } | { error: string };
export interface ChartSource {
  pcd(id: string, phase: number): ChartAnswer;
  split(id: string): ChartAnswer;
}

export interface HttpSource {
  /** Whether reads need the token, and whether this request carries it. */
  readsNeedToken: boolean;
  bearerOk(req: IncomingMessage): boolean;
  network(): Buffer;
  /** The simulated time shown now, and the health figures for an authorised caller. */
  shownS(): number;
  health(): Record<string, unknown>;
  /** The PCD and split monitor (GET /atspm/pcd.svg?signal=ID&phase=K, /atspm/split.svg?signal=ID); without: a text answer saying why. */
  charts?: ChartSource;
}

/** The request handler for `src`. */
export function httpHandler(src: HttpSource): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = pageAssets();
  // how long the event loop was held (the server's own latency), since the last /health
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const loopFigures = (): Record<string, number> => {
    const f = { loopDelayP99Ms: Math.round(loop.percentile(99) / 1e4) / 100, loopDelayMaxMs: Math.round(loop.max / 1e4) / 100 };
    loop.reset();
    return f;
  };
  return (req, res) => {
    const [url, query] = (req.url ?? '/').split('?') as [string, string | undefined];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const a = assets.get(url);
    if (a) {
      res.writeHead(200, { 'content-type': a.type, 'cache-control': 'no-cache' }).end(a.body);
      return;
    }
    const open = !src.readsNeedToken || src.bearerOk(req);
    if (url === '/network.json') {
      if (!open) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('reads need the bearer token (Authorization: Bearer …)\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(src.network());
      return;
    }
    if (url === '/atspm/pcd.svg' || url === '/atspm/split.svg') {
      if (!open) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('reads need the bearer token (Authorization: Bearer …)\n');
        return;
      }
      const q = new URLSearchParams(query ?? '');
      const id = q.get('signal') ?? '';
      const out: ChartAnswer = !src.charts
        ? { none: 'no live event log here: the PCD and split monitor need the detector actuations of the built-in simulator (serve in simulator mode)' }
        : url === '/atspm/pcd.svg'
          ? src.charts.pcd(id, Number(q.get('phase') ?? 'x'))
          : src.charts.split(id);
      if ('svg' in out) res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-store' }).end(out.svg);
      else if ('none' in out) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(out.none + '\n');
      else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(out.error + '\n');
      return;
    }
    if (url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(open ? { ok: true, t: src.shownS(), ...src.health(), ...loopFigures() } : { ok: true, t: src.shownS() }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
}
