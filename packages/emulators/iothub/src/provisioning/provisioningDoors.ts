import type http from 'node:http';
import { type AccessPolicy, createAuthorizer } from '../handlers/authorization';
import type { RegistryStore } from '../state/registryStore';
import type { TwinStore } from '../state/twinStore';
import { EnrollmentStore } from './enrollmentStore';
import { handleProvisioningRequest, isProvisioningPath } from './provisioningApi';
import { createProvisioningMqtt } from './provisioningMqtt';
import { createProvisioningService } from './provisioningService';

export interface ProvisioningDoorOptions {
  readonly idScope: string;
  /** DPS's own shared access policies, for its service API (enrollments, registrations). */
  readonly policies: readonly AccessPolicy[];
  readonly enrollments?: EnrollmentStore;
  /** Calls a custom allocation policy's webhook; the global fetch unless given. */
  readonly fetch?: typeof fetch;
}

/** The hub the provisioning service assigns its devices to. */
export interface LinkedHub {
  readonly hostName: string;
  readonly registry: RegistryStore;
  readonly twins: TwinStore;
  readonly now: () => number;
}

/** DPS, as the hub's HTTPS and MQTT doors serve it: one service behind both. */
export function createProvisioningDoors(options: ProvisioningDoorOptions, hub: LinkedHub) {
  const attestation = {
    idScope: options.idScope,
    hubHostName: hub.hostName,
    enrollments: options.enrollments ?? new EnrollmentStore(hub.now),
    registry: hub.registry,
    twins: hub.twins,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const service = createProvisioningService({ ...attestation, now: hub.now });
  const routes = {
    hostName: hub.hostName,
    service,
    enrollments: attestation.enrollments,
    authorizer: createAuthorizer({
      hostName: hub.hostName,
      policies: options.policies,
      now: hub.now,
    }),
  };
  return {
    enrollments: attestation.enrollments,
    mqtt: createProvisioningMqtt(service, attestation, hub.now),
    /** Serves the request if its path is DPS's (no hub path overlaps them); undefined if not. */
    serve(request: http.IncomingMessage, response: http.ServerResponse, pathname: string) {
      if (!isProvisioningPath(pathname)) return undefined;
      return handleProvisioningRequest(request, response, pathname, routes);
    },
  };
}
