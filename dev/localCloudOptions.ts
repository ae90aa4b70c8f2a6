import type { FunctionKeys, RunningFunctionHost } from '@fieldline/functions-host';
import type {
  HubEventLog,
  HubTier,
  RegistryStore,
  RunningIotHub,
} from '@fieldline/iothub-emulator';
import type { RunningMongo } from '@fieldline/mongo-emulator';
import type { RunningSearch } from '@fieldline/search-emulator';
import type { RunningSignalR } from '@fieldline/signalr-emulator';
import type { LocalEndpoints, LocalUser } from '../tools/localEndpoints';
import type { RunningAzurite } from './azurite';
import type { RunningDashboard } from './dashboardServer';
import type { RunningLocalIdentity } from './localIdentity';
import type { RegionNetwork } from './network/regionNetwork';

/** IoT Hub's HTTPS port, the only one azure-iothub's Registry and the device HTTP transport use. */
export const standardHttpsPort = 443;
/** IoT Hub's and DPS's MQTT over TLS port, which the SDKs use when a host names none. */
export const standardMqttPort = 8883;

export interface LocalCloudPorts {
  readonly api: number;
  readonly dashboard?: number;
  readonly iotHub: number;
  /** The hub's MQTT over TLS port (IoT Hub's own is 8883). */
  readonly mqtt?: number;
  /**
   * The hub's HTTPS port. At IoT Hub's own, 443, the official SDKs that cannot be given a port
   * (azure-iothub's Registry, the device HTTP transport) reach it as `localhost`; when 443 cannot
   * be had, a free port is used instead and `endpoints.iotHub.https.problem` says why.
   */
  readonly iotHubHttps?: number;
  readonly signalR: number;
  readonly identity?: number;
  readonly mongo?: number;
  readonly search?: number;
  readonly blob?: number;
  readonly queue?: number;
  readonly table?: number;
}

export interface LocalCloudOptions {
  /** 0 (or absent) picks a free port. */
  readonly ports?: Partial<LocalCloudPorts>;
  /** Keep Azurite's data here across restarts; in memory when absent. */
  readonly dataDir?: string;
  /** Where `keys.json` and `local.json` go; nothing is written when absent (keys are then fresh). */
  readonly stateDir?: string;
  readonly partitions?: number;
  readonly corsOrigins?: readonly string[];
  /** A real MongoDB server for the encounters feature; the in-memory stand-in starts when absent. */
  readonly mongodbUri?: string;
  /** How long `/api/health` reuses one round of probes; 30 s as in Azure when absent. */
  readonly healthCacheMs?: number;
  /** Extra or overriding app settings for the function app. */
  readonly settings?: Record<string, string>;
  /**
   * Put a region's network between the function app and storage, SignalR and MongoDB: each of
   * their requests takes this many more milliseconds there and back. Devices and browsers are
   * not delayed. For benchmarks (`npm run bench -- --rtt <ms>`).
   */
  readonly rttMs?: number;
  /** The IoT Hub tier whose throttles the emulator enforces (`--hub-tier`); none by default. */
  readonly hubTier?: HubTier;
  /** The SignalR stand-in delivers every upstream call this many times (a retrying service); 1 when absent. */
  readonly upstreamDeliveries?: number;
  /** Who can sign in to the local issuer; the standard local users when absent. */
  readonly users?: readonly LocalUser[];
  /**
   * Run the SignalR-triggered functions on this many instances (function hosts with their own
   * services, caches and connections), with upstream calls spread over them in turn, as Azure does
   * when it scales out. 1 when absent; for the rooms benchmark.
   */
  readonly upstreamInstances?: number;
  /** Called each time a room update loses a race and is recomputed; for the rooms benchmark. */
  readonly onRoomConflict?: () => void;
  readonly log?: (line: string) => void;
  /** Serve the dashboard: build it first, or serve an existing build. Off when absent. */
  readonly dashboard?: {
    readonly build: boolean;
    readonly stage?: string;
    readonly staleAfterSeconds?: number;
    readonly offlineAfterSeconds?: number;
  };
}

export interface LocalCloud {
  readonly endpoints: LocalEndpoints;
  readonly azurite: RunningAzurite;
  readonly iotHub: RunningIotHub & { readonly log: HubEventLog; readonly registry: RegistryStore };
  readonly signalR: RunningSignalR;
  readonly identity: RunningLocalIdentity;
  /** The MongoDB stand-in; absent when a real server was given. */
  readonly mongo: RunningMongo | undefined;
  /** The search stand-in. */
  readonly search: RunningSearch;
  /** What the function app reaches the services through, with `rttMs`: a baseline can use it too. */
  readonly network: RegionNetwork | undefined;
  readonly host: RunningFunctionHost;
  readonly dashboard: RunningDashboard | undefined;
  readonly keys: FunctionKeys;
  /** Failures on demand, for the soak test: each part comes back on its own ports and data. */
  readonly faults: {
    /** Kills Azurite and starts it again after `downMs` (its data survives only with `dataDir`). */
    restartAzurite(downMs: number): Promise<void>;
    stopSignalR(): Promise<void>;
    startSignalR(): Promise<void>;
    /** Stops the function host and starts a new one, which goes on from the checkpoints. */
    restartHost(): Promise<void>;
  };
  stop(): Promise<void>;
}
