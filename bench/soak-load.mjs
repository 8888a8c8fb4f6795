/**
 * The hostile half of the soak test (bench/soak.mjs), in its own process so
 * that its work does not slow the watcher: `node bench/soak-load.mjs PORT
 * SECONDS`. On loopback only:
 *   - 150 clients from 127.0.0.2 that never read, each asking for `network`
 *     20 times a second (they reconnect when cut off or closed as idle);
 *   - 2,000 idle connections from 127.0.0.10–17 (250 each), reopened when
 *     closed or refused, after a second;
 *   - every 2 s, a burst of 5 clients from 127.0.0.3 sending 400 malformed
 *     frames each.
 * Prints one JSON line of counts at the end.
 */
import { WebSocket } from 'ws';

const [port, seconds] = process.argv.slice(2).map(Number);
const url = `ws://127.0.0.1:${port}/ws`;
const endAt = Date.now() + seconds * 1000;
const live = () => Date.now() < endAt;
const counts = { hogOpens: 0, hogRefused: 0, idleOpens: 0, idleRefused: 0, idleClosedByServer: 0, malformedSent: 0, networkAsked: 0 };
const sockets = new Set();

function connect(localAddress, onOpen, onEnd) {
  const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
  sockets.add(ws);
  let refused = false;
  ws.on('open', () => onOpen(ws));
  ws.on('unexpected-response', (_req, res) => {
    refused = true;
    res.resume();
    ws.terminate();
  });
  ws.on('error', () => {});
  ws.on('close', (code) => {
    sockets.delete(ws);
    onEnd(refused, code);
  });
  return ws;
}

function hog() {
  if (!live()) return;
  let timer;
  connect(
    '127.0.0.2',
    (ws) => {
      counts.hogOpens++;
      ws._socket.pause(); // never reads
      timer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send('{"type":"network"}');
        counts.networkAsked++;
      }, 50);
    },
    (refused) => {
      clearInterval(timer);
      if (refused) counts.hogRefused++;
      setTimeout(hog, 1000);
    },
  );
}

function idle(addr) {
  if (!live()) return;
  connect(
    addr,
    () => counts.idleOpens++,
    (refused, code) => {
      if (refused) counts.idleRefused++;
      else if (code === 1008) counts.idleClosedByServer++;
      setTimeout(() => idle(addr), 1000);
    },
  );
}

function burst() {
  if (!live()) return;
  for (let k = 0; k < 5; k++)
    connect(
      '127.0.0.3',
      (ws) => {
        for (let i = 0; i < 400; i++) {
          const r = i % 4;
          ws.send(r === 0 ? '{"type":' : r === 1 ? '[1,2,3]' : r === 2 ? '{"type":"step","t":"soon"}' : Buffer.from([0xff, 0x00, 0x13]), { binary: r === 3 });
          counts.malformedSent++;
        }
        setTimeout(() => ws.terminate(), 500);
      },
      () => {},
    );
  setTimeout(burst, 2000);
}

for (let i = 0; i < 150; i++) setTimeout(hog, i * 5);
for (let a = 10; a < 18; a++) for (let i = 0; i < 250; i++) setTimeout(() => idle(`127.0.0.${a}`), i * 4);
setTimeout(burst, 1000);
setTimeout(() => {
  for (const ws of sockets) ws.terminate();
  process.stdout.write(JSON.stringify(counts) + '\n');
  process.exit(0);
}, seconds * 1000 + 200);
