import type { AppRole } from '../functions/src/hosting';

// The shape of `.fieldline/local.json`, which `npm start` writes and every tool reads.

/** A person who can sign in to the local issuer. */
export interface LocalUser {
  readonly username: string;
  readonly name: string;
  readonly roles: readonly AppRole[];
}

/** A confidential client (a back end) that gets app-only tokens with the client credentials grant. */
export interface LocalClient {
  readonly id: string;
  readonly secret: string;
  readonly roles: readonly AppRole[];
}

/** The identity section of `.fieldline/local.json`: everything a tool needs to get a token. */
export interface LocalIdentity {
  readonly issuer: string;
  /** What API tokens carry in `aud`; `<audience>/.default` is the client credentials scope. */
  readonly audience: string;
  readonly dashboardClientId: string;
  /** What the dashboard asks for at sign-in. */
  readonly scopes: readonly string[];
  readonly clients: readonly LocalClient[];
  readonly users: readonly LocalUser[];
}

/** Everything a tool needs to talk to the local cloud; also written to `.fieldline/local.json`. */
export interface LocalEndpoints {
  readonly apiBaseUrl: string;
  readonly dashboardUrl: string | null;
  readonly iotHub: {
    /** `localhost`: what tokens are scoped to and connection strings name, as a hub's own host name. */
    readonly hostName: string;
    /** The plain-HTTP door (registry and device-to-cloud REST APIs), for curl and scripts. */
    readonly url: string;
    readonly connectionString: string;
    readonly eventHubName: string;
    readonly partitions: number;
    /** The local CA the TLS doors' certificate comes from: trust it (NODE_EXTRA_CA_CERTS, or `ca`). */
    readonly caPath: string;
    /**
     * Devices on the official SDKs: MQTT over TLS here, reached through the `GatewayHostName` in
     * the device connection strings registration hands out.
     */
    readonly mqtt: { readonly port: number; readonly gatewayHostName: string };
    /** The same REST APIs over TLS; at port 443 unless `problem` says why not. */
    readonly https: { readonly port: number; readonly problem?: string };
  };
  /** The Device Provisioning Service, on the hub's MQTT and HTTPS doors. */
  readonly provisioning: {
    /**
     * What a device passes to `ProvisioningDeviceClient.create`: `localhost` when MQTT is on
     * 8883, as in Azure; else `localhost:{mqtt port}`, which only the MQTT transport takes. The
     * HTTP transport and the service client take no port and need HTTPS on 443.
     */
    readonly host: string;
    readonly idScope: string;
    /** Devices derive their keys from this group key (HMAC-SHA256 of the registration id). */
    readonly enrollmentGroup: { readonly id: string; readonly primaryKey: string };
    /** For `azure-iot-provisioning-service` (which reaches `HostName` at 443 only). */
    readonly connectionString: string;
  };
  readonly storage: { readonly connectionString: string };
  readonly signalR: { readonly endpoint: string; readonly connectionString: string };
  /** The master key, for the admin API only (`POST /admin/functions/{name}`). */
  readonly functions: { readonly masterKey: string };
  /** The local issuer: its users, one client per role, and what the dashboard signs in with. */
  readonly identity: LocalIdentity;
  readonly mongodbUri: string | null;
  /** The search stand-in (Azure AI Search data plane) and its admin key. */
  readonly search: { readonly endpoint: string; readonly apiKey: string };
  /** SMS stay in the outbox (`GET /api/sms/outbox`); the token signs Twilio webhook requests. */
  readonly sms: { readonly mode: 'outbox'; readonly twilioAuthToken: string };
}
