export * from './connectionString';
export * from './cors';
export * from './emulatorCli';
export * from './emulatorProcess';
export * from './freePort';
export * from './httpServer';
export * from './localCertificates';
export * from './serviceErrors';
