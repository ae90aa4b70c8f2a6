export * from './connectionString';
export * from './freePort';
export * from './httpServer';
export * from './localCertificates';
