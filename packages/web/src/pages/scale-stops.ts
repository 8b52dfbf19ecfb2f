/**
 * The values the scale slider stops at: every count up to 10 (small fleets are the common case), then coarser
 * steps up to `max`, so one slider serves both 1–10 and 1,000 (a linear 0–1,000 slider moves 1 per 1–2 px).
 */
export function scaleStops (max: number): number[] {
  const steps: Array<[until: number, step: number]> = [[10, 1], [20, 2], [50, 5], [100, 10], [200, 20], [500, 50]]
  const stops: number[] = []
  let value = 0
  for (const [until, step] of steps) {
    for (; value < until && value < max; value += step) stops.push(value)
  }
  for (; value < max; value += 100) stops.push(value)
  stops.push(max)
  return stops
}

/** The slider position showing `value`: the highest stop not above it. */
export function stopIndexOf (stops: number[], value: number): number {
  let index = 0
  while (index + 1 < stops.length && (stops[index + 1] ?? Infinity) <= value) index++
  return index
}
