import path from 'node:path';

/** Builds the dashboard with Vite into `dist/dashboard` and returns that folder. */
export async function buildDashboard(repoRoot: string): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: path.join(repoRoot, 'dashboard/vite.config.mts'), logLevel: 'warn' });
  return path.join(repoRoot, 'dist/dashboard');
}
