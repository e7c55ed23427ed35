// In a describe block: the emulated CCE add-on operations take 300 ms instead of their default
// durations, and each test's injected add-on faults and timings are undone after it.
import { DEFAULT_ADDON_TIMINGS } from './emulator/cce-addon-state.js';
import type { TestEnvironment } from './environment.js';

export function useQuickAddonOperations(env: () => TestEnvironment): void {
  beforeEach(() => {
    env().emulator.state.addonTimings = { installMs: 300, upgradeMs: 300, deleteMs: 300 };
  });
  afterEach(() => {
    env().emulator.state.addonTimings = { ...DEFAULT_ADDON_TIMINGS };
    env().emulator.state.addonFaults.clear();
  });
}
