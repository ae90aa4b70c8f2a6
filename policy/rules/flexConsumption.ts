import { lifecycleEntry } from './lifecycle';

/**
 * What Flex Consumption accepts, as documented, where the ARM specs say nothing. Both the Pulumi
 * program (which must not send what Flex rejects) and the policy rules read these.
 */

/**
 * `siteConfig` keys a Flex Consumption site answers 400 to ("The following site configuration
 * property ... for Flex Consumption sites is invalid"). azure-native adds the first two itself.
 * https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
 * pulumi-azure-native#4168, #3074; azure-pipelines-tasks#21032; azure-cli#31414.
 */
export const flexRejectedSiteConfig = [
  'netFrameworkVersion',
  'localMySqlEnabled',
  'ftpsState',
  'use32BitWorkerProcess',
  'preWarmedInstanceCount',
  'functionsRuntimeScaleMonitoringEnabled',
  'linuxFxVersion',
  'alwaysOn',
  'javaVersion',
  'powerShellVersion',
  'pythonVersion',
  'nodeVersion',
] as const;

/** App settings Flex Consumption replaces with `functionAppConfig` (and rejects or ignores). */
export const flexRejectedAppSettings = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
] as const;

/**
 * Node.js majors Flex Consumption runs, with the day support ends (from the retirement radar).
 * https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#supported-language-stack-versions
 */
export const flexRuntimeVersions = {
  node: {
    '22': lifecycleEntry('node-22').endOfSupport as string,
    '24': lifecycleEntry('node-24').endOfSupport as string,
  },
} as const;

/** https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-memory */
export const flexInstanceMemoryMB = [512, 2048, 4096] as const;

/** https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#limitations */
export const flexMaximumInstances = { min: 40, max: 1000 } as const;

/**
 * Always-ready entries name a per-function scaling group or one function.
 * https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#always-ready-instances
 */
export const flexAlwaysReadyName = /^(http|blob|durable|function:[A-Za-z0-9_-]+)$/;
