#!/usr/bin/env node
// Replays a recorded detector file into `greenwave serve` and prints what comes back.
//
//   npx greenwave serve single --field --controller max-pressure --speed 10 --token-file token.txt &
//   GREENWAVE_TOKEN=$(cat token.txt) node examples/replay.mjs ws://127.0.0.1:8080/ws examples/single-detectors.jsonl
//
// Each line of the file is a `detectors` message with its time `t` (s). The client
// authenticates with the bearer token, subscribes to plans and decisions, sends each
// message when its time comes on the server's clock (scaled by --speed there), and prints
// every acknowledgement, decision and plan. Options: --limit N (lines), --fast (no waiting).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const [url = 'ws://127.0.0.1:8080/ws', file = new URL('./single-detectors.jsonl', import.meta.url).pathname] = args.filter((a, i) => !a.startsWith('--') && !['--limit'].includes(args[i - 1]));
const limit = Number(opt('--limit') ?? Infinity);
const token = process.env.GREENWAVE_TOKEN;
if (!token) {
  console.error('replay: set GREENWAVE_TOKEN to the server\'s token (writes need it)');
  process.exit(2);
}
const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, limit).map((l) => JSON.parse(l));

const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
let serverT = 0;
let acked = 0;
ws.on('error', (e) => {
  console.error(`replay: ${e.message}`);
  process.exit(1);
});
ws.on('message', (data) => {
  const f = JSON.parse(String(data));
  switch (f.type) {
    case 'welcome':
      console.log(`connected: mode ${f.mode}, controller ${f.controller}, ${f.signals} signals, authenticated ${f.authenticated}`);
      ws.send(JSON.stringify({ type: 'subscribe', topics: ['plans', 'states'] }));
      void send();
      break;
    case 'state':
      serverT = f.t;
      break;
    case 'ack':
      acked++;
      console.log(`ack ${f.ref}: seq ${f.seq}, ${f.readings} readings at t=${f.t} s`);
      if (acked === lines.length) setTimeout(() => ws.close(), 500);
      break;
    case 'decisions':
      for (const d of f.decisions) console.log(`decision: ${d.inter} → phase ${d.phase} green at ${d.effectiveAt} s (inputs up to seq ${f.inputSeq})`);
      break;
    case 'plans':
      for (const p of f.plans) console.log(`plan: ${p.inter} cycle ${p.cycleS} s offset ${p.offsetS} s ${p.phases.map((x) => `${x.phase}:${x.greenS}s`).join(' ')}`);
      break;
    case 'error':
      console.log(`error ${f.code}${f.ref !== undefined ? ` (message ${f.ref})` : ''}: ${f.message}`);
      break;
  }
});
ws.on('close', () => {
  console.log(`done: ${acked} of ${lines.length} messages acknowledged`);
  process.exit(acked === lines.length ? 0 : 1);
});

async function send() {
  for (const [i, line] of lines.entries()) {
    const { t, ...msg } = line;
    while (!flag('--fast') && serverT < t) await new Promise((r) => setTimeout(r, 20));
    ws.send(JSON.stringify({ ...msg, id: i + 1 }));
  }
}
