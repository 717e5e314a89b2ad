/**
 * The repository root, found from this file whether it runs as TypeScript under jest
 * (`tests/helpers/`) or compiled by tsc (`dist/tests/helpers/`, as `npm run bench` runs it):
 * the nearest ancestor directory holding `package.json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Absolute path of the repository root. */
export const REPO_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
