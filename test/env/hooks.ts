// Mocha root hooks: the shared test environment is stopped once, after the last test of the run.
import { stopSharedTestEnvironment } from './environment.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedTestEnvironment();
  },
};
