import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingNames } from '../../functions/src/settings/settingNames';

const readme = readFileSync(path.resolve(__dirname, '../../docs/configuration.md'), 'utf8');

/** The names in the first column of docs/configuration.md's "Configuration (app settings)" table. */
function documentedSettings(): Set<string> {
  const section = readme.split('# Configuration (app settings)')[1]?.split('\n## ')[0] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([A-Za-z][\w.]*)`/g)) names.add(name as string);
  }
  return names;
}

describe('the settings table (docs/configuration.md)', () => {
  it('lists every setting the app reads, and nothing it does not', () => {
    const documented = documentedSettings();
    const read = new Set<string>(Object.values(settingNames));
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
    // The identity forms (`DataStorage__accountName`, ...) are spelled with their connection's name.
    const unknown = [...documented].filter(
      (name) =>
        !read.has(name) && !/^(?:DataStorage|AzureSignalRConnectionString)__\w+$/.test(name),
    );
    expect(unknown).toEqual([]);
  });
});
