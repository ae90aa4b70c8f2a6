import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { type ServiceError, sendJson } from '@fieldline/emulator-kit';

/** An error as IoT Hub reports it (the kit's shape for any service's error). */
export type HubError = ServiceError;

export function unauthorized(detail: string): HubError {
  return { status: 401, code: 'IotHubUnauthorizedAccess', message: `Unauthorized: ${detail}` };
}

export function deviceNotFound(deviceId: string): HubError {
  return { status: 404, code: 'DeviceNotFound', message: `Device ${deviceId} not registered` };
}

export function argumentInvalid(message: string): HubError {
  return { status: 400, code: 'ArgumentInvalid', message };
}

/** Errors in the hub's shape: `{Message: "ErrorCode:<code>;<text>", ExceptionMessage}` and `iothub-errorcode`. */
export function sendHubError(response: http.ServerResponse, error: HubError): void {
  sendJson(
    response,
    error.status,
    {
      Message: `ErrorCode:${error.code};${error.message}`,
      ExceptionMessage: `Tracking ID:${randomUUID().replaceAll('-', '')}-TimeStamp:${new Date().toISOString()}`,
    },
    { 'iothub-errorcode': error.code },
  );
}
