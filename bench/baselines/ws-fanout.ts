/**
 * Baseline for the subscription benchmark: the least a Node server can do to fan a Redis event
 * out to WebSocket clients — `ws` sockets on one HTTP server, one ioredis subscription per
 * channel, each message sent as it came to every socket that asked for that channel (first text
 * message = channel name). Run as its own process:
 * `node dist/bench/baselines/ws-fanout.js <redisUrl>`; prints `listening <port>` when ready.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const redisUrl = process.argv[2] ?? 'redis://127.0.0.1:6379';
const sub = new Redis(redisUrl);
const byChannel = new Map<string, Set<WebSocket>>();
sub.on('message', (channel: string, message: string) => {
  for (const socket of byChannel.get(channel) ?? []) socket.send(message);
});
const server = http.createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  socket.once('message', (data: Buffer) => {
    const channel = data.toString();
    let set = byChannel.get(channel);
    if (!set) {
      byChannel.set(channel, (set = new Set()));
      void sub.subscribe(channel);
    }
    set.add(socket);
    socket.on('close', () => set.delete(socket));
    socket.send('subscribed');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening ${port}`);
});
