import type { Command } from 'commander';
import { registerCheck } from './check.js';
import { registerReplay } from './replay.js';
import { registerCampaignCommand } from './campaign.js';
import { registerVerifyCommand } from './verify.js';
import { registerDumpCommand } from './dump.js';
import { registerBenchCommand } from './bench.js';
import { registerServeOpsCommand } from './serve-ops.js';
import { registerBackupCommands } from './backup.js';
import { registerRestoreCommands } from './restore.js';
import { registerDlqCommands } from './dlq.js';
import { registerExploreCommand } from './explore.js';

/**
 * Every subcommand registers here, one module each:
 * check, replay, campaign, explore (the harness), bench, verify, dump, serve-ops, backup, restore-backup, recovery-points, restore, dlq (the engine's tools).
 */
export function registerCommands(program: Command): void {
  registerCheck(program);
  registerReplay(program);
  registerCampaignCommand(program);
  registerExploreCommand(program);
  registerVerifyCommand(program);
  registerDumpCommand(program);
  registerBenchCommand(program);
  registerServeOpsCommand(program);
  registerBackupCommands(program);
  registerRestoreCommands(program);
  registerDlqCommands(program);
}
