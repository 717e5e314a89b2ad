/**
 * The generated API types (codegen.yml: src/cli/generated, client/src/generated) are what
 * schema.graphql and the CLI's operations give: `graphql-codegen --check` regenerates them in
 * memory and fails on any difference. In CI (a fresh clone, after `npm run build` has run
 * codegen), the committed files must also be unchanged, so a schema change committed without
 * its regenerated types is caught.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/repo-root.js';

const run = promisify(execFile);
const GENERATED = ['src/cli/generated', 'client/src/generated'];

test('the generated types match schema.graphql and the operations', async () => {
  const bin = path.join(REPO_ROOT, 'node_modules/.bin/graphql-codegen');
  const r = await run(bin, ['--config', 'codegen.yml', '--check', '--silent'], {
    cwd: REPO_ROOT,
  }).then(
    () => ({ code: 0, out: '' }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
  // On failure: run `npm run codegen` and commit the result.
  expect(r.out).toBe('');
  expect(r.code).toBe(0);
}, 30_000);

const inCi = process.env.CI === 'true';
(inCi ? test : test.skip)(
  'CI: the build left the committed generated files as they are',
  async () => {
    const { stdout } = await run('git', ['status', '--porcelain', '--', ...GENERATED], {
      cwd: REPO_ROOT,
    });
    expect(stdout).toBe('');
  },
);
