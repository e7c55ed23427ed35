// /metrics/resource: the kubelet's resource metrics in Prometheus text format, what metrics-server
// scrapes. Made from the same Summary as /stats/summary; each sample carries its time (ms), as the
// kubelet's do, because metrics-server computes CPU rates between two scrapes' timestamps.
import type { Summary } from './stats.js';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: Record<string, string>; value: number; time: string }[];
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const SCRAPE_ERROR_HEAD =
  '# HELP resource_scrape_error 1 if there was an error while getting container metrics, 0 otherwise\n' +
  '# TYPE resource_scrape_error gauge';

function render(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    const labels = Object.entries(sample.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(
      `${family.name}${labels ? `{${labels}}` : ''} ${sample.value} ${new Date(sample.time).getTime()}`,
    );
  }
  return lines.join('\n');
}

export function renderResourceMetrics(summary: Summary | undefined): string {
  if (!summary) return `${SCRAPE_ERROR_HEAD}\nresource_scrape_error 1\n`;
  const containers = summary.pods.flatMap((pod) =>
    pod.containers.map((c) => ({
      c,
      labels: { container: c.name, namespace: pod.podRef.namespace, pod: pod.podRef.name },
    })),
  );
  const podLabels = (pod: Summary['pods'][number]) => ({
    namespace: pod.podRef.namespace,
    pod: pod.podRef.name,
  });
  const { node } = summary;
  const families: Family[] = [
    {
      name: 'container_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
      type: 'counter',
      samples: containers.map(({ c, labels }) => ({
        labels,
        value: c.cpu.usageCoreNanoSeconds / 1e9,
        time: c.cpu.time,
      })),
    },
    {
      name: 'container_memory_working_set_bytes',
      help: '[STABLE] Current working set of the container in bytes',
      type: 'gauge',
      samples: containers.map(({ c, labels }) => ({
        labels,
        value: c.memory.workingSetBytes,
        time: c.memory.time,
      })),
    },
    {
      name: 'container_start_time_seconds',
      help: '[STABLE] Start time of the container since unix epoch in seconds',
      type: 'gauge',
      samples: containers.map(({ c, labels }) => ({
        labels,
        value: new Date(c.startTime).getTime() / 1000,
        time: c.cpu.time,
      })),
    },
    {
      name: 'node_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
      type: 'counter',
      samples: [{ labels: {}, value: node.cpu.usageCoreNanoSeconds / 1e9, time: node.cpu.time }],
    },
    {
      name: 'node_memory_working_set_bytes',
      help: '[STABLE] Current working set of the node in bytes',
      type: 'gauge',
      samples: [{ labels: {}, value: node.memory.workingSetBytes, time: node.memory.time }],
    },
    {
      name: 'pod_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      type: 'counter',
      samples: summary.pods.map((p) => ({
        labels: podLabels(p),
        value: p.cpu.usageCoreNanoSeconds / 1e9,
        time: p.cpu.time,
      })),
    },
    {
      name: 'pod_memory_working_set_bytes',
      help: '[STABLE] Current working set of the pod in bytes',
      type: 'gauge',
      samples: summary.pods.map((p) => ({
        labels: podLabels(p),
        value: p.memory.workingSetBytes,
        time: p.memory.time,
      })),
    },
  ];
  return `${families.map(render).join('\n')}\n${SCRAPE_ERROR_HEAD}\nresource_scrape_error 0\n`;
}
