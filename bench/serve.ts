/**
 * Load on the live service: `greenwave serve` in its own process (the built-in
 * simulator on a city-sized grid, in wall-clock time), N WebSocket clients
 * subscribed to every signal's state, 1 Hz. Measures the delivery latency of
 * each state frame (receive time − the server's send stamp, one clock) and the
 * server's resident memory over the run (its /health).
 */
import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';

export interface ServeLoadResult {
  network: string;
  signals: number;
  clients: number;
  seconds: number;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server RSS (MB) after the clients connected, at the end, and the highest seen. */
  rssStartMB: number;
  rssEndMB: number;
  rssMaxMB: number;
  dropped: number;
}

const pct = (s: number[], p: number): number => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN);

export async function serveLoad(cliPath: string, network: string, clients: number, seconds: number, log: (l: string) => void = () => {}): Promise<ServeLoadResult> {
  const child = spawn(process.execPath, [cliPath, 'serve', network, '--port', '0', '--controller', 'fixed', '--speed', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /http:\/\/[\d.]+:(\d+)\//.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (c) => reject(new Error(`serve exited (${c}): ${err}`)));
    });
    const http = `http://127.0.0.1:${port}`;
    const health = async (): Promise<{ rssBytes: number; dropped: number }> => (await (await fetch(`${http}/health`)).json()) as { rssBytes: number; dropped: number };
    const net = (await (await fetch(`${http}/network.json`)).json()) as { signals: string[] };
    const lat: number[] = [];
    let measuring = false;
    const sockets: WebSocket[] = [];
    await Promise.all(
      Array.from({ length: clients }, () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on('message', (data) => {
          const now = Date.now();
          const s = String(data);
          if (!measuring || !s.startsWith('{"type":"state"')) return;
          const f = JSON.parse(s) as { sentAt: number };
          lat.push(now - f.sentAt);
        });
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => {
            ws.send(JSON.stringify({ type: 'subscribe', topics: ['states'] }));
            resolve();
          });
          ws.once('error', reject);
        });
      }),
    );
    log(`serve load: ${clients} clients on ${network} (${net.signals.length} signals), ${seconds} s`);
    await new Promise((r) => setTimeout(r, 2000));
    measuring = true;
    const rss: number[] = [(await health()).rssBytes];
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      rss.push((await health()).rssBytes);
    }
    measuring = false;
    const h = await health();
    for (const ws of sockets) ws.terminate();
    lat.sort((a, b) => a - b);
    const MB = (b: number): number => Math.round((b / 1048576) * 10) / 10;
    return {
      network,
      signals: net.signals.length,
      clients,
      seconds,
      frames: lat.length,
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      maxMs: lat.length ? lat[lat.length - 1]! : NaN,
      rssStartMB: MB(rss[0]!),
      rssEndMB: MB(rss[rss.length - 1]!),
      rssMaxMB: MB(Math.max(...rss)),
      dropped: h.dropped,
    };
  } finally {
    child.kill('SIGTERM');
  }
}
