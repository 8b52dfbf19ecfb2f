import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  Agent, AgentHeartbeat, AgentLeave, AgentName, AgentRegister, AgentRegistered, AgentTarget, Run, RunFinish, RunId,
  RunStart,
} from '@loadfleet/api'
import { agentTimeMs, type RouteDeps } from '../deps.js'
import { recordRunResult, startRun } from '../../db/run-lifecycle.js'
import { afterRunJudged } from '../../judging/after-run.js'
import { AgentNotFound } from '../../errors.js'
import { issueAgentCredential, type AgentCredentialStore } from '../agent-credentials.js'

const NameParams = z.strictObject({ name: AgentName })
const RunParams = z.strictObject({ name: AgentName, runId: RunId })
const security = [{ bearerAuth: [] }]

/**
 * Agent routes: register takes the enrolment secret (bearer DASHBOARD_SECRET) and answers a credential of the agent's
 * own; heartbeat, leave, poll targets, start and finish runs take that credential, and only for that agent's name.
 */
export function agentRoutes (deps: RouteDeps) {
  const credentials: AgentCredentialStore = {
    hashOf: (name) => deps.store.repos.agents.credentialHashOf(name),
    ownerOf: (hash) => deps.store.repos.agents.nameOfCredentialHash(hash),
  }
  return function register (plugin: FastifyInstance): void {
    const app = plugin.withTypeProvider<ZodTypeProvider>()
    app.addHook('onRequest', async (req) => {
      const name = (req.params as { name?: string }).name
      // Only register has no agent in its path: whoever holds the enrolment secret is trusted to (re)enrol any name.
      if (name === undefined) deps.auth.agentEnrolment(req)
      else await deps.auth.agentCredential(req, name, credentials)
    })
    const tags = ['agents']

    app.post('/api/k6/agents/register', {
      schema: { tags, security, body: AgentRegister, response: { 200: AgentRegistered } },
    }, async (req) => {
      // A new credential on every registration: the one issued before (a previous process of this name) stops working.
      const { credential, hash } = issueAgentCredential()
      const agent = await deps.store.repos.agents.register({ ...req.body, credentialHash: hash, now: Date.now() })
      return { ...agent, credential }
    })

    app.post('/api/k6/agents/:name/heartbeat', {
      schema: { tags, security, params: NameParams, body: AgentHeartbeat, response: { 200: Agent } },
    }, async (req) => {
      const beat = await deps.store.repos.agents.heartbeat({ name: req.params.name, ...req.body, now: Date.now() })
      if (beat === undefined) throw new AgentNotFound({ name: req.params.name })
      if (beat.newDeadLetters > 0) {
        deps.metrics.agentDeadLetters.inc(beat.newDeadLetters)
        req.log.warn({ agent: req.params.name, deadLetters: beat.agent.deadLetters }, 'agent dead-lettered results')
      }
      if (beat.degradedChanged) {
        const reason = beat.agent.degradedReason
        if (reason === null) req.log.info({ agent: req.params.name }, 'agent recovered')
        else req.log.warn({ agent: req.params.name, reason }, 'agent degraded: it starts no run')
      }
      return beat.agent
    })

    app.post('/api/k6/agents/:name/leave', {
      schema: { tags, security, params: NameParams, body: AgentLeave, response: { 200: Agent } },
    }, async (req) => {
      const agent = await deps.store.repos.agents.leave({ name: req.params.name, now: Date.now() })
      if (agent === undefined) throw new AgentNotFound({ name: req.params.name })
      req.log.info({ agent: agent.name, reason: req.body.reason }, 'agent_left')
      return agent
    })

    app.get('/api/k6/agents/:name/targets', {
      schema: { tags, security, params: NameParams, response: { 200: z.object({ data: z.array(AgentTarget) }) } },
    }, async (req) => ({ data: await deps.store.targetsForAgent(req.params.name) }))

    app.post('/api/k6/agents/:name/runs', {
      schema: { tags, security, params: NameParams, body: RunStart, response: { 200: Run, 201: Run } },
    }, async (req, reply) => {
      const startedAt = agentTimeMs(req.body.startedAt, 'body.startedAt')
      const { run, created } = await startRun(deps.store, {
        agentName: req.params.name, id: req.body.id, targetId: req.body.targetId, startedAt,
      })
      return reply.code(created ? 201 : 200).send(run)
    })

    app.post('/api/k6/agents/:name/runs/:runId/finish', {
      schema: { tags, security, params: RunParams, body: RunFinish, response: { 200: Run } },
    }, async (req) => {
      const finishedAt = agentTimeMs(req.body.finishedAt, 'body.finishedAt')
      const { run, written } = await recordRunResult(deps.store, {
        agentName: req.params.name, id: req.params.runId, status: req.body.status, finishedAt,
        errorMessage: req.body.errorMessage, metrics: req.body.metrics, summary: req.body.summary,
      })
      if (written) await afterRunJudged(deps.store, run, req.log)
      deps.alerting?.()?.poke() // evaluate soon; the periodic pass would catch it anyway
      return run
    })
  }
}
