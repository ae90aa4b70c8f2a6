import { deviceNotFound, type HubError, unauthorized } from '../protocol/hubErrors';
import { type ParsedSasToken, signatureMatches } from '../protocol/sharedAccessSignature';
import type { DeviceIdentity } from '../state/registryStore';

/** A hub policy's rights, and a provisioning service policy's (EnrollmentRead onwards). */
export type PolicyRight =
  | 'RegistryRead'
  | 'RegistryWrite'
  | 'ServiceConnect'
  | 'DeviceConnect'
  | 'EnrollmentRead'
  | 'EnrollmentWrite'
  | 'RegistrationStatusRead'
  | 'RegistrationStatusWrite';

export interface AccessPolicy {
  readonly name: string;
  readonly key: string;
  readonly rights: readonly PolicyRight[];
}

export interface Authorizer {
  /** A service token: a known policy's signature, in date, in scope, with the right asked for. */
  policy(
    token: ParsedSasToken | undefined,
    right: PolicyRight,
    resource: string,
  ): HubError | undefined;
  /** Like `policy`, satisfied by any one of the rights; the first right's refusal otherwise. */
  anyOf(
    token: ParsedSasToken | undefined,
    rights: readonly PolicyRight[],
    resource: string,
  ): HubError | undefined;
  /** A device token (its own key, or a policy with DeviceConnect), for an enabled device. */
  device(
    token: ParsedSasToken,
    deviceId: string,
    device: DeviceIdentity | undefined,
  ): HubError | undefined;
}

/** SAS authorization as the hub applies it, against its shared access policies and device keys. */
export function createAuthorizer(options: {
  readonly hostName: string;
  readonly policies: readonly AccessPolicy[];
  readonly now: () => number;
}): Authorizer {
  const expired = (token: ParsedSasToken) =>
    token.expiry * 1000 <= options.now() ? unauthorized('the SAS token has expired') : undefined;
  const authorizer: Authorizer = {
    policy(token, right, resource) {
      if (!token?.policyName) return unauthorized('a service SAS token with skn is required');
      const policy = options.policies.find((p) => p.name === token.policyName);
      if (!policy || !signatureMatches(token, policy.key))
        return unauthorized('the signature does not match');
      const expiry = expired(token);
      if (expiry) return expiry;
      if (!inScope(token, resource))
        return unauthorized(`the token's scope ${token.resourceUri} does not cover ${resource}`);
      if (!policy.rights.includes(right))
        return unauthorized(`policy ${policy.name} lacks ${right}`);
      return undefined;
    },
    anyOf(token, rights, resource) {
      const refusals = rights.map((right) => authorizer.policy(token, right, resource));
      return refusals.every((refusal) => refusal !== undefined) ? refusals[0] : undefined;
    },
    device(token, deviceId, device) {
      const resource = `${options.hostName}/devices/${deviceId}`;
      if (token.policyName) {
        return (
          authorizer.policy(token, 'DeviceConnect', resource) ??
          (device ? undefined : deviceNotFound(deviceId))
        );
      }
      if (!device) return deviceNotFound(deviceId);
      if (![device.primaryKey, device.secondaryKey].some((key) => signatureMatches(token, key)))
        return unauthorized('the signature does not match the device key');
      const expiry = expired(token);
      if (expiry) return expiry;
      if (!inScope(token, resource))
        return unauthorized(`the token's scope ${token.resourceUri} is not this device`);
      if (device.status === 'disabled')
        return { status: 403, code: 'DeviceDisabled', message: `device ${deviceId} is disabled` };
      return undefined;
    },
  };
  return authorizer;
}

function inScope(token: ParsedSasToken, resource: string): boolean {
  const scope = token.resourceUri.toLowerCase().replace(/\/$/, '');
  const target = resource.toLowerCase();
  return target === scope || target.startsWith(`${scope}/`);
}
