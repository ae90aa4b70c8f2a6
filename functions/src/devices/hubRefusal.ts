import { AppError } from '../host/appError';

/**
 * A hub answer that is not a success, as an AppError whose code says what happened: not found,
 * a device offline or silent, a conflict, throttling (after `createHubRestCall`'s retries), a bad
 * request (with the hub's reason), or the hub being unavailable.
 */
export async function hubRefusal(
  response: Response,
  what: string,
  deviceId?: string,
): Promise<AppError> {
  const code = response.headers.get('iothub-errorcode') ?? '';
  const text = ((await response.json().catch(() => ({}))) as { Message?: string }).Message ?? '';
  const subject = deviceId === undefined ? what : `device ${deviceId}`;
  if (code === 'DeviceNotOnline')
    return new AppError(
      'device_offline',
      `device ${deviceId} is not connected, so it cannot take ${what}`,
    );
  if (response.status === 404) return new AppError('not_found', `no ${subject}`);
  if (response.status === 504 || code === 'GatewayTimeout')
    return new AppError('device_timeout', `device ${deviceId} did not answer ${what} in time`);
  if (response.status === 412)
    return new AppError('conflict', `the twin of ${deviceId} changed meanwhile; read it again`);
  if (response.status === 429)
    return new AppError(
      'too_many_requests',
      code === 'ThrottlingMaxActiveJobCountExceeded'
        ? "IoT Hub's tier runs no more jobs at once; wait for one to finish or cancel one"
        : `IoT Hub is throttling ${what}; try again later`,
      { headers: { 'retry-after': '5' } },
    );
  if (response.status === 400)
    return new AppError(
      'validation_failed',
      text.replace(/^ErrorCode:[^;]*;/, '') || `IoT Hub refused ${what}`,
    );
  return new AppError('unavailable', `IoT Hub answered ${response.status} to ${what}`);
}
