// The chaos suite at a size CI can afford (npm run chaos runs it in full): a few runtime
// kills, a short window of CCI faults, an install and an uninstall killed and run again. Each
// scenario must end with no invariant violated; the seed is printed to repeat a failure.
import assert from 'node:assert/strict';
import {
  apiserverRestarts,
  cciFaultWindow,
  installKills,
  runtimeKills,
  seededRandom,
  type ChaosReport,
} from '../chaos/scenarios.js';
import { useTestEnvironment } from '../env/environment.js';

describe('chaos, bounded', function () {
  this.timeout(600_000);
  const env = useTestEnvironment();
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
  const random = seededRandom(seed);
  const check = (report: ChaosReport) => {
    assert.ok(report.cycles > 0 && report.faults > 0, `${report.scenario}: ran and injected faults`);
    assert.deepEqual(report.violations, [], `${report.scenario} (seed ${seed})`);
  };

  it('the runtime SIGKILLed at random points: one CCI pod per pod, no leak, no wrong failure', async () => {
    check(await runtimeKills(env(), random, 3));
  });

  it('the kube-apiserver restarted while pods burst: the same, once it is back', async () => {
    check(await apiserverRestarts(env(), random, 1));
  });

  it('CCI answering 429, 503 and too slowly for 10 s while the workload scales', async () => {
    check(await cciFaultWindow(env(), random, 10));
  });

  it('install and uninstall SIGKILLed at random points and run again: a consistent release, then nothing', async () => {
    check(await installKills(env(), random, 1));
  });
});
