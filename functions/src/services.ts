import type { AppConfig } from './platform/config';
import { tableNames } from './platform/settingNames';
import {
  createTableClientFactory,
  type TableClientFactoryOptions,
} from './platform/tableClientFactory';
import { CalibrationStore } from './telemetry/calibrationStore';
import { DeviceStateStore } from './telemetry/deviceStateStore';
import { RejectionStore } from './telemetry/rejectionStore';
import { createTelemetryIngestor, type TelemetryIngestor } from './telemetry/telemetryIngestor';

export interface Services {
  readonly deviceStates: DeviceStateStore;
  readonly calibrations: CalibrationStore;
  readonly rejections: RejectionStore;
  readonly ingestor: TelemetryIngestor;
}

export interface ServiceOptions {
  readonly tables?: TableClientFactoryOptions;
}

/** The composition root: builds every store and core from validated config. No I/O happens here. */
export function createServices(config: AppConfig, options: ServiceOptions = {}): Services {
  const table = createTableClientFactory(config.storage, options.tables);
  const deviceStates = new DeviceStateStore({
    table: table(tableNames.deviceState),
    historyLength: config.telemetry.historyLength,
  });
  const calibrations = new CalibrationStore({
    table: table(tableNames.calibration),
    cacheTtlMs: config.telemetry.calibrationCacheMs,
  });
  const rejections = new RejectionStore(table(tableNames.rejections));
  const ingestor = createTelemetryIngestor({
    deviceStates,
    calibrations,
    rejections,
    limits: { maxMessageBytes: config.telemetry.maxMessageBytes, maxReadingsPerMessage: 100 },
  });
  return { deviceStates, calibrations, rejections, ingestor };
}
