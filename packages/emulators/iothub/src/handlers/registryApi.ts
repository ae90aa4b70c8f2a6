import type http from 'node:http';
import { readBody, sendJson } from '@fieldline/emulator-kit';
import { deviceIdPattern, parseDeviceBody, toDeviceJson } from '../protocol/deviceJson';
import { argumentInvalid, deviceNotFound, sendHubError } from '../protocol/hubErrors';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import type { RegistryStore } from '../state/registryStore';
import type { TwinStore } from '../state/twinStore';
import type { Authorizer, PolicyRight } from './authorization';

/** `PUT/GET/DELETE /devices/{id}`: the identity registry, with a service policy's rights. */
export async function handleRegistryRequest(
  deviceId: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  deps: {
    readonly hostName: string;
    readonly registry: RegistryStore;
    readonly authorizer: Authorizer;
    readonly twins: TwinStore;
  },
): Promise<void> {
  const right: PolicyRight = request.method === 'GET' ? 'RegistryRead' : 'RegistryWrite';
  const denied = deps.authorizer.policy(
    parseSasToken(request.headers.authorization),
    right,
    `${deps.hostName}/devices/${deviceId}`,
  );
  if (denied) return sendHubError(response, denied);
  if (!deviceIdPattern.test(deviceId))
    return sendHubError(response, argumentInvalid(`DeviceId '${deviceId}' is invalid`));
  const ifMatch = request.headers['if-match'];
  switch (request.method) {
    case 'GET': {
      const found = deps.registry.get(deviceId);
      if (!found) return sendHubError(response, deviceNotFound(deviceId));
      return sendJson(response, 200, toDeviceJson(found), { etag: `"${found.etag}"` });
    }
    case 'PUT': {
      const body = parseDeviceBody(await readBody(request, 64 * 1024));
      if ('error' in body) return sendHubError(response, body.error);
      if (body.deviceId !== undefined && body.deviceId !== deviceId)
        return sendHubError(
          response,
          argumentInvalid('deviceId in the body does not match the URL'),
        );
      const result = deps.registry.put(deviceId, body, ifMatch);
      if (!result.ok) return sendHubError(response, result);
      return sendJson(response, 200, toDeviceJson(result.value.device), {
        etag: `"${result.value.device.etag}"`,
      });
    }
    case 'DELETE': {
      const result = deps.registry.delete(deviceId, ifMatch);
      if (!result.ok) return sendHubError(response, result);
      deps.twins.remove(deviceId);
      response.writeHead(204).end();
      return;
    }
    default:
      return sendHubError(response, {
        status: 405,
        code: 'MethodNotAllowed',
        message: `${request.method} is not supported`,
      });
  }
}
