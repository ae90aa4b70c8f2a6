import type http from 'node:http';
import https from 'node:https';
import { type LocalCertificates, listen, PortInUseError } from '@fieldline/emulator-kit';

/**
 * The HTTPS door. azure-iothub's `Registry` and the device HTTP transport take the hub's host name
 * as a host and cannot be given a port, so they reach a local hub only at `localhost:443`.
 */
export async function startHttpsDoor(
  door: {
    readonly port: number;
    readonly orElseFreePort?: boolean;
    readonly certificates: Pick<LocalCertificates, 'certPem' | 'keyPem'>;
  },
  onRequest: http.RequestListener,
): Promise<{ server: https.Server; port: number; problem?: string }> {
  const tlsOptions = { cert: door.certificates.certPem, key: door.certificates.keyPem };
  const server = https.createServer(tlsOptions, onRequest);
  try {
    return { server, port: await listen(server, door.port, 'IoT Hub HTTPS') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const unavailable = error instanceof PortInUseError || code === 'EACCES';
    if (!door.orElseFreePort || !unavailable) throw error;
    const fallback = https.createServer(tlsOptions, onRequest);
    return {
      server: fallback,
      port: await listen(fallback, 0, 'IoT Hub HTTPS'),
      problem:
        error instanceof PortInUseError
          ? `port ${door.port} is in use`
          : `port ${door.port} needs a privilege this process lacks (EACCES)`,
    };
  }
}
