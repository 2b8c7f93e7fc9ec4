import type { Command } from 'commander';

/**
 * Every subcommand registers here, one module each:
 * check, replay, campaign (the harness), bench, verify, dump (the engine's tools).
 */
export function registerCommands(program: Command): void {
  void program;
}
