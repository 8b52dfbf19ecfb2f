export { ExecutionTuple } from './tuple.js'
export {
  evenSequence, fillSequence, formatSegment, formatSequence, parseSegment, parseSequence,
} from './segment.js'
export type { ExecutionSegment } from './segment.js'
export { formatRational, parseRational } from './rational.js'
export type { Rational } from './rational.js'
