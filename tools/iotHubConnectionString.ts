import { parseConnectionString } from '@fieldline/emulator-kit';

/** The parts of an IoT Hub connection string that fieldline uses. */
export interface IotHubConnectionString {
  readonly hostName: string;
  readonly sharedAccessKeyName?: string;
  readonly sharedAccessKey: string;
  readonly deviceId?: string;
}

/** Parses `HostName=...;SharedAccessKeyName=...;SharedAccessKey=...` (or `DeviceId=...` for a device). */
export function parseIotHubConnectionString(connectionString: string): IotHubConnectionString {
  const fields = parseConnectionString(connectionString, {
    kind: 'an IoT Hub',
    required: ['HostName', 'SharedAccessKey'],
    example: 'HostName=...;SharedAccessKeyName=...;SharedAccessKey=...',
  });
  const hostName = fields.get('hostname') as string;
  const sharedAccessKey = fields.get('sharedaccesskey') as string;
  const keyName = fields.get('sharedaccesskeyname');
  const deviceId = fields.get('deviceid');
  return {
    hostName,
    sharedAccessKey,
    ...(keyName ? { sharedAccessKeyName: keyName } : {}),
    ...(deviceId ? { deviceId } : {}),
  };
}
