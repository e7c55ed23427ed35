// The benchmark's upstream side: virtual-kubelet's own node and pod controllers (the Go library,
// from the Go module proxy) driving a minimal in-memory provider of ours that reports every pod
// Running the moment it is created. `npm run bench` runs it on the same control plane as vkctl's
// runtime, so the two are compared on the controllers alone. Built by build.sh into the cache,
// never committed as a binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// memoryProvider keeps pods in a map; a created pod is Running at once.
type memoryProvider struct {
	mu     sync.Mutex
	pods   map[string]*corev1.Pod
	notify func(*corev1.Pod)
}

func podKey(namespace, name string) string { return namespace + "/" + name }

func (p *memoryProvider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	now := metav1.Now()
	running := pod.DeepCopy()
	running.Status.Phase = corev1.PodRunning
	running.Status.StartTime = &now
	running.Status.PodIP = "192.0.2.1"
	running.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	running.Status.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		running.Status.ContainerStatuses = append(running.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	p.mu.Lock()
	p.pods[podKey(pod.Namespace, pod.Name)] = running
	notify := p.notify
	p.mu.Unlock()
	if notify != nil {
		notify(running.DeepCopy())
	}
	return nil
}

func (p *memoryProvider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if current, ok := p.pods[podKey(pod.Namespace, pod.Name)]; ok {
		updated := pod.DeepCopy()
		updated.Status = current.Status
		p.pods[podKey(pod.Namespace, pod.Name)] = updated
	}
	return nil
}

func (p *memoryProvider) DeletePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := podKey(pod.Namespace, pod.Name)
	if _, ok := p.pods[k]; !ok {
		return errdefs.NotFound("no such pod")
	}
	delete(p.pods, k)
	return nil
}

func (p *memoryProvider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pod, ok := p.pods[podKey(namespace, name)]; ok {
		return pod.DeepCopy(), nil
	}
	return nil, errdefs.NotFound("no such pod")
}

func (p *memoryProvider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *memoryProvider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pods := make([]*corev1.Pod, 0, len(p.pods))
	for _, pod := range p.pods {
		pods = append(pods, pod.DeepCopy())
	}
	return pods, nil
}

// NotifyPods makes the provider asynchronous: status changes are pushed, not polled.
func (p *memoryProvider) NotifyPods(_ context.Context, notify func(*corev1.Pod)) {
	p.mu.Lock()
	p.notify = notify
	p.mu.Unlock()
}

func (p *memoryProvider) GetContainerLogs(context.Context, string, string, string, api.ContainerLogOpts) (io.ReadCloser, error) {
	return nil, errdefs.NotFound("no logs in the benchmark provider")
}
func (p *memoryProvider) RunInContainer(context.Context, string, string, string, []string, api.AttachIO) error {
	return errdefs.NotFound("no exec in the benchmark provider")
}
func (p *memoryProvider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errdefs.NotFound("no attach in the benchmark provider")
}
func (p *memoryProvider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{}, nil
}
func (p *memoryProvider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}
func (p *memoryProvider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errdefs.NotFound("no port-forward in the benchmark provider")
}

var _ node.PodNotifier = (*memoryProvider)(nil)

// unlimited is client-go's default controller rate limiter without its overall 10/s bucket.
func unlimited() workqueue.TypedRateLimiter[any] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[any](5*time.Millisecond, 1000*time.Second)
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig")
	nodeName := flag.String("node-name", "upstream-vk", "node name")
	workers := flag.Int("workers", 0, "pod workers (0: the library's default, the CPU count)")
	qps := flag.Float64("qps", 0, "client QPS (0: client-go's default, 5; below 0: no client-side limit, as vkctl's client)")
	burst := flag.Int("burst", 0, "client burst (0: client-go's default, 10)")
	unlimitedQueues := flag.Bool("unlimited-queues", false,
		"lift the pod controller's queue rate limiter (client-go's default: 10 items/s overall, burst 100); a failed item still backs off")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream-vk:", err)
		os.Exit(2)
	}
	// client-go builds a token-bucket limiter only for a QPS above 0 (rest.RESTClientFor).
	if *qps != 0 {
		config.QPS = float32(*qps)
	}
	if *burst > 0 {
		config.Burst = *burst
	}
	client := kubernetes.NewForConfigOrDie(config)
	provider := &memoryProvider{pods: map[string]*corev1.Pod{}}
	vk, err := nodeutil.NewNode(*nodeName, func(cfg nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("2000"),
			corev1.ResourceMemory: resource.MustParse("8000Gi"),
			corev1.ResourcePods:   resource.MustParse("10000"),
		}
		cfg.Node.Status.Capacity = capacity
		cfg.Node.Status.Allocatable = capacity
		cfg.Node.Spec.Taints = []corev1.Taint{{Key: "virtual-kubelet.io/provider", Value: "upstream", Effect: corev1.TaintEffectNoSchedule}}
		return provider, nil, nil
	}, nodeutil.WithClient(client), func(c *nodeutil.NodeConfig) error {
		if *workers > 0 {
			c.NumWorkers = *workers
		}
		return nil
	}, nodeutil.WithPodControllerConfigOverrides(func(c *node.PodControllerConfig) error {
		if *unlimitedQueues {
			// The default is the larger of this per-item backoff and an overall token bucket; only
			// the bucket goes, so a pod whose sync fails is still retried after 5 ms, 10 ms, ...
			c.SyncPodsFromKubernetesRateLimiter = unlimited()
			c.DeletePodsFromKubernetesRateLimiter = unlimited()
			c.SyncPodStatusFromProviderRateLimiter = unlimited()
		}
		return nil
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream-vk:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		if err := vk.Run(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "upstream-vk:", err)
			os.Exit(1)
		}
	}()
	if err := vk.WaitReady(ctx, 0); err != nil {
		fmt.Fprintln(os.Stderr, "upstream-vk:", err)
		os.Exit(1)
	}
	fmt.Println("upstream-vk ready")
	<-ctx.Done()
}
