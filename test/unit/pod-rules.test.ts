// CCI's pod rules at every boundary. Each case names the exact rules it must break (none = it can
// burst). Cases without PVCs are also put to the emulator's separately written rules, so that
// vkctl and the emulated CCI agree on what CCI accepts.
import assert from 'node:assert/strict';
import type { V1Container, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { cciPodViolations, DEFAULT_SFS_STORAGE_CLASSES } from '../../src/shared/cci-rules.js';
import { cciPodProblems } from '../env/emulator/cci-rules.js';

function c(
  cpu: string | undefined,
  memory: string | undefined,
  extra: Partial<V1Container> = {},
): V1Container {
  const size: Record<string, string> = {};
  if (cpu !== undefined) size.cpu = cpu;
  if (memory !== undefined) size.memory = memory;
  return {
    name: extra.name ?? 'app',
    image: 'nginx',
    resources: { requests: { ...size }, limits: { ...size } },
    ...extra,
  };
}

function pod(containers: V1Container[], extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    containers: containers.map((x, i) => ({ ...x, name: x.name === 'app' && i > 0 ? `app${i}` : x.name })),
    ...extra,
  };
}

const claims: Record<string, string> = {
  shared: 'csi-nas',
  turbo: 'csi-sfsturbo',
  disk: 'csi-disk',
  custom: 'my-sfs',
};
const vol = (v: Omit<V1Volume, 'name'>, name = 'data'): V1Volume => ({ name, ...v });

interface Case {
  name: string;
  spec: V1PodSpec;
  breaks: string[];
  sfsStorageClasses?: string[];
}

const cases: Case[] = [
  // Pod CPU range: 0.25-32, or exactly 48 or 64.
  { name: 'pod cpu 0.25 core, 1 GiB (smallest pod)', spec: pod([c('250m', '1Gi')]), breaks: [] },
  { name: 'pod cpu 32 cores, 64 GiB', spec: pod([c('32', '64Gi')]), breaks: [] },
  { name: 'pod cpu 32.25 cores', spec: pod([c('32.25', '128Gi')]), breaks: ['pod-cpu-range'] },
  { name: 'pod cpu 33 cores', spec: pod([c('33', '128Gi')]), breaks: ['pod-cpu-range'] },
  { name: 'pod cpu 47.75 cores', spec: pod([c('47.75', '192Gi')]), breaks: ['pod-cpu-range'] },
  { name: 'pod cpu exactly 48 cores', spec: pod([c('48', '192Gi')]), breaks: [] },
  { name: 'pod cpu exactly 64 cores, 512 GiB', spec: pod([c('64', '512Gi')]), breaks: [] },
  { name: 'pod cpu 64.25 cores', spec: pod([c('64.25', '512Gi')]), breaks: ['pod-cpu-range'] },
  {
    name: 'pod cpu 48 summed from two containers',
    spec: pod([c('24', '96Gi'), c('24', '96Gi')]),
    breaks: [],
  },
  // Container CPU: at least 0.25, a multiple of 0.25.
  {
    name: 'container cpu 0.2 core',
    spec: pod([c('200m', '1Gi'), c('750m', '3Gi')]),
    breaks: ['container-cpu-min'],
  },
  {
    name: 'container cpu 0.3 core',
    spec: pod([c('300m', '1Gi'), c('700m', '3Gi')]),
    breaks: ['container-cpu-step', 'container-cpu-step'],
  },
  { name: 'container cpu 1.1 cores', spec: pod([c('1.1', '4Gi')]), breaks: ['container-cpu-step'] },
  { name: 'container cpu 0.75 core', spec: pod([c('750m', '2Gi')]), breaks: [] },
  { name: 'container cpu "1000m" equals "1"', spec: pod([c('1000m', '4Gi')]), breaks: [] },
  {
    name: 'container cpu 250001u (just over 0.25)',
    spec: pod([c('250001u', '1Gi')]),
    breaks: ['container-cpu-step'],
  },
  // Container memory: at least 0.2 GiB.
  {
    name: 'container memory exactly 0.2 GiB',
    spec: pod([c('250m', '0.2Gi'), c('250m', '0.8Gi')]),
    breaks: [],
  },
  {
    name: 'container memory 0.19 GiB',
    spec: pod([c('250m', '0.19Gi'), c('250m', '0.81Gi')]),
    breaks: ['container-memory-min'],
  },
  // Pod memory: whole GiB, 1-512.
  {
    name: 'pod memory 0.5 GiB',
    spec: pod([c('250m', '512Mi')]),
    breaks: ['pod-memory-whole-gib', 'pod-memory-range'],
  },
  { name: 'pod memory 1.5 GiB', spec: pod([c('500m', '1536Mi')]), breaks: ['pod-memory-whole-gib'] },
  { name: 'pod memory 1024Mi is 1 GiB', spec: pod([c('250m', '1024Mi')]), breaks: [] },
  { name: 'pod memory in bytes, 1073741824', spec: pod([c('250m', '1073741824')]), breaks: [] },
  {
    name: 'pod memory 2G (decimal) is not whole GiB',
    spec: pod([c('500m', '2G')]),
    breaks: ['pod-memory-whole-gib'],
  },
  {
    name: 'pod memory 513 GiB',
    spec: pod([c('64', '513Gi')]),
    breaks: ['pod-memory-range', 'cpu-memory-ratio'],
  },
  {
    name: 'pod memory summed to whole GiB',
    spec: pod([c('500m', '1536Mi'), c('500m', '512Mi')]),
    breaks: [],
  },
  // CPU:memory between 1:2 and 1:8.
  { name: 'ratio 1:2 exactly', spec: pod([c('500m', '1Gi')]), breaks: [] },
  { name: 'ratio 1:8 exactly', spec: pod([c('1', '8Gi')]), breaks: [] },
  { name: 'ratio 1:1', spec: pod([c('1', '1Gi')]), breaks: ['cpu-memory-ratio'] },
  { name: 'ratio 1:1.33', spec: pod([c('750m', '1Gi')]), breaks: ['cpu-memory-ratio'] },
  { name: 'ratio 1:9', spec: pod([c('1', '9Gi')]), breaks: ['cpu-memory-ratio'] },
  { name: 'ratio 1:8.5', spec: pod([c('2', '17Gi')]), breaks: ['cpu-memory-ratio'] },
  // Containers: at most 5.
  { name: '5 containers', spec: pod(Array.from({ length: 5 }, () => c('250m', '1Gi'))), breaks: [] },
  {
    name: '6 containers',
    spec: pod(Array.from({ length: 6 }, () => c('250m', '1Gi'))),
    breaks: ['container-count'],
  },
  // Requests equal limits; requests default to limits.
  {
    name: 'limits only (requests default to them)',
    spec: pod([{ name: 'app', image: 'x', resources: { limits: { cpu: '1', memory: '2Gi' } } }]),
    breaks: [],
  },
  {
    name: 'requests below limits',
    spec: pod([
      {
        name: 'app',
        image: 'x',
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      },
    ]),
    breaks: ['requests-equal-limits'],
  },
  {
    name: 'requests without limits',
    spec: pod([{ name: 'app', image: 'x', resources: { requests: { cpu: '1', memory: '2Gi' } } }]),
    breaks: ['requests-equal-limits', 'requests-equal-limits'],
  },
  {
    name: 'same memory in other units (2Gi vs 2048Mi)',
    spec: pod([
      {
        name: 'app',
        image: 'x',
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1000m', memory: '2048Mi' } },
      },
    ]),
    breaks: [],
  },
  {
    name: 'no resources at all',
    spec: pod([{ name: 'app', image: 'x' }]),
    breaks: ['resources-required', 'resources-required'],
  },
  { name: 'memory missing', spec: pod([c('1', undefined)]), breaks: ['resources-required'] },
  // Init containers: the pod's size is max(sum of app containers, largest init container).
  {
    name: 'init container larger than the app',
    spec: pod([c('1', '2Gi')], { initContainers: [c('2', '4Gi', { name: 'init' })] }),
    breaks: [],
  },
  {
    name: 'init container sets the ratio',
    spec: pod([c('500m', '1Gi')], { initContainers: [c('4', '40Gi', { name: 'init' })] }),
    breaks: ['cpu-memory-ratio'],
  },
  {
    name: 'init container cpu off-step',
    spec: pod([c('1', '2Gi')], { initContainers: [c('300m', '1Gi', { name: 'init' })] }),
    breaks: ['container-cpu-step'],
  },
  // Native sidecars (init containers with restartPolicy Always) are refused: CCI is at 1.19. Their
  // size is still judged as Kubernetes would count it, beside the app containers.
  {
    name: 'a sidecar adds to the app containers',
    spec: pod([c('1', '2Gi')], {
      initContainers: [c('1', '1Gi', { name: 'proxy', restartPolicy: 'Always' })],
    }),
    breaks: ['cpu-memory-ratio', 'native-sidecar'],
  },
  {
    name: 'app and sidecar summed within the rules',
    spec: pod([c('1', '2Gi')], {
      initContainers: [c('1', '2Gi', { name: 'proxy', restartPolicy: 'Always' })],
    }),
    breaks: ['native-sidecar'],
  },
  {
    name: 'an init container runs with the sidecars started before it',
    spec: pod([c('500m', '1Gi')], {
      initContainers: [
        c('1', '2Gi', { name: 'proxy', restartPolicy: 'Always' }),
        c('2', '2Gi', { name: 'migrate' }),
      ],
    }),
    breaks: ['cpu-memory-ratio', 'native-sidecar'],
  },
  {
    name: '4 containers and 2 sidecars are 6',
    spec: pod(
      Array.from({ length: 4 }, () => c('250m', '1Gi')),
      {
        initContainers: [
          c('250m', '1Gi', { name: 's1', restartPolicy: 'Always' }),
          c('250m', '1Gi', { name: 's2', restartPolicy: 'Always' }),
        ],
      },
    ),
    breaks: ['container-count', 'native-sidecar', 'native-sidecar'],
  },
  {
    name: 'requests unequal to limits still get the size rules',
    spec: pod([
      {
        name: 'app',
        image: 'x',
        resources: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '200m', memory: '1Gi' } },
      },
    ]),
    breaks: ['requests-equal-limits', 'container-cpu-min', 'pod-cpu-range', 'cpu-memory-ratio'],
  },
  // hostNetwork.
  { name: 'hostNetwork', spec: pod([c('1', '2Gi')], { hostNetwork: true }), breaks: ['host-network'] },
  // Volumes.
  {
    name: 'configMap, secret and emptyDir volumes',
    spec: pod([c('1', '2Gi')], {
      volumes: [
        vol({ configMap: { name: 'cm' } }, 'a'),
        vol({ secret: { secretName: 's' } }, 'b'),
        vol({ emptyDir: {} }, 'c'),
      ],
    }),
    breaks: [],
  },
  {
    name: 'emptyDir mounted with subPath',
    spec: pod([c('1', '2Gi', { volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: 'y' }] })], {
      volumes: [vol({ emptyDir: {} }, 'scratch')],
    }),
    breaks: ['emptydir-subpath'],
  },
  {
    name: 'configMap mounted with subPath is fine',
    spec: pod([c('1', '2Gi', { volumeMounts: [{ name: 'cfg', mountPath: '/x', subPath: 'y' }] })], {
      volumes: [vol({ configMap: { name: 'c' } }, 'cfg')],
    }),
    breaks: [],
  },
  {
    name: 'hostPath volume',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ hostPath: { path: '/var' } })] }),
    breaks: ['volume-type'],
  },
  {
    name: 'projected volume',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ projected: { sources: [] } })] }),
    breaks: ['volume-type'],
  },
  {
    name: 'PVC of SFS (csi-nas)',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ persistentVolumeClaim: { claimName: 'shared' } })] }),
    breaks: [],
  },
  {
    name: 'PVC of SFS Turbo',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ persistentVolumeClaim: { claimName: 'turbo' } })] }),
    breaks: [],
  },
  {
    name: 'PVC of EVS disk',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ persistentVolumeClaim: { claimName: 'disk' } })] }),
    breaks: ['volume-pvc-class'],
  },
  {
    name: 'PVC not in the input',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ persistentVolumeClaim: { claimName: 'nowhere' } })] }),
    breaks: ['volume-pvc-class'],
  },
  {
    name: 'PVC of a class configured as SFS',
    spec: pod([c('1', '2Gi')], { volumes: [vol({ persistentVolumeClaim: { claimName: 'custom' } })] }),
    breaks: [],
    sfsStorageClasses: ['my-sfs'],
  },
];

describe('CCI pod rules', () => {
  it('has at least 40 boundary cases', () => assert.ok(cases.length >= 40, `${cases.length} cases`));

  for (const tc of cases) {
    it(`${tc.breaks.length === 0 ? 'accepts' : 'refuses'}: ${tc.name}`, () => {
      const violations = cciPodViolations(tc.spec, {
        sfsStorageClasses: tc.sfsStorageClasses ?? DEFAULT_SFS_STORAGE_CLASSES,
        pvcStorageClass: (name) => claims[name],
      });
      assert.deepEqual(
        violations.map((v) => v.rule).sort(),
        [...tc.breaks].sort(),
        JSON.stringify(violations),
      );
      for (const v of violations) assert.ok(v.message.length > 0);
      const usesClaims = (tc.spec.volumes ?? []).some((v) => v.persistentVolumeClaim);
      if (!usesClaims) {
        const emulator = cciPodProblems({ spec: tc.spec });
        // 'native-sidecar' is vkctl foreseeing a hang, not a refusal: CCI drops the field and
        // takes the pod. The emulator is compared on everything else.
        const refusals = violations.filter((v) => v.rule !== 'native-sidecar');
        assert.equal(
          emulator.length === 0,
          refusals.length === 0,
          `the emulator disagrees: ${emulator.join('; ')}`,
        );
      }
    });
  }
});
