/**
 * Per-job local scratch directories for the tools that need files (ffmpeg, ffprobe, engine
 * adapters that read a file): `<SCRATCH_DIR>/<jobId>-<random>/`, created for one run of
 * {@link withScratch} and always removed when it ends, however it ends; a directory left by a
 * process that was killed is removed by the job's next run.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from './object-store.js';

/** A job's scratch directory; paths it hands out are valid until its run ends. */
export interface Scratch {
  /**
   * A local file in the scratch directory holding the job's stored object `name`: a hard link
   * to the stored file on an unencrypted local store (no copy; do not modify it), else a copy
   * downloaded once per run.
   * @throws ObjectNotFoundError when there is no such object; StorageUnavailableError.
   */
  input(name: string): Promise<string>;
  /** A path in the scratch directory for a new file `name` (nothing is created). */
  path(name: string): string;
  /**
   * Stores the scratch file `name` as the job's object `name`; afterwards {@link input} of
   * `name` returns a local copy without downloading.
   */
  save(name: string): Promise<void>;
  /** Deletes the scratch file `name`; missing is fine. */
  remove(name: string): Promise<void>;
}

/** Per scratch: where a copy of an object being stored should also be written, if anywhere. */
const copyTargets = new WeakMap<Scratch, (name: string) => string | undefined>();

/**
 * For `../storage.ts`: a local file to write while `name` is stored, so that a later
 * {@link Scratch.input} of `name` needs no download; undefined when the store hands out its own
 * files (the local store).
 */
export function copyTarget(scratch: Scratch, name: string): string | undefined {
  return copyTargets.get(scratch)?.(name);
}

/** Checks a storage name (no separators, no dot files). */
export function checkName(name: string): string {
  if (!name || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new Error(`invalid storage name: ${name}`);
  }
  return name;
}

/**
 * Removes every scratch directory of `jobId` under `scratchRoot` (`<jobId>-<random>`), as left by
 * runs whose worker was killed. Only call it while no run of the job is active on this host
 * (the job's lease is held by the caller, or the job has ended).
 */
export async function removeStaleScratch(scratchRoot: string, jobId: string): Promise<void> {
  const stale = await fsp.readdir(scratchRoot).catch(() => [] as string[]);
  for (const name of stale.filter((n) => n.startsWith(`${jobId}-`))) {
    await fsp.rm(path.join(scratchRoot, name), { recursive: true, force: true });
  }
}

/**
 * Runs `fn` with a fresh scratch directory for `jobId` under `scratchRoot`, removing it
 * (recursively) when `fn` settles.
 * @param keyOf the store key of a job's object `name`.
 */
export async function withScratch<T>(
  store: ObjectStore,
  scratchRoot: string,
  keyOf: (name: string) => string,
  jobId: string,
  fn: (scratch: Scratch) => Promise<T>,
): Promise<T> {
  // A run of this job that died (its worker killed) left its directory: a job runs on one
  // worker at a time (its lease), so any other directory of the job is stale.
  await removeStaleScratch(scratchRoot, jobId);
  const dir = path.join(scratchRoot, `${jobId}-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(dir, { recursive: true });
  const local = new Map<string, string>();
  const scratch: Scratch = {
    async input(name) {
      const known = local.get(checkName(name));
      if (known && fs.existsSync(known)) return known;
      const file = path.join(dir, `in-${name}`);
      const direct = store.localPath?.(keyOf(name));
      if (direct) {
        // A hard link: no copy, and ffmpeg (run in the directory of its input) sees only this
        // scratch directory. The stored file itself when scratch is on another file system.
        const linked = await fsp.link(direct, file).then(
          () => true,
          async (err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') await store.get(keyOf(name)); // ObjectNotFoundError
            return false;
          },
        );
        if (!linked) return direct;
        local.set(name, file);
        return file;
      }
      await pipeline(await store.get(keyOf(name)), fs.createWriteStream(file));
      local.set(name, file);
      return file;
    },
    path(name) {
      return path.join(dir, checkName(name));
    },
    async save(name) {
      const file = scratch.path(name);
      if (store.localPath?.(keyOf(name))) {
        await store.putFile(keyOf(name), file); // moved into the store
        return;
      }
      // Kept in scratch for the rest of the run (the put copies it).
      await store.put(keyOf(name), fs.createReadStream(file));
      local.set(name, file);
    },
    async remove(name) {
      await fsp.rm(scratch.path(name), { force: true });
    },
  };
  copyTargets.set(scratch, (name) => {
    if (store.localPath?.(keyOf(name))) return undefined;
    const file = path.join(dir, `in-${checkName(name)}`);
    local.set(name, file);
    return file;
  });
  try {
    return await fn(scratch);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
