import { randomBytes } from 'node:crypto';
import type { TwinObject } from '../state/twinStore';

// The Device Provisioning Service's enrollments, in the shapes of its service API (2021-10-01):
// https://learn.microsoft.com/rest/api/iot-dps/service/enrollment-group
// https://learn.microsoft.com/rest/api/iot-dps/service/individual-enrollment

export interface SymmetricKeys {
  readonly primaryKey: string;
  readonly secondaryKey: string;
}

export interface ReprovisionPolicy {
  /** Re-provisioning may assign the device again (to the same hub, here); never when false. */
  readonly updateHubAssignment: boolean;
  /** Keep the device's twin when it re-provisions; reset it to the initial twin when false. */
  readonly migrateDeviceData: boolean;
}

export interface InitialTwin {
  readonly tags?: TwinObject;
  readonly properties?: { readonly desired?: TwinObject };
}

/** What an enrollment group and an individual enrollment share. */
interface EnrollmentCommon {
  readonly attestation: { readonly type: 'symmetricKey'; readonly symmetricKey: SymmetricKeys };
  readonly provisioningStatus: 'enabled' | 'disabled';
  readonly reprovisionPolicy: ReprovisionPolicy;
  readonly initialTwin?: InitialTwin;
  /** `custom` sends each registration to `customAllocationDefinition.webhookUrl`. */
  readonly allocationPolicy?: 'hashed' | 'geoLatency' | 'static' | 'custom';
  readonly customAllocationDefinition?: {
    readonly webhookUrl: string;
    readonly apiVersion: string;
  };
  readonly etag: string;
  readonly createdDateTimeUtc: string;
  readonly lastUpdatedDateTimeUtc: string;
}

export interface EnrollmentGroup extends EnrollmentCommon {
  readonly enrollmentGroupId: string;
}

export interface IndividualEnrollment extends EnrollmentCommon {
  readonly registrationId: string;
  readonly deviceId?: string;
}

export interface RegistrationState {
  readonly registrationId: string;
  readonly deviceId: string;
  readonly assignedHub: string;
  readonly status: 'assigned' | 'failed' | 'disabled';
  readonly substatus:
    | 'initialAssignment'
    | 'deviceDataMigrated'
    | 'deviceDataReset'
    | 'reprovisionedToInitialAssignment';
  /** The enrollment group it registered through, if any. */
  readonly enrollmentGroupId?: string;
  readonly payload?: unknown;
  readonly createdDateTimeUtc: string;
  readonly lastUpdatedDateTimeUtc: string;
  readonly etag: string;
}

export class EnrollmentError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 412,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const newKey = () => randomBytes(64).toString('base64');
const newEtag = () => `"${randomBytes(8).toString('hex')}"`;
/** Enrollment group ids and registration ids: alphanumerics, `-`, `.`, `_`, `:`, up to 128. */
export const registrationIdPattern = /^[a-z0-9][a-z0-9._:-]{0,127}$/i;
const defaultReprovision: ReprovisionPolicy = {
  updateHubAssignment: true,
  migrateDeviceData: true,
};

/** Enrollment groups, individual enrollments and registrations, in memory. */
export class EnrollmentStore {
  private readonly groups = new Map<string, EnrollmentGroup>();
  private readonly individuals = new Map<string, IndividualEnrollment>();
  private readonly registrations = new Map<string, RegistrationState>();

  constructor(private readonly now: () => number = Date.now) {}

  group(id: string): EnrollmentGroup | undefined {
    return this.groups.get(id.toLowerCase());
  }

  individual(registrationId: string): IndividualEnrollment | undefined {
    return this.individuals.get(registrationId.toLowerCase());
  }

  /** Every enabled group, for symmetric-key attestation to try in turn. */
  allGroups(): EnrollmentGroup[] {
    return [...this.groups.values()];
  }

  registration(registrationId: string): RegistrationState | undefined {
    return this.registrations.get(registrationId.toLowerCase());
  }

  putGroup(id: string, body: unknown, ifMatch: string | undefined): EnrollmentGroup {
    const fields = readEnrollment(body, this.groups.get(id.toLowerCase()), ifMatch);
    const group: EnrollmentGroup = { ...fields, enrollmentGroupId: id };
    this.groups.set(id.toLowerCase(), group);
    return group;
  }

  putIndividual(registrationId: string, body: unknown, ifMatch: string | undefined) {
    const existing = this.individuals.get(registrationId.toLowerCase());
    const fields = readEnrollment(body, existing, ifMatch);
    const deviceId = (body as { deviceId?: unknown }).deviceId;
    if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId === ''))
      throw new EnrollmentError(400, 'BadRequest', 'deviceId must be a non-empty string');
    const enrollment: IndividualEnrollment = {
      ...fields,
      registrationId,
      ...(typeof deviceId === 'string' ? { deviceId } : {}),
    };
    this.individuals.set(registrationId.toLowerCase(), enrollment);
    return enrollment;
  }

  deleteGroup(id: string, ifMatch: string | undefined): void {
    deleteFrom(this.groups, id, ifMatch, 'enrollment group');
  }

  deleteIndividual(registrationId: string, ifMatch: string | undefined): void {
    deleteFrom(this.individuals, registrationId, ifMatch, 'enrollment');
  }

  deleteRegistration(registrationId: string, ifMatch: string | undefined): void {
    deleteFrom(this.registrations, registrationId, ifMatch, 'registration');
  }

  recordRegistration(
    state: Omit<RegistrationState, 'createdDateTimeUtc' | 'lastUpdatedDateTimeUtc' | 'etag'>,
  ): RegistrationState {
    const at = new Date(this.now()).toISOString();
    const previous = this.registration(state.registrationId);
    const recorded: RegistrationState = {
      ...state,
      createdDateTimeUtc: previous?.createdDateTimeUtc ?? at,
      lastUpdatedDateTimeUtc: at,
      etag: newEtag(),
    };
    this.registrations.set(state.registrationId.toLowerCase(), recorded);
    return recorded;
  }
}

/** A PUT body's fields, checked against the existing enrollment's ETag; keys made where none given. */
function readEnrollment(
  body: unknown,
  existing: EnrollmentCommon | undefined,
  ifMatch: string | undefined,
): EnrollmentCommon {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new EnrollmentError(400, 'BadRequest', 'the body must be a JSON object');
  const input = body as Record<string, unknown>;
  const etag = ifMatch ?? (typeof input.etag === 'string' ? input.etag : undefined);
  if (existing && etag !== undefined && etag !== '*' && etag !== existing.etag)
    throw new EnrollmentError(412, 'PreconditionFailed', `the etag is not ${etag}`);
  if (!existing && etag !== undefined && etag !== '*')
    throw new EnrollmentError(404, 'NotFound', 'there is no enrollment with that etag to update');
  const attestation = input.attestation as
    | { type?: unknown; symmetricKey?: Partial<SymmetricKeys> }
    | undefined;
  if (attestation?.type !== 'symmetricKey')
    throw new EnrollmentError(
      400,
      'BadRequest',
      'attestation.type must be "symmetricKey"; X.509 and TPM attestation are not emulated',
    );
  const primaryKey = keyOrNew(attestation.symmetricKey?.primaryKey, 'primaryKey');
  const secondaryKey = keyOrNew(attestation.symmetricKey?.secondaryKey, 'secondaryKey');
  const status = input.provisioningStatus ?? 'enabled';
  if (status !== 'enabled' && status !== 'disabled')
    throw new EnrollmentError(400, 'BadRequest', 'provisioningStatus must be enabled or disabled');
  const at = new Date().toISOString();
  const allocation = input.allocationPolicy;
  if (
    allocation !== undefined &&
    !['hashed', 'geoLatency', 'static', 'custom'].includes(allocation as string)
  )
    throw new EnrollmentError(
      400,
      'BadRequest',
      'allocationPolicy must be hashed, geoLatency, static or custom',
    );
  const custom = input.customAllocationDefinition as
    | { webhookUrl?: unknown; apiVersion?: unknown }
    | undefined;
  if (
    allocation === 'custom' &&
    (typeof custom?.webhookUrl !== 'string' || !/^https?:\/\//.test(custom.webhookUrl))
  )
    throw new EnrollmentError(
      400,
      'BadRequest',
      'a custom allocation needs customAllocationDefinition.webhookUrl',
    );
  return {
    attestation: { type: 'symmetricKey', symmetricKey: { primaryKey, secondaryKey } },
    provisioningStatus: status,
    reprovisionPolicy: readReprovision(input.reprovisionPolicy),
    ...(input.initialTwin !== undefined ? { initialTwin: readInitialTwin(input.initialTwin) } : {}),
    ...(allocation !== undefined
      ? { allocationPolicy: allocation as EnrollmentCommon['allocationPolicy'] }
      : {}),
    ...(allocation === 'custom' && custom
      ? {
          customAllocationDefinition: {
            webhookUrl: custom.webhookUrl as string,
            apiVersion: typeof custom.apiVersion === 'string' ? custom.apiVersion : '2021-10-01',
          },
        }
      : {}),
    etag: newEtag(),
    createdDateTimeUtc: existing?.createdDateTimeUtc ?? at,
    lastUpdatedDateTimeUtc: at,
  };
}

function keyOrNew(key: unknown, name: string): string {
  if (key === undefined || key === null || key === '') return newKey();
  if (
    typeof key !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(key) ||
    Buffer.from(key, 'base64').length < 16
  )
    throw new EnrollmentError(
      400,
      'BadRequest',
      `attestation.symmetricKey.${name} must be a base64 key of 16 to 64 bytes`,
    );
  return key;
}

function readReprovision(value: unknown): ReprovisionPolicy {
  if (value === undefined || value === null) return defaultReprovision;
  const policy = value as Partial<Record<keyof ReprovisionPolicy, unknown>>;
  for (const name of ['updateHubAssignment', 'migrateDeviceData'] as const)
    if (policy[name] !== undefined && typeof policy[name] !== 'boolean')
      throw new EnrollmentError(
        400,
        'BadRequest',
        `reprovisionPolicy.${name} must be true or false`,
      );
  return {
    updateHubAssignment: (policy.updateHubAssignment as boolean | undefined) ?? true,
    migrateDeviceData: (policy.migrateDeviceData as boolean | undefined) ?? true,
  };
}

function readInitialTwin(value: unknown): InitialTwin {
  const isObject = (v: unknown): v is TwinObject =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const twin = value as { tags?: unknown; properties?: { desired?: unknown } };
  if (!isObject(value))
    throw new EnrollmentError(400, 'BadRequest', 'initialTwin must be an object');
  if (twin.tags !== undefined && twin.tags !== null && !isObject(twin.tags))
    throw new EnrollmentError(400, 'BadRequest', 'initialTwin.tags must be an object');
  const desired = twin.properties?.desired;
  if (desired !== undefined && desired !== null && !isObject(desired))
    throw new EnrollmentError(
      400,
      'BadRequest',
      'initialTwin.properties.desired must be an object',
    );
  return {
    ...(isObject(twin.tags) ? { tags: twin.tags } : {}),
    ...(isObject(desired) ? { properties: { desired } } : {}),
  };
}

function deleteFrom<T extends { etag: string }>(
  map: Map<string, T>,
  id: string,
  ifMatch: string | undefined,
  what: string,
): void {
  const existing = map.get(id.toLowerCase());
  if (!existing) throw new EnrollmentError(404, 'NotFound', `no ${what} ${id}`);
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== existing.etag)
    throw new EnrollmentError(412, 'PreconditionFailed', `the etag is not ${ifMatch}`);
  map.delete(id.toLowerCase());
}
