export { registerWalMetrics, type WalMetricsOptions, type WalStatsSource } from './metrics.js';
export { walHealth, type HealthCheck, type HealthLevel, type HealthOptions, type HealthReport } from './health.js';
export { createLogger, isLogLevel, LOG_LEVELS, type Logger } from './logging.js';
export { serveOps, type OpsServer, type OpsServerOptions } from './server.js';
export { registerStoreMetrics, type StoreMetricsOptions, type StoreStatsSource } from './store-metrics.js';
export { registerDeadLetterMetrics, type DeadLetterMetricsOptions, type DeadLetterStatsSource } from './dead-letter-metrics.js';
