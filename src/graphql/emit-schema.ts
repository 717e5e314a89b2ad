/** Writes `schema.graphql` at the repository root from the resolvers (`npm run schema`). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppSchema, printAppSchema } from './schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const target = path.join(root, 'schema.graphql');
fs.writeFileSync(target, printAppSchema(await buildAppSchema()));
console.log(`wrote ${target}`);
