import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** One DTDL interface found in a file, with the DTMIs it needs stored first. */
export interface FoundInterface {
  readonly dtmi: string;
  readonly model: Record<string, unknown>;
  readonly file: string;
  readonly dependsOn: readonly string[];
}

/** What one file holds: its interfaces, what was left out, or why it cannot be read. */
export interface ModelFile {
  readonly file: string;
  readonly interfaces: readonly FoundInterface[];
  /** IoT Central's parts of a device template that are no device model (cloud properties). */
  readonly leftOut: readonly string[];
  /** Said, not refused: a models-repository file whose path is not its DTMI's. */
  readonly warnings: readonly string[];
  readonly problem?: string;
}

/** Every `*.json` under `folder`, depth first, in name order, so a run is repeatable. */
export async function jsonFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const sorted = entries.sort((a, b) => a.name.localeCompare(b.name));
  const found: string[] = [];
  for (const entry of sorted) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await jsonFiles(full)));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) found.push(full);
  }
  return found;
}

/**
 * Reads one file in either layout: the models repository's (one interface, or an expanded array,
 * at `dtmi/<path>/<name>-<version>.json`), or IoT Central's export (an array of interfaces, the
 * device model first, or a device template whose `capabilityModel` is the model).
 */
export async function readModelFile(file: string, root: string): Promise<ModelFile> {
  const relative = path.relative(root, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return refused(relative, `not JSON: ${(error as Error).message}`);
  }
  const leftOut: string[] = [];
  if (isObject(parsed) && isObject(parsed.capabilityModel)) {
    // An IoT Central device template: its cloud properties live in the template, not the model.
    for (const item of Array.isArray(parsed.contents) ? parsed.contents : [])
      if (isObject(item) && typeof item.name === 'string')
        leftOut.push(`cloud property ${item.name}`);
    // The template carries the context its model is written in.
    const { '@context': context } = parsed;
    parsed =
      context === undefined
        ? parsed.capabilityModel
        : { '@context': context, ...parsed.capabilityModel };
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const interfaces: FoundInterface[] = [];
  for (const [index, item] of items.entries()) {
    if (!isObject(item) || !isInterface(item))
      return refused(relative, `item ${index + 1} is not a DTDL interface ("@type": "Interface")`);
    const dtmi = item['@id'];
    if (typeof dtmi !== 'string') return refused(relative, `item ${index + 1} has no "@id"`);
    // An array's later interfaces are defined for the first; each one is stored as its own model.
    interfaces.push({
      dtmi,
      model: withContext(item, items[0]),
      file: relative,
      dependsOn: references(item),
    });
  }
  if (interfaces.length === 0) return refused(relative, 'holds no interface');
  const expected = repositoryPath(interfaces[0]?.dtmi ?? '');
  const warnings =
    relative.split(path.sep)[0] === 'dtmi' && relative.split(path.sep).join('/') !== expected
      ? [`the models repository keeps ${interfaces[0]?.dtmi} at ${expected}`]
      : [];
  return { file: relative, interfaces, leftOut, warnings };
}

/** `dtmi:com:example:Thermostat;1` -> `dtmi/com/example/thermostat-1.json`, the repository's rule. */
export function repositoryPath(dtmi: string): string {
  return `${dtmi.toLowerCase().replace(/:/g, '/').replace(';', '-')}.json`;
}

/** The DTMIs an interface names that must exist: what it extends, its components' schemas. */
function references(model: Record<string, unknown>): string[] {
  const named = new Set<string>();
  const extendsValue = model.extends;
  for (const parent of Array.isArray(extendsValue) ? extendsValue : [extendsValue])
    if (typeof parent === 'string') named.add(parent);
  for (const item of Array.isArray(model.contents) ? model.contents : []) {
    if (!isObject(item)) continue;
    const types = Array.isArray(item['@type']) ? item['@type'] : [item['@type']];
    if (types.includes('Component') && typeof item.schema === 'string') named.add(item.schema);
  }
  return [...named];
}

/** An interface later in an array may leave `@context` to the first; stored alone, it needs it. */
function withContext(item: Record<string, unknown>, first: unknown): Record<string, unknown> {
  if (item['@context'] !== undefined || !isObject(first) || first['@context'] === undefined)
    return item;
  return { '@context': first['@context'], ...item };
}

function isInterface(item: Record<string, unknown>): boolean {
  const types = Array.isArray(item['@type']) ? item['@type'] : [item['@type']];
  return types.includes('Interface');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(file: string, problem: string): ModelFile {
  return { file, interfaces: [], leftOut: [], warnings: [], problem };
}
