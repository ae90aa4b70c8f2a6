import { createHmac, randomUUID } from 'node:crypto';
import { type ParsedSasToken, signatureMatches } from '../protocol/sharedAccessSignature';
import type { RegistryStore } from '../state/registryStore';
import type { TwinStore } from '../state/twinStore';
import type {
  EnrollmentGroup,
  EnrollmentStore,
  IndividualEnrollment,
  InitialTwin,
  RegistrationState,
  SymmetricKeys,
} from './enrollmentStore';

// DPS's device registration, as "Device provisioning concepts" and the symmetric-key attestation
// page describe it: https://learn.microsoft.com/azure/iot-dps/concepts-symmetric-key-attestation

export interface ProvisioningOptions {
  /** The service's ID scope, which every registration names first (`0ne…` in Azure). */
  readonly idScope: string;
  /** The one linked hub every device is assigned to. */
  readonly hubHostName: string;
  readonly enrollments: EnrollmentStore;
  readonly registry: RegistryStore;
  readonly twins: TwinStore;
  /** Calls a custom allocation policy's webhook; the global fetch unless given. */
  readonly fetch?: typeof fetch;
}

/** The enrollment a device proved it belongs to, and the keys its hub identity gets. */
export interface Attested {
  readonly registrationId: string;
  readonly individual?: IndividualEnrollment;
  readonly group?: EnrollmentGroup;
  readonly deviceKeys: SymmetricKeys;
}

export type Refusal = { readonly status: 401; readonly message: string };

/** What the status poll answers: `assigned` with the registration, or `failed`/`disabled`. */
export interface OperationResult {
  readonly operationId: string;
  readonly status: 'assigning' | 'assigned' | 'failed' | 'disabled';
  readonly registrationState?: Partial<RegistrationState> & {
    readonly errorCode?: number;
    readonly errorMessage?: string;
  };
}

/**
 * A device key under a group: base64 HMAC-SHA256 of the registration id, keyed with the group key.
 * https://learn.microsoft.com/azure/iot-dps/how-to-legacy-device-symm-key#derive-a-device-key
 */
export function deriveDeviceKey(groupKey: string, registrationId: string): string {
  return createHmac('sha256', Buffer.from(groupKey, 'base64'))
    .update(registrationId, 'utf8')
    .digest('base64');
}

/**
 * Which enrollment a device's SAS token proves, checked as DPS does: scoped to
 * `{idScope}/registrations/{registrationId}`, in date, signed with the individual enrollment's key
 * or, failing that, a key derived from a symmetric-key group's. A key derived for another
 * registration id matches neither.
 */
export function attest(
  options: ProvisioningOptions,
  registrationId: string,
  token: ParsedSasToken | undefined,
  now: number,
): Attested | Refusal {
  const refuse = (message: string): Refusal => ({ status: 401, message });
  if (!token) return refuse('a SharedAccessSignature token is required');
  const scope = `${options.idScope}/registrations/${registrationId}`.toLowerCase();
  if (token.resourceUri.toLowerCase() !== scope)
    return refuse(`the token's scope ${token.resourceUri} is not ${scope}`);
  if (token.expiry * 1000 <= now) return refuse('the SAS token has expired');
  const individual = options.enrollments.individual(registrationId);
  if (individual) {
    const { primaryKey, secondaryKey } = individual.attestation.symmetricKey;
    if ([primaryKey, secondaryKey].some((key) => signatureMatches(token, key)))
      return { registrationId, individual, deviceKeys: { primaryKey, secondaryKey } };
  }
  for (const group of options.enrollments.allGroups()) {
    const deviceKeys = {
      primaryKey: deriveDeviceKey(group.attestation.symmetricKey.primaryKey, registrationId),
      secondaryKey: deriveDeviceKey(group.attestation.symmetricKey.secondaryKey, registrationId),
    };
    if (Object.values(deviceKeys).some((key) => signatureMatches(token, key)))
      return { registrationId, group, deviceKeys };
  }
  return refuse(`no enrollment of ${registrationId} matches the token's key`);
}

/**
 * Assigns an attested device to the hub: creates its identity with the enrollment's keys and, the
 * first time (or when the reprovision policy resets it), its twin from the initial twin. A custom
 * allocation policy's webhook is asked first and may give the twin and a payload for the device.
 */
export async function registerDevice(
  options: ProvisioningOptions,
  attested: Attested,
  payload: unknown,
): Promise<OperationResult> {
  const operationId = `5.${randomUUID()}`;
  const enrollment = attested.individual ?? attested.group;
  if (!enrollment) throw new Error('an attested device always has an enrollment');
  const { registrationId } = attested;
  if (enrollment.provisioningStatus === 'disabled')
    return {
      operationId,
      status: 'disabled',
      registrationState: { registrationId, status: 'disabled' },
    };
  let initialTwin = enrollment.initialTwin;
  let returned: unknown;
  if (enrollment.allocationPolicy === 'custom') {
    const allocated = await askWebhook(options, attested, payload);
    if ('errorMessage' in allocated)
      return {
        operationId,
        status: 'failed',
        registrationState: { registrationId, status: 'failed', errorCode: 400209, ...allocated },
      };
    initialTwin = allocated.initialTwin ?? initialTwin;
    returned = allocated.payload;
  }
  const deviceId = attested.individual?.deviceId ?? registrationId;
  const previous = options.enrollments.registration(registrationId);
  const existing = options.registry.get(deviceId);
  const policy = enrollment.reprovisionPolicy;
  let substatus: RegistrationState['substatus'] = 'initialAssignment';
  if (previous && existing && !policy.updateHubAssignment) substatus = previous.substatus;
  else {
    const put = options.registry.put(deviceId, attested.deviceKeys, existing ? '*' : undefined);
    if (!put.ok) throw new Error(`the registry refused ${deviceId}: ${put.message}`);
    if (previous && existing)
      substatus = policy.migrateDeviceData ? 'deviceDataMigrated' : 'deviceDataReset';
    if (substatus !== 'deviceDataMigrated') applyInitialTwin(options.twins, deviceId, initialTwin);
  }
  const state = options.enrollments.recordRegistration({
    registrationId,
    deviceId,
    assignedHub: options.hubHostName,
    status: 'assigned',
    substatus,
    ...(attested.group ? { enrollmentGroupId: attested.group.enrollmentGroupId } : {}),
    ...(returned !== undefined ? { payload: returned } : {}),
  });
  return { operationId, status: 'assigned', registrationState: state };
}

/** A new (or reset) twin: the initial twin's tags and desired properties, nothing reported. */
function applyInitialTwin(twins: TwinStore, deviceId: string, initial: InitialTwin | undefined) {
  twins.remove(deviceId);
  const tags = initial?.tags;
  const desired = initial?.properties?.desired;
  if (!tags && !desired) return;
  twins.update(
    deviceId,
    { ...(tags ? { tags } : {}), ...(desired ? { properties: { desired } } : {}) },
    undefined,
    'replace',
  );
}

/**
 * A custom allocation policy's webhook, called as "Use custom allocation policies" documents
 * (https://learn.microsoft.com/azure/iot-dps/concepts-custom-allocation): the enrollment, the
 * device's runtime context with its payload, and the linked hubs; it answers with the hub, and
 * may add an initial twin and a payload for the device.
 */
async function askWebhook(
  options: ProvisioningOptions,
  attested: Attested,
  payload: unknown,
): Promise<{ initialTwin?: InitialTwin; payload?: unknown } | { errorMessage: string }> {
  const enrollment = attested.individual ?? attested.group;
  const url = enrollment?.customAllocationDefinition?.webhookUrl ?? '';
  const { attestation: _keys, ...described } = enrollment ?? {};
  const request = {
    [attested.individual ? 'individualEnrollment' : 'enrollmentGroup']: described,
    deviceRuntimeContext: {
      registrationId: attested.registrationId,
      symmetricKey: {},
      ...(payload !== undefined ? { payload } : {}),
    },
    linkedHubs: [options.hubHostName],
  };
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return { errorMessage: `the allocation webhook answered ${response.status}` };
    const answer = (await response.json()) as {
      iotHubHostName?: unknown;
      initialTwin?: InitialTwin;
      payload?: unknown;
    };
    if (answer.iotHubHostName !== options.hubHostName)
      return {
        errorMessage: `the allocation webhook chose ${String(answer.iotHubHostName)}, which is not a linked hub`,
      };
    return {
      ...(answer.initialTwin ? { initialTwin: answer.initialTwin } : {}),
      ...(answer.payload !== undefined ? { payload: answer.payload } : {}),
    };
  } catch (error) {
    return {
      errorMessage: `the allocation webhook could not be called: ${(error as Error).message}`,
    };
  }
}
