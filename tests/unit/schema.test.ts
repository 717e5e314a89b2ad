import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, print, visit, type ASTNode } from 'graphql';
import { buildAppSchema, printAppSchema } from '../../src/graphql/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('schema.graphql is the schema the resolvers generate (run `npm run schema` after changing them)', async () => {
  const generated = printAppSchema(await buildAppSchema());
  expect(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8')).toBe(generated);
});

/** The SDL without descriptions, so each signature prints on one line. */
function signatures(sdl: string): string {
  const bare = visit(parse(sdl), {
    enter(node: ASTNode) {
      if ('description' in node && node.description) return { ...node, description: undefined };
      return undefined;
    },
  });
  return print(bare);
}

test('the contract names are present', async () => {
  const sdl = signatures(printAppSchema(await buildAppSchema()));
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
    'node(id: ID!): Node',
    'interface Node',
    'type Job implements Node',
    'errorCode: JobErrorCode',
    'export(format: ExportFormat!, options: ExportOptionsInput): String!',
    'exportUrl(format: ExportFormat!, options: ExportOptionsInput): String!',
    'enum Script',
    'input ExportOptionsInput',
  ]) {
    expect(sdl).toContain(s);
  }
});
