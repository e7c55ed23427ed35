// /metrics/resource: the kubelet's resource metrics in Prometheus text format, what metrics-server
// scrapes. Made from the same Summary as /stats/summary; each sample carries its time (ms), as the
// kubelet's do, because metrics-server computes CPU rates between two scrapes' timestamps. A Summary
// without usage (CCI serves no metrics API) gives start times only, and resource_scrape_error 1,
// which is what the kubelet reports when it could not get container metrics.
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

/** The samples of the parts that carry a figure (`pick` undefined: none for that part). */
function samplesOf<T>(
  parts: T[],
  pick: (part: T) => { value: number; time: string } | undefined,
  labels: (part: T) => Record<string, string>,
): Family['samples'] {
  return parts.flatMap((part) => {
    const figure = pick(part);
    return figure ? [{ labels: labels(part), ...figure }] : [];
  });
}

export function renderResourceMetrics(summary: Summary | undefined): string {
  if (!summary) return `${SCRAPE_ERROR_HEAD}\nresource_scrape_error 1\n`;
  const containers = summary.pods.flatMap((pod) =>
    pod.containers.map((c) => ({
      c,
      labels: { container: c.name, namespace: pod.podRef.namespace, pod: pod.podRef.name },
    })),
  );
  const containerLabels = ({ labels }: (typeof containers)[number]) => labels;
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
      samples: samplesOf(
        containers,
        ({ c }) => c.cpu && { value: c.cpu.usageCoreNanoSeconds / 1e9, time: c.cpu.time },
        containerLabels,
      ),
    },
    {
      name: 'container_memory_working_set_bytes',
      help: '[STABLE] Current working set of the container in bytes',
      type: 'gauge',
      samples: samplesOf(
        containers,
        ({ c }) => c.memory && { value: c.memory.workingSetBytes, time: c.memory.time },
        containerLabels,
      ),
    },
    {
      name: 'container_start_time_seconds',
      help: '[STABLE] Start time of the container since unix epoch in seconds',
      type: 'gauge',
      samples: samplesOf(
        containers,
        ({ c }) => ({ value: new Date(c.startTime).getTime() / 1000, time: c.cpu?.time ?? c.startTime }),
        containerLabels,
      ),
    },
    {
      name: 'node_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
      type: 'counter',
      samples: samplesOf(
        [node],
        (n) => n.cpu && { value: n.cpu.usageCoreNanoSeconds / 1e9, time: n.cpu.time },
        () => ({}),
      ),
    },
    {
      name: 'node_memory_working_set_bytes',
      help: '[STABLE] Current working set of the node in bytes',
      type: 'gauge',
      samples: samplesOf(
        [node],
        (n) => n.memory && { value: n.memory.workingSetBytes, time: n.memory.time },
        () => ({}),
      ),
    },
    {
      name: 'pod_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      type: 'counter',
      samples: samplesOf(
        summary.pods,
        (p) => p.cpu && { value: p.cpu.usageCoreNanoSeconds / 1e9, time: p.cpu.time },
        podLabels,
      ),
    },
    {
      name: 'pod_memory_working_set_bytes',
      help: '[STABLE] Current working set of the pod in bytes',
      type: 'gauge',
      samples: samplesOf(
        summary.pods,
        (p) => p.memory && { value: p.memory.workingSetBytes, time: p.memory.time },
        podLabels,
      ),
    },
  ];
  const scrapeError = node.cpu ? 0 : 1;
  return `${families.map(render).join('\n')}\n${SCRAPE_ERROR_HEAD}\nresource_scrape_error ${scrapeError}\n`;
}
