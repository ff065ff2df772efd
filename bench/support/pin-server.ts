import { execFileSync } from 'node:child_process';

/**
 * BENCH_SERVER_CPUS="1": the server under test (Gavel or a baseline) runs on these CPUs alone,
 * every thread of it (taskset -a). Run the runner itself elsewhere (`taskset -c 0 npm run bench
 * -- ...`: the fleet and the load are its children), so the servers are measured without the
 * fleet and the load generator on their cores. Unset: nothing is pinned.
 */
export function pinServer(pid: number | undefined): void {
  const cpus = process.env.BENCH_SERVER_CPUS;
  if (cpus === undefined || cpus === '' || pid === undefined) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}
