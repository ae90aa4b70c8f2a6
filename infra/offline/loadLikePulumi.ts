import { createRequire } from 'node:module';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../..');
const requireFromInfra = createRequire(path.join(repoRoot, 'infra/index.ts'));
let tsNodeRegistered = false;

/**
 * Loads a module of `infra/` the way Pulumi's Node.js runtime does: through ts-node with the
 * project's tsconfig (transpile-only here; `npm run typecheck` checks types), as plain CommonJS,
 * which is also what lets Pulumi serialise the dynamic providers' code. The repository's own
 * modules are loaded afresh each time.
 */
export function requireLikePulumi<T = unknown>(modulePath: string): T {
  if (!tsNodeRegistered) {
    requireFromInfra('ts-node').register({
      project: path.join(repoRoot, 'tsconfig.json'),
      transpileOnly: true,
    });
    tsNodeRegistered = true;
  }
  for (const key of Object.keys(requireFromInfra.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`) && key.startsWith(repoRoot))
      delete requireFromInfra.cache[key];
  }
  return requireFromInfra(path.resolve(repoRoot, modulePath)) as T;
}
