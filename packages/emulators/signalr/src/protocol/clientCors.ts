import type { CorsPolicy } from '@fieldline/emulator-kit';

/** Browsers negotiate and call from any origin, with credentials, as the service allows them. */
export const clientCors: CorsPolicy = {
  allows: () => true,
  credentials: true,
  headers: 'authorization, content-type, x-requested-with, x-signalr-user-agent',
  methods: 'GET, POST, OPTIONS',
};
