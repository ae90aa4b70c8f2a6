import { randomBytes } from 'node:crypto';
import { createHubRestCall, createServiceAuthorization } from '../gateway/iotHubRest';
import { AppError } from '../host/appError';
import { dataPlaneVersions } from '../settings/dataPlaneVersions';
import type { ProvisioningConfig } from './settings';

/** An enrollment group as fieldline shows it: never with its keys, which only creation returns. */
export interface EnrollmentGroupView {
  readonly id: string;
  readonly enabled: boolean;
  readonly initialTwin: { readonly tags: object; readonly desired: object };
  /** What re-provisioning does: move the device to the hub DPS picks, and keep or reset its twin. */
  readonly reprovision: {
    readonly updateHubAssignment: boolean;
    readonly migrateDeviceData: boolean;
  };
  readonly etag: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** What its devices need besides their derived key. */
  readonly provisioning: { readonly idScope: string; readonly host: string };
}

export interface EnrollmentGroupChange {
  /**
   * A creation's keys, when they come from elsewhere (the IoT Central app a fleet moves from, so
   * its devices keep their derived keys); new ones otherwise. An existing group's keys change only
   * through `regenerateKey`.
   */
  readonly keys?: Partial<SymmetricKeys>;
  readonly enabled: boolean;
  readonly initialTwin: { readonly tags: object; readonly desired: object };
  readonly reprovision: EnrollmentGroupView['reprovision'];
}

export interface SymmetricKeys {
  readonly primaryKey: string;
  readonly secondaryKey: string;
}

/** DPS's record, as its service API (2021-10-01) sends and takes it; the fields fieldline uses. */
interface DpsEnrollmentGroup {
  enrollmentGroupId: string;
  attestation: { type: string; symmetricKey?: SymmetricKeys };
  provisioningStatus?: 'enabled' | 'disabled';
  initialTwin?: { tags?: object; properties?: { desired?: object } };
  reprovisionPolicy?: { updateHubAssignment?: boolean; migrateDeviceData?: boolean };
  etag?: string;
  createdDateTimeUtc?: string;
  lastUpdatedDateTimeUtc?: string;
}

/**
 * Symmetric-key enrollment groups through DPS's service REST API: create (with new 64-byte keys,
 * as DPS makes them), change (keeping the keys and the ETag DPS checks), read and delete.
 * https://learn.microsoft.com/rest/api/iot-dps/service/enrollment-group
 */
export function createEnrollmentGroups(options: {
  readonly config: ProvisioningConfig;
  readonly fetch?: typeof fetch;
}) {
  const { config } = options;
  const call = createHubRestCall({
    service: 'the Device Provisioning Service',
    authorization: createServiceAuthorization({
      hostName: config.hostName,
      access: config.access,
      scope: 'https://azure-devices-provisioning.net/.default',
    }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const url = (id: string) =>
    `${config.endpoint}/enrollmentGroups/${encodeURIComponent(id)}?api-version=${dataPlaneVersions.provisioning}`;
  const view = (group: DpsEnrollmentGroup): EnrollmentGroupView => ({
    id: group.enrollmentGroupId,
    enabled: group.provisioningStatus !== 'disabled',
    initialTwin: {
      tags: group.initialTwin?.tags ?? {},
      desired: withoutMetadata(group.initialTwin?.properties?.desired ?? {}),
    },
    reprovision: {
      updateHubAssignment: group.reprovisionPolicy?.updateHubAssignment ?? true,
      migrateDeviceData: group.reprovisionPolicy?.migrateDeviceData ?? true,
    },
    etag: group.etag ?? '',
    createdAt: group.createdDateTimeUtc ?? '',
    updatedAt: group.lastUpdatedDateTimeUtc ?? '',
    provisioning: { idScope: config.idScope, host: config.deviceHost },
  });

  async function read(id: string): Promise<DpsEnrollmentGroup | undefined> {
    const response = await call('GET', url(id), { timeoutMs: 30_000 });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await dpsRefusal(response, `enrollment group ${id}`);
    return (await response.json()) as DpsEnrollmentGroup;
  }

  async function write(record: DpsEnrollmentGroup, ifMatch?: string) {
    const response = await call('PUT', url(record.enrollmentGroupId), {
      body: record,
      ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
      timeoutMs: 30_000,
    });
    if (!response.ok)
      throw await dpsRefusal(response, `enrollment group ${record.enrollmentGroupId}`);
    return (await response.json()) as DpsEnrollmentGroup;
  }

  return {
    async get(id: string): Promise<EnrollmentGroupView> {
      const group = await read(id);
      if (!group) throw new AppError('not_found', `no enrollment group ${id}`);
      return view(group);
    },

    /** Creates the group, or changes an existing one; only a creation answers with the keys. */
    async put(
      id: string,
      change: EnrollmentGroupChange,
    ): Promise<{ created: boolean; group: EnrollmentGroupView; keys?: SymmetricKeys }> {
      const existing = await read(id);
      if (existing && existing.attestation.type !== 'symmetricKey')
        throw new AppError(
          'conflict',
          `enrollment group ${id} attests with ${existing.attestation.type}; fieldline manages symmetric-key groups only`,
        );
      if (existing && change.keys)
        throw new AppError(
          'conflict',
          `enrollment group ${id} exists: its keys change only through POST /api/enrollment-groups/${id}/regenerate-key`,
        );
      const keys = existing?.attestation.symmetricKey ?? {
        primaryKey: change.keys?.primaryKey ?? newKey(),
        secondaryKey: change.keys?.secondaryKey ?? newKey(),
      };
      const written = await write(
        {
          enrollmentGroupId: id,
          attestation: { type: 'symmetricKey', symmetricKey: keys },
          provisioningStatus: change.enabled ? 'enabled' : 'disabled',
          initialTwin: {
            tags: change.initialTwin.tags,
            properties: { desired: change.initialTwin.desired },
          },
          reprovisionPolicy: change.reprovision,
        },
        existing?.etag,
      );
      return existing
        ? { created: false, group: view(written) }
        : { created: true, group: view(written), keys };
    },

    /**
     * Replaces one of the group's keys with a new one, the rest of the group as it is, and
     * answers with that key alone: one step of a rotation.
     */
    async regenerateKey(
      id: string,
      which: 'primary' | 'secondary',
    ): Promise<{ group: EnrollmentGroupView; keys: Partial<SymmetricKeys> }> {
      const existing = await read(id);
      if (!existing) throw new AppError('not_found', `no enrollment group ${id}`);
      const kept = existing.attestation.symmetricKey;
      if (!kept)
        throw new AppError(
          'conflict',
          `enrollment group ${id} attests with ${existing.attestation.type}; it has no keys to regenerate`,
        );
      const fresh = { [`${which}Key`]: newKey() };
      const written = await write(
        { ...existing, attestation: { type: 'symmetricKey', symmetricKey: { ...kept, ...fresh } } },
        existing.etag,
      );
      return { group: view(written), keys: fresh };
    },

    async delete(id: string): Promise<void> {
      const response = await call('DELETE', url(id), { timeoutMs: 30_000 });
      await response.body?.cancel();
      if (response.status === 404) throw new AppError('not_found', `no enrollment group ${id}`);
      if (!response.ok) throw await dpsRefusal(response, `enrollment group ${id}`);
    },
  };
}

export type EnrollmentGroups = ReturnType<typeof createEnrollmentGroups>;

/** A 64-byte key, base64, as DPS generates for a symmetric-key enrollment. */
function newKey(): string {
  return randomBytes(64).toString('base64');
}

/** A twin section as DPS stores it carries `$metadata` and `$version`, which a change never sends. */
function withoutMetadata(section: object): object {
  return Object.fromEntries(Object.entries(section).filter(([name]) => !name.startsWith('$')));
}

/** A DPS answer that is not a success, as an AppError that says what happened. */
async function dpsRefusal(response: Response, what: string): Promise<AppError> {
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (response.status === 404) return new AppError('not_found', `no ${what}`);
  if (response.status === 412)
    return new AppError('conflict', `${what} changed meanwhile; read it and try again`);
  if (response.status === 429)
    return new AppError(
      'too_many_requests',
      `DPS is throttling changes to ${what}; try again later`,
      {
        headers: { 'retry-after': '5' },
      },
    );
  if (response.status === 400)
    return new AppError('validation_failed', body.message ?? `DPS refused ${what}`);
  // 401 and 403 are the app's own credentials or role: an operator's problem, not the caller's.
  return new AppError('unavailable', `DPS answered ${response.status} to ${what}`);
}
