import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppSchema, printAppSchema } from '../../src/graphql/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('schema.graphql is the schema the resolvers generate (run `npm run schema` after changing them)', async () => {
  const generated = printAppSchema(await buildAppSchema());
  expect(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8')).toBe(generated);
});

test('the contract names are present', async () => {
  const sdl = printAppSchema(await buildAppSchema());
  for (const s of [
    'enum JobStatus',
    'enum Diarization',
    'enum ExportFormat',
    'input TranscriptionOptionsInput',
    'uploadAudio(file: Upload!, options: TranscriptionOptionsInput): Job!',
    'renameSpeaker(expectedVersion: Int, id: ID!, label: String!): Speaker!',
    'serviceInfo: ServiceInfo!',
    'cancelJob(id: ID!): Job!',
    'deleteJob(id: ID!): Boolean!',
    'jobProgress(id: ID!): JobProgressEvent!',
    'job(id: ID!): Job',
    'audioUrl: String',
    'export(\n    """The format to render."""\n    format: ExportFormat!\n',
    'options: ExportOptionsInput\n  ): String!',
    'exportUrl(\n',
    'enum Script',
    'input ExportOptionsInput',
  ]) {
    expect(sdl).toContain(s);
  }
});
