import { randomBytes } from 'node:crypto';

// Device twins, as "Understand and use device twins" documents them:
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TwinObject = { [key: string]: Json };

/** The limits the docs give for a twin's sections, checked on every write. */
export const twinLimits = {
  /** Desired and reported properties: 32 KB each; tags: 8 KB. */
  desiredBytes: 32 * 1024,
  reportedBytes: 32 * 1024,
  tagsBytes: 8 * 1024,
  /** Objects nest at most ten levels deep in every section. */
  depth: 10,
  keyBytes: 1024,
} as const;

export class TwinError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Section {
  values: TwinObject;
  version: number;
  /** When each top-level property last changed, and in which version. */
  updated: Map<string, { at: string; version: number }>;
  lastUpdated: string;
}

interface Twin {
  tags: TwinObject;
  desired: Section;
  reported: Section;
  version: number;
  etag: string;
  /** The model the device last announced when it connected (IoT Plug and Play); '' if none. */
  modelId: string;
}

const section = (at: string): Section => ({
  values: {},
  version: 1,
  updated: new Map(),
  lastUpdated: at,
});
const newEtag = () => randomBytes(6).toString('base64');

/** Every device's twin, in memory: tags, desired and reported properties, versions and ETags. */
export class TwinStore {
  private readonly twins = new Map<string, Twin>();

  constructor(private readonly now: () => number = Date.now) {}

  private twin(deviceId: string): Twin {
    let found = this.twins.get(deviceId);
    if (!found) {
      const at = new Date(this.now()).toISOString();
      found = {
        tags: {},
        desired: section(at),
        reported: section(at),
        version: 1,
        etag: newEtag(),
        modelId: '',
      };
      this.twins.set(deviceId, found);
    }
    return found;
  }

  /** A device leaves the registry: its twin goes with it. */
  remove(deviceId: string): void {
    this.twins.delete(deviceId);
  }

  /**
   * A device announced its model as it connected (`model-id` in its MQTT user name); the twin keeps
   * it until the device announces another.
   */
  announceModel(deviceId: string, modelId: string): void {
    this.twin(deviceId).modelId = modelId;
  }

  /** The twin as the service API answers with it (`GET /twins/{id}`), without the registry's fields. */
  serviceView(deviceId: string) {
    const twin = this.twin(deviceId);
    return {
      etag: twin.etag,
      version: twin.version,
      modelId: twin.modelId,
      tags: structuredClone(twin.tags),
      properties: { desired: sectionView(twin.desired), reported: sectionView(twin.reported) },
    };
  }

  /** What a device gets for `$iothub/twin/GET`: both sections with their versions, no metadata. */
  deviceView(deviceId: string) {
    const { desired, reported } = this.twin(deviceId);
    return {
      desired: { ...structuredClone(desired.values), $version: desired.version },
      reported: { ...structuredClone(reported.values), $version: reported.version },
    };
  }

  /** A device's reported patch (`null` deletes): the new reported and twin versions. */
  patchReported(deviceId: string, patch: unknown): { version: number; twinVersion: number } {
    const twin = this.twin(deviceId);
    const checked = checkedObject(patch, 'reported', twinLimits.reportedBytes);
    const trial = structuredClone(twin.reported.values);
    mergeInto(trial, checked);
    checkSize(trial, 'reported', twinLimits.reportedBytes);
    applyPatch(twin.reported, checked, this.now());
    twin.version++;
    return { version: twin.reported.version, twinVersion: twin.version };
  }

  /**
   * A service's update (`PATCH /twins/{id}`): tags and desired properties merged, `null` deleting.
   * Returns the desired patch the device is to be told of, with its new version, if any.
   */
  update(
    deviceId: string,
    body: unknown,
    ifMatch: string | undefined,
    mode: 'merge' | 'replace',
  ): { desiredPatch?: TwinObject & { $version: number }; tags?: TwinObject; twinVersion: number } {
    const twin = this.twin(deviceId);
    if (ifMatch && ifMatch !== '*' && ifMatch.replaceAll('"', '') !== twin.etag)
      throw new TwinError(412, 'PreconditionFailed', `the twin's etag is not ${ifMatch}`);
    const input = checkedObject(body, 'twin', Number.POSITIVE_INFINITY);
    const tags =
      input.tags === undefined
        ? undefined
        : checkedObject(input.tags, 'tags', twinLimits.tagsBytes);
    const properties = input.properties as { desired?: unknown } | undefined;
    const desired =
      properties?.desired === undefined
        ? undefined
        : checkedObject(properties.desired, 'desired', twinLimits.desiredBytes);
    const at = this.now();
    if (tags) {
      const next = mode === 'replace' ? {} : structuredClone(twin.tags);
      mergeInto(next, tags);
      checkSize(next, 'tags', twinLimits.tagsBytes);
      twin.tags = next;
    }
    let desiredPatch: (TwinObject & { $version: number }) | undefined;
    if (desired) {
      const patch = mode === 'replace' ? replacementPatch(twin.desired.values, desired) : desired;
      const trial = structuredClone(twin.desired.values);
      mergeInto(trial, patch);
      checkSize(trial, 'desired', twinLimits.desiredBytes);
      applyPatch(twin.desired, patch, at);
      desiredPatch = { ...structuredClone(patch), $version: twin.desired.version };
    }
    if (tags || desired) {
      twin.version++;
      twin.etag = newEtag();
    }
    return {
      ...(desiredPatch ? { desiredPatch } : {}),
      ...(tags ? { tags: structuredClone(tags) } : {}),
      twinVersion: twin.version,
    };
  }
}

function sectionView(part: Section) {
  const $metadata: Record<string, unknown> = {
    $lastUpdated: part.lastUpdated,
    $lastUpdatedVersion: part.version,
  };
  for (const [key, { at, version }] of part.updated)
    if (key in part.values) $metadata[key] = { $lastUpdated: at, $lastUpdatedVersion: version };
  return { ...structuredClone(part.values), $metadata, $version: part.version };
}

function applyPatch(part: Section, patch: TwinObject, now: number): void {
  part.version++;
  const at = new Date(now).toISOString();
  mergeInto(part.values, patch);
  for (const key of Object.keys(patch)) part.updated.set(key, { at, version: part.version });
  part.lastUpdated = at;
}

/** JSON merge patch: objects merge, `null` deletes, anything else replaces. */
function mergeInto(target: TwinObject, patch: TwinObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const current = target[key];
      const next: TwinObject =
        current && typeof current === 'object' && !Array.isArray(current) ? current : {};
      mergeInto(next, value);
      target[key] = next;
    } else target[key] = value;
  }
}

/** A replace as a patch: what is gone becomes `null`, so versions and notifications follow it. */
function replacementPatch(current: TwinObject, next: TwinObject): TwinObject {
  const patch: TwinObject = structuredClone(next);
  for (const key of Object.keys(current)) if (!(key in next)) patch[key] = null;
  return patch;
}

function checkedObject(value: unknown, what: string, maxBytes: number): TwinObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TwinError(400, 'ArgumentInvalid', `${what} must be a JSON object`);
  checkKeys(value as TwinObject, what, 1);
  checkSize(value as TwinObject, what, maxBytes);
  return value as TwinObject;
}

function checkKeys(value: TwinObject, path: string, depth: number): void {
  if (depth > twinLimits.depth)
    throw new TwinError(
      400,
      'ArgumentInvalid',
      `${path} nests deeper than ${twinLimits.depth} levels`,
    );
  for (const [key, inner] of Object.entries(value)) {
    // Keys exclude control characters, '.', '$' and spaces; `$version` and the like are the hub's.
    if (
      key === '' ||
      Buffer.byteLength(key) > twinLimits.keyBytes ||
      [...key].some(isForbiddenKeyCharacter)
    )
      throw new TwinError(
        400,
        'ArgumentInvalid',
        `${path}: "${key.slice(0, 40)}" is not a valid property name`,
      );
    if (inner && typeof inner === 'object' && !Array.isArray(inner))
      checkKeys(inner, `${path}.${key}`, depth + 1);
  }
}

function checkSize(value: TwinObject, what: string, maxBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxBytes)
    throw new TwinError(
      400,
      'ArgumentInvalid',
      `${what} would be ${bytes} bytes; the limit is ${maxBytes}`,
    );
}

/** Control characters (C0 and C1), '.', '$' and the space: not allowed in a property name. */
function isForbiddenKeyCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || '.$ '.includes(character);
}
