/**
 * The S3-compatible store of the multi-host test: `tests/helpers/s3-server.ts` (s3rver on
 * 127.0.0.1) exposed to the lab's hosts by a TCP proxy on the bridge address.
 */
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** The running store and the env that points a service process at it. */
export interface ObjectStore {
  server: S3Server;
  /** STORAGE_URL and S3_* for the hosts (endpoint at the bridge address). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts s3rver with a bucket and a proxy to it on `gateway`. */
export async function startObjectStore(gateway: string): Promise<ObjectStore> {
  const server = await startS3Server('kazru-multihost');
  try {
    const proxy = await startTcpProxy({ port: server.port }, 0, gateway);
    return {
      server,
      env: server.env('deployment', `http://${gateway}:${proxy.port}`),
      close: async () => {
        await proxy.close();
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
