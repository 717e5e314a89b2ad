/**
 * Builds the configured {@link Storage}: one factory per `STORAGE_URL` scheme (`file`, `s3`);
 * only the chosen one is instantiated. With `STORAGE_ENCRYPTION_KEY` set the store is wrapped so
 * every object is encrypted at rest (`./encrypted-store.ts`).
 */
import path from 'node:path';
import type { StorageBackend, StorageConfig } from '../config/storage-config.js';
import { EncryptedStore, PlaintextGuard } from './encrypted-store.js';
import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';
import { Storage } from './storage.js';

const FACTORIES: {
  [K in StorageBackend['kind']]: (b: Extract<StorageBackend, { kind: K }>) => ObjectStore;
} = {
  local: (b) => new LocalStore(b.dir),
  s3: (b) => new S3Store(b),
};

/** The object store of `backend` (not yet encrypted or instrumented). */
export function createObjectStore(backend: StorageBackend): ObjectStore {
  const make = FACTORIES[backend.kind] as (b: StorageBackend) => ObjectStore;
  return make(backend);
}

/**
 * The job storage for `config`.
 * @param wrap applied to the (possibly encrypting) store, e.g. to count its errors.
 */
export function createStorage(
  config: StorageConfig,
  wrap: (store: ObjectStore) => ObjectStore = (s) => s,
): Storage {
  const inner = createObjectStore(config.backend);
  const store = config.encryptionKey
    ? new EncryptedStore(inner, config.encryptionKey)
    : new PlaintextGuard(inner);
  return new Storage(wrap(store), path.resolve(config.scratchDir));
}

/**
 * Start-up check of the configured store (see {@link Storage.checkReadable}) on a store of its
 * own, closed afterwards.
 * @throws EncryptionError for a wrong key, or an encrypted store and no key.
 */
export async function checkStorage(
  config: { storage: StorageConfig },
  logger: { warn(obj: object, msg: string): void },
): Promise<void> {
  const storage = createStorage(config.storage);
  try {
    await storage.checkReadable((message) =>
      logger.warn({ store: storage.store.description }, message),
    );
  } finally {
    await storage.store.close?.();
  }
}
