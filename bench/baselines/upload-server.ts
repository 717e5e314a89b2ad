/**
 * Baseline for the upload benchmark: the least a Node server can do with an upload — stream the
 * request body into a new file and answer 200 with the byte count. Run as its own process:
 * `node dist/bench/baselines/upload-server.js <dir>`; prints `listening <port>` when ready.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
if (!dir) throw new Error('usage: upload-server.js <dir>');
let n = 0;
const server = http.createServer((req, res) => {
  const file = path.join(dir, `upload-${process.pid}-${n++}`);
  pipeline(req, fs.createWriteStream(file)).then(
    () => res.end(JSON.stringify({ bytes: fs.statSync(file).size })),
    (err: Error) => {
      res.statusCode = 500;
      res.end(err.message);
    },
  );
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening ${port}`);
});
