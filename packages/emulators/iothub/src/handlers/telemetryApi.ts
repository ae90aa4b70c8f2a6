import type http from 'node:http';
import { readBody } from '@fieldline/emulator-kit';
import { sendHubError, unauthorized } from '../protocol/hubErrors';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import type { DeviceGate } from './deviceGate';

// The headers the device HTTP transport sets a message's system properties in, by the hub's names.
const systemPropertyHeaders: Readonly<Record<string, string>> = {
  'iothub-messageid': 'message-id',
  'iothub-correlationid': 'correlation-id',
  'iothub-userid': 'user-id',
  'iothub-to': 'to',
  'iothub-expiry': 'absolute-expiry-time',
  'iothub-contenttype': 'content-type',
  'iothub-contentencoding': 'content-encoding',
};

/** `POST /devices/{id}/messages/events`: one device-to-cloud message, with a device's SAS. */
export async function handleTelemetryRequest(
  deviceId: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  deps: { readonly gate: DeviceGate; readonly maxMessageBytes: number },
): Promise<void> {
  const token = parseSasToken(request.headers.authorization);
  if (!token)
    return sendHubError(response, unauthorized('missing or malformed SharedAccessSignature'));
  const denied = deps.gate.authorize(token, deviceId);
  if (denied) return sendHubError(response, denied);
  const body = await readBody(request, deps.maxMessageBytes);
  // Property names keep the case they were sent in (`temperatureAlert`), so from the raw headers.
  const properties: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.toLowerCase().startsWith('iothub-app-'))
      properties[name.slice('iothub-app-'.length)] = raw[i + 1] as string;
  }
  const system: Record<string, string> = {};
  for (const [header, property] of Object.entries(systemPropertyHeaders)) {
    const value = request.headers[header];
    if (typeof value === 'string') system[property] = value;
  }
  // A plain REST client's body type stands in for the system property it did not set.
  const contentType = request.headers['content-type'];
  if (!system['content-type'] && contentType) system['content-type'] = contentType;
  deps.gate.accept(deviceId, token, body, properties, system);
  response.writeHead(204).end();
}
