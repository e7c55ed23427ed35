// Mocha's spec reporter, plus a JSON file with the run's counts, so that `npm test` can end with the
// plain "N passed, N failed" line after the coverage summary. The path comes from VKCTL_TEST_COUNTS.
const fs = require('node:fs');
const Mocha = require('mocha');

class SpecWithCounts extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.VKCTL_TEST_COUNTS;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!file) return;
      const { passes, failures, pending } = this.stats;
      fs.writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
    });
  }
}

module.exports = SpecWithCounts;
