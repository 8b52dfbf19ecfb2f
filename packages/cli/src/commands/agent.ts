import { Option } from 'commander'
import type { Command } from 'commander'
import { VERSION } from '../version.js'

/** Registers `loadfleet agent`: settings come from the environment (DASHBOARD_URL, DASHBOARD_SECRET, AGENT_NAME …). */
export function registerAgentCommand (program: Command): void {
  program.command('agent')
    .description('Run an agent: register with the control plane, run due targets, report every result')
    .addOption(new Option('--kind <kind>', 'load: run the load sites; browser: check the browser sites in Chromium ' +
      '(default: AGENT_KIND, else load)').choices(['load', 'browser']))
    .addHelpText('after', [
      '',
      'Environment: DASHBOARD_URL (http://localhost:3000), DASHBOARD_SECRET, AGENT_NAME (host name),',
      'POLL_INTERVAL_MS (5000), HEARTBEAT_INTERVAL_MS (30000), K6_BINARY, TMP_DIR (/tmp), K6_VUS (1),',
      'K6_DURATION (30s), MAX_CONCURRENT_RUNS (1), AGENT_KIND (load), CHROMIUM_PATH (/usr/bin/chromium).',
    ].join('\n'))
    .action(async (opts: { kind?: 'load' | 'browser' }) => {
      // Imported here, not at the top: other commands never need the agent.
      const { runAgentMain } = await import('@loadfleet/agent')
      const env = opts.kind === undefined ? process.env : { ...process.env, AGENT_KIND: opts.kind }
      process.exit(await runAgentMain({ env, version: VERSION }))
    })
}
