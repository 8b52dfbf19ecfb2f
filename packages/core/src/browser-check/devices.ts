/** A device a check can emulate: its viewport, pixel ratio, and whether it is a touch phone or tablet. */
export interface DeviceProfile {
  viewport: { width: number, height: number }
  deviceScaleFactor: number
  isMobile: boolean
  hasTouch: boolean
}

/** Names of the built-in device presets. */
export const DEVICE_PRESETS = ['desktop', 'laptop', 'tablet', 'mobile'] as const
/** One of the built-in device presets. */
export type DevicePreset = typeof DEVICE_PRESETS[number]

// Common sizes: a 1366×768 desktop and 1280×800 laptop (the most used screens), an iPad Air and a Pixel 7.
const PROFILES: Readonly<Record<DevicePreset, DeviceProfile>> = {
  desktop: { viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  laptop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  tablet: {
    viewport: { width: 820, height: 1180 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  },
  mobile: {
    viewport: { width: 412, height: 915 }, deviceScaleFactor: 2.625, isMobile: true, hasTouch: true,
  },
}

/** The profile of a preset. */
export function deviceProfile (preset: DevicePreset): DeviceProfile {
  return PROFILES[preset]
}
