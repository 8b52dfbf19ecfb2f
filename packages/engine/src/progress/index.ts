export { ProgressMeter } from './run-progress.js'
export type { RunProgress } from './run-progress.js'
