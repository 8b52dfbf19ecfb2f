import { ExecutionTuple, parseSegment, parseSequence } from '@loadfleet/core'

/** The segment flags of `loadfleet run`, as k6 spells them. */
export interface SegmentFlags {
  executionSegment?: string
  executionSegmentSequence?: string
}

/**
 * The part of the test this run executes (k6's `--execution-segment` within `--execution-segment-sequence`), or a
 * one-line problem. Undefined without the flags: the whole test.
 */
export function segmentOf (flags: SegmentFlags): ExecutionTuple | string | undefined {
  const { executionSegment, executionSegmentSequence } = flags
  if (executionSegment === undefined && executionSegmentSequence === undefined) return undefined
  const segment = executionSegment === undefined ? undefined : parseSegment(executionSegment)
  const sequence = executionSegmentSequence === undefined ? undefined : parseSequence(executionSegmentSequence)
  const problem = [...segment?.diagnostics ?? [], ...sequence?.diagnostics ?? []][0]
  if (problem !== undefined) return `${problem.path}: ${problem.message}`
  const tuple = ExecutionTuple.of(segment?.value, sequence?.value ?? [])
  return tuple.value ?? `${tuple.diagnostics[0]?.path ?? ''}: ${tuple.diagnostics[0]?.message ?? ''}`
}
