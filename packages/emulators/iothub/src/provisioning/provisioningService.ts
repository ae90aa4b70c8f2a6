import { randomUUID } from 'node:crypto';
import type { ParsedSasToken } from '../protocol/sharedAccessSignature';
import {
  attest,
  type OperationResult,
  type ProvisioningOptions,
  registerDevice,
} from './deviceRegistration';
import { registrationIdPattern } from './enrollmentStore';

/** An answer in the device registration API's terms, for either door to send. */
export interface ProvisioningAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** How long a device is told to wait before polling an operation, in seconds (DPS sends 3). */
export const retryAfterSeconds = 1;
// Finished operations are kept for polling; the oldest go first past this many.
const maxOperations = 10_000;

/** A refusal as DPS words it: `{ errorCode, trackingId, message, timestampUtc }`. */
export function provisioningError(status: number, message: string): ProvisioningAnswer {
  const detail: Record<number, number> = {
    400: 400004,
    401: 401002,
    404: 404201,
    409: 409201,
    412: 412002,
  };
  return {
    status,
    body: {
      errorCode: detail[status] ?? status * 1000,
      trackingId: randomUUID(),
      message,
      timestampUtc: new Date().toISOString(),
    },
  };
}

/**
 * The device registration API both doors serve (api-version 2019-03-31): register, which answers
 * `assigning` with an operation id, and the operation's status, which answers with the assignment.
 * https://learn.microsoft.com/rest/api/iot-dps/device/runtime-registration
 */
export function createProvisioningService(
  options: ProvisioningOptions & { readonly now: () => number },
) {
  const operations = new Map<string, { registrationId: string; result: OperationResult }>();
  const checked = (registrationId: string, token: ParsedSasToken | undefined) => {
    if (!registrationIdPattern.test(registrationId))
      return provisioningError(
        400,
        `registration id "${registrationId.slice(0, 80)}" is not valid`,
      );
    const proof = attest(options, registrationId, token, options.now());
    return 'message' in proof ? provisioningError(401, proof.message) : proof;
  };
  return {
    idScope: options.idScope,
    async register(
      registrationId: string,
      token: ParsedSasToken | undefined,
      body: unknown,
    ): Promise<ProvisioningAnswer> {
      const proof = checked(registrationId, token);
      if ('status' in proof) return proof;
      const request = (body ?? {}) as { registrationId?: unknown; payload?: unknown };
      if (request.registrationId !== undefined && request.registrationId !== registrationId)
        return provisioningError(400, 'registrationId in the body does not match the registration');
      const result = await registerDevice(options, proof, request.payload);
      operations.set(result.operationId, { registrationId, result });
      for (const oldest of operations.keys()) {
        if (operations.size <= maxOperations) break;
        operations.delete(oldest);
      }
      return { status: 202, body: { operationId: result.operationId, status: 'assigning' } };
    },
    status(
      registrationId: string,
      operationId: string,
      token: ParsedSasToken | undefined,
    ): ProvisioningAnswer {
      const proof = checked(registrationId, token);
      if ('status' in proof) return proof;
      const operation = operations.get(operationId);
      if (!operation || operation.registrationId.toLowerCase() !== registrationId.toLowerCase())
        return provisioningError(
          404,
          `no operation ${operationId.slice(0, 80)} for ${registrationId}`,
        );
      return { status: 200, body: operation.result };
    },
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
